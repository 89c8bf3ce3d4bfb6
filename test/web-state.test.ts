// The web page's pure parts: the diff colouriser, routes and paths. (Its thread state is the
// shared one: test/thread-view.test.ts.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyDiff, diffCounts } from '../web/src/diff-lines.ts';
import { relativePath, taskWorktreePrefix } from '../web/src/format.ts';
import { parseRoute } from '../web/src/router.ts';

test('diff lines: headers, hunks, additions, removals — counted hunks, not guesses', () => {
  const diff = [
    'diff --git a/x b/x',
    'index 1..2 100644',
    '--- a/x',
    '+++ b/x',
    '@@ -1,3 +1,3 @@',
    ' keep',
    '--- a removed line that looks like a header',
    '+++ an added one',
    ' end',
    '--- a/y',
    '+++ b/y',
    '@@ -1 +1 @@',
    '-old',
    '+new',
    '\\ No newline at end of file',
    '',
  ].join('\n');
  const kinds = classifyDiff(diff).map((l) => l.kind);
  assert.deepEqual(kinds, [
    'file',
    'meta',
    'file',
    'file',
    'hunk',
    'context',
    'del',
    'add',
    'context',
    'file',
    'file',
    'hunk',
    'del',
    'add',
    'note',
  ]);
  assert.deepEqual(diffCounts(classifyDiff(diff)), { added: 2, removed: 2 });
});

test('routes and paths', () => {
  assert.deepEqual(parseRoute(''), { page: 'board' });
  assert.deepEqual(parseRoute('#/'), { page: 'board' });
  assert.deepEqual(parseRoute('#/task/abc'), { page: 'task', id: 'abc' });
  assert.deepEqual(parseRoute('#/thread/a%2Fb'), { page: 'thread', id: 'a/b' });
  assert.equal(parseRoute('#/x').page, 'missing');
  const path = '/home/u/.yoke/worktrees/t1/src/a.ts';
  assert.equal(relativePath(path, [null, taskWorktreePrefix(path, 't1')]), 'src/a.ts');
  assert.equal(relativePath('/r/a.ts', ['/r']), 'a.ts');
  assert.equal(relativePath('/other/a.ts', ['/r']), '/other/a.ts');
});
