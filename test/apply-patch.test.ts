import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyPatchTool } from '../src/tools/apply-patch.ts';
import { unifiedDiff } from '../src/tools/patch/diff.ts';
import { parsePatch } from '../src/tools/patch/parse.ts';
import type { FileChangeItem } from '../src/protocol/items.ts';
import type { FileAccess } from '../src/tools/types.ts';
import {
  changesOf,
  context,
  exists,
  read,
  run,
  snapshot,
  tempWorkspaces,
} from './support/patch-workspace.ts';
import type { Workspaces } from './support/patch-workspace.ts';

let spaces: Workspaces;
before(async () => {
  spaces = await tempWorkspaces();
});
after(() => spaces.cleanup());
const workspace = (files?: Record<string, string>) => spaces.workspace(files);

describe('apply_patch: operations', () => {
  test('adds a file, creating parent directories', async () => {
    const { ws } = await workspace();
    const result = await run(
      ws,
      '*** Begin Patch\n*** Add File: src/deep/new.txt\n+line one\n+line two\n*** End Patch',
    );
    assert.equal(await read(ws, 'src/deep/new.txt'), 'line one\nline two\n');
    assert.equal(result.output, 'Success. Updated the following files:\nA src/deep/new.txt\n');
    const item = result.item as FileChangeItem;
    assert.equal(item.status, 'completed');
    assert.deepEqual(item.changes, [
      {
        path: path.join(ws, 'src/deep/new.txt'),
        kind: { type: 'add' },
        diff: '--- /dev/null\n+++ b/src/deep/new.txt\n@@ -0,0 +1,2 @@\n+line one\n+line two\n',
      },
    ]);
  });

  test('updates a file with several hunks', async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`);
    const { ws } = await workspace({ 'a.txt': `${lines.join('\n')}\n` });
    const result = await run(
      ws,
      [
        '*** Begin Patch',
        '*** Update File: a.txt',
        '@@',
        ' line 2',
        '-line 3',
        '+line three',
        ' line 4',
        '@@',
        ' line 15',
        '-line 16',
        '+line sixteen',
        '+line sixteen and a half',
        ' line 17',
        '*** End Patch',
      ].join('\n'),
    );
    const expected = [...lines];
    expected.splice(15, 1, 'line sixteen', 'line sixteen and a half');
    expected[2] = 'line three';
    assert.equal(await read(ws, 'a.txt'), `${expected.join('\n')}\n`);
    assert.equal(result.output, 'Success. Updated the following files:\nM a.txt\n');
    const [change] = changesOf(result);
    assert.deepEqual(change?.kind, { type: 'update', move_path: null });
    assert.match(change?.diff ?? '', /@@ -1,6 \+1,6 @@/);
    assert.match(change?.diff ?? '', /@@ -13,7 \+13,8 @@/);
  });

  test('an @@ header picks the right occurrence', async () => {
    const src = ['def one():', '    return 0', '', 'def two():', '    return 0', ''].join('\n');
    const { ws } = await workspace({ 'app.py': src });
    await run(
      ws,
      '*** Begin Patch\n*** Update File: app.py\n@@ def two():\n-    return 0\n+    return 2\n*** End Patch\n',
    );
    assert.equal(
      await read(ws, 'app.py'),
      'def one():\n    return 0\n\ndef two():\n    return 2\n',
    );
  });

  test('*** End of File anchors the hunk at the end', async () => {
    const { ws } = await workspace({ 'f.txt': 'x\nend\nmiddle\nx\nend\n' });
    await run(
      ws,
      '*** Begin Patch\n*** Update File: f.txt\n@@\n x\n-end\n+END\n*** End of File\n*** End Patch',
    );
    assert.equal(await read(ws, 'f.txt'), 'x\nend\nmiddle\nx\nEND\n');
  });

  test('a pure addition appends at the end of the file', async () => {
    const { ws } = await workspace({ 'f.txt': 'a\nb\n' });
    await run(ws, '*** Begin Patch\n*** Update File: f.txt\n@@\n+c\n*** End Patch');
    assert.equal(await read(ws, 'f.txt'), 'a\nb\nc\n');
  });

  test('a pure addition does not move the search on: a later section still applies', async () => {
    const { ws } = await workspace({ 'f.txt': 'a\nb\nc\n' });
    await run(ws, '*** Begin Patch\n*** Update File: f.txt\n@@\n+end\n@@\n-b\n+B\n*** End Patch');
    assert.equal(await read(ws, 'f.txt'), 'a\nB\nc\nend\n');
  });

  test('an @@ header followed only by added lines inserts after the header line', async () => {
    const { ws } = await workspace({ 'f.txt': 'def f():\n  pass\ndef g():\n  pass\n' });
    await run(ws, '*** Begin Patch\n*** Update File: f.txt\n@@ def g():\n+  # g\n*** End Patch');
    assert.equal(await read(ws, 'f.txt'), 'def f():\n  pass\ndef g():\n  # g\n  pass\n');
  });

  test('moves and edits a file', async () => {
    const { ws } = await workspace({ 'src/app.py': 'print("hi")\n' });
    const result = await run(
      ws,
      '*** Begin Patch\n*** Update File: src/app.py\n*** Move to: lib/main.py\n@@\n-print("hi")\n+print("hello")\n*** End Patch',
    );
    assert.equal(await exists(ws, 'src/app.py'), false);
    assert.equal(await read(ws, 'lib/main.py'), 'print("hello")\n');
    assert.equal(result.output, 'Success. Updated the following files:\nM lib/main.py\n');
    const [change] = changesOf(result);
    assert.deepEqual(change?.kind, { type: 'update', move_path: path.join(ws, 'lib/main.py') });
    assert.match(change?.diff ?? '', /^--- a\/src\/app.py\n\+\+\+ b\/lib\/main.py\n/);
  });

  test('a move onto an existing file replaces it (as in Codex)', async () => {
    const { ws } = await workspace({ 'a.txt': 'a\nkeep\n', 'b.txt': 'b\n' });
    const result = await run(
      ws,
      '*** Begin Patch\n*** Update File: a.txt\n*** Move to: b.txt\n@@\n-a\n+A\n*** End Patch',
    );
    assert.deepEqual(await snapshot(ws), { 'b.txt': 'A\nkeep\n' });
    assert.equal(result.output, 'Success. Updated the following files:\nM b.txt\n');
  });

  test('a move onto itself updates the file in place (Codex deletes it)', async () => {
    const { ws } = await workspace({ 'a.txt': 'a\n' });
    await run(
      ws,
      '*** Begin Patch\n*** Update File: a.txt\n*** Move to: a.txt\n@@\n-a\n+A\n*** End Patch',
    );
    assert.deepEqual(await snapshot(ws), { 'a.txt': 'A\n' });
  });

  test('an Add File onto an existing file overwrites it (as in Codex)', async () => {
    const { ws } = await workspace({ 'a.txt': 'old\r\ncontent\r\n' });
    const input = '*** Begin Patch\n*** Add File: a.txt\n+new\n*** End Patch';
    // The approval preview shows what it replaces.
    const preview = applyPatchTool.startItem('call_0', { input }, context(ws));
    assert.match(
      (preview as FileChangeItem).changes[0]?.diff ?? '',
      /^--- a\/a\.txt\n\+\+\+ b\/a\.txt\n@@ -1,2 \+1 @@\n-old\r\n-content\r\n\+new\n$/,
    );
    const result = await run(ws, input);
    assert.deepEqual(await snapshot(ws), { 'a.txt': 'new\n' });
    assert.equal(result.output, 'Success. Updated the following files:\nA a.txt\n');
    const [change] = changesOf(result);
    assert.deepEqual(change?.kind, { type: 'add' });
    assert.match(change?.diff ?? '', /^--- a\/a\.txt\n\+\+\+ b\/a\.txt\n/);
  });

  test('deletes a file', async () => {
    const { ws } = await workspace({ 'old.txt': 'bye\n' });
    const result = await run(ws, '*** Begin Patch\n*** Delete File: old.txt\n*** End Patch');
    assert.equal(await exists(ws, 'old.txt'), false);
    assert.equal(result.output, 'Success. Updated the following files:\nD old.txt\n');
    assert.deepEqual(changesOf(result), [
      {
        path: path.join(ws, 'old.txt'),
        kind: { type: 'delete' },
        diff: '--- a/old.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n',
      },
    ]);
  });

  test('delete and add in one patch, also of the same path', async () => {
    const { ws } = await workspace({ 'a.txt': 'old\n', 'b.txt': 'b\n' });
    const result = await run(
      ws,
      '*** Begin Patch\n*** Delete File: a.txt\n*** Add File: a.txt\n+new\n*** Delete File: b.txt\n*** Add File: c.txt\n+c\n*** End Patch',
    );
    assert.deepEqual(await snapshot(ws), { 'a.txt': 'new\n', 'c.txt': 'c\n' });
    assert.equal(
      result.output,
      'Success. Updated the following files:\nD a.txt\nA a.txt\nD b.txt\nA c.txt\n',
    );
  });
});

describe('apply_patch: tolerance and line endings', () => {
  test('keeps CRLF line endings; an updated file ends with a line ending', async () => {
    const { ws } = await workspace({ 'win.txt': 'one\r\ntwo\r\nthree', 'unix.txt': 'a\nb' });
    await run(
      ws,
      '*** Begin Patch\n*** Update File: win.txt\n@@\n one\n-two\n+TWO\n+2.5\n three\n*** Update File: unix.txt\n@@\n-b\n+B\n*** End Patch',
    );
    assert.equal(await read(ws, 'win.txt'), 'one\r\nTWO\r\n2.5\r\nthree\r\n');
    assert.equal(await read(ws, 'unix.txt'), 'a\nB\n');
  });

  test('accepts a patch sent with CRLF line endings', async () => {
    const { ws } = await workspace({ 'a.txt': 'x\ny\n' });
    await run(
      ws,
      '*** Begin Patch\r\n*** Update File: a.txt\r\n@@\r\n x\r\n-y\r\n+z\r\n*** End Patch\r\n',
    );
    assert.equal(await read(ws, 'a.txt'), 'x\nz\n');
  });

  test('matches despite trailing whitespace and leading-space differences', async () => {
    const { ws } = await workspace({ 'a.py': 'def f():   \n\treturn 1\n' });
    await run(
      ws,
      '*** Begin Patch\n*** Update File: a.py\n@@\n def f():\n-    return 1\n+\treturn 2\n*** End Patch',
    );
    assert.equal(await read(ws, 'a.py'), 'def f():   \n\treturn 2\n');
  });

  test('matches after normalising Unicode punctuation', async () => {
    const { ws } = await workspace({
      'doc.md': 'Title \u2014 \u201Cquoted\u201D\nit\u2019s\u00A0here\nend\n',
    });
    await run(
      ws,
      '*** Begin Patch\n*** Update File: doc.md\n@@\n Title - "quoted"\n-it\'s here\n+it is here\n*** End Patch',
    );
    assert.equal(await read(ws, 'doc.md'), 'Title \u2014 \u201Cquoted\u201D\nit is here\nend\n');
  });

  test('accepts a heredoc-wrapped patch, fences and blank lines', async () => {
    const { ws } = await workspace({ 'a.txt': 'a\n' });
    await run(
      ws,
      "\n\napply_patch <<'EOF'\n*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b\n*** End Patch\nEOF\n\n",
    );
    assert.equal(await read(ws, 'a.txt'), 'b\n');
    await run(ws, '```diff\n*** Begin Patch\n*** Add File: c.txt\n+c\n*** End Patch\n```\n');
    assert.equal(await read(ws, 'c.txt'), 'c\n');
  });

  test('accepts unified-diff style @@ ranges as bare @@', async () => {
    const { ws } = await workspace({ 'a.txt': 'one\ntwo\nthree\n' });
    await run(
      ws,
      '*** Begin Patch\n*** Update File: a.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n*** End Patch',
    );
    assert.equal(await read(ws, 'a.txt'), 'one\nTWO\nthree\n');
  });

  test('accepts the patch under the `patch` key', () => {
    const args = applyPatchTool.schema.parse({ patch: '*** Begin Patch\n*** End Patch' });
    assert.equal(args.input, '*** Begin Patch\n*** End Patch');
  });
});

describe('apply_patch: items, parser and diff', () => {
  test('startItem previews the changes; an unparsable patch gives no changes', async () => {
    const { ws } = await workspace({ 'a.txt': 'a\n' });
    const item = applyPatchTool.startItem(
      'call_9',
      { input: '*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b\n*** End Patch' },
      { cwd: ws },
    );
    assert.deepEqual(item, {
      type: 'fileChange',
      id: 'call_9',
      status: 'inProgress',
      changes: [
        {
          path: path.join(ws, 'a.txt'),
          kind: { type: 'update', move_path: null },
          diff: '--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+b\n',
        },
      ],
    });
    const bad = applyPatchTool.startItem('call_10', { input: 'nonsense' }, { cwd: ws });
    assert.deepEqual(bad, { type: 'fileChange', id: 'call_10', status: 'inProgress', changes: [] });
  });

  test('parsePatch returns typed operations', () => {
    const ops = parsePatch(
      '*** Begin Patch\n*** Update File: a.py\n*** Move to: b.py\n@@ def greet():\n context\n-old\n+new\n*** End of File\n*** Delete File: c.txt\n*** End Patch',
    );
    assert.deepEqual(ops, [
      {
        type: 'update',
        path: 'a.py',
        movePath: 'b.py',
        line: 2,
        chunks: [
          {
            header: 'def greet():',
            lines: [
              { type: 'context', text: 'context' },
              { type: 'remove', text: 'old' },
              { type: 'add', text: 'new' },
            ],
            endOfFile: true,
            line: 4,
          },
        ],
      },
      { type: 'delete', path: 'c.txt', line: 9 },
    ]);
  });

  test('unifiedDiff renders a simple change with 3 lines of context', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const after = 'a\nb\nc\nd\nE\nf\ng\nh\ni';
    assert.equal(
      unifiedDiff(before, after, { oldPath: 'x.txt', newPath: 'x.txt' }),
      [
        '--- a/x.txt',
        '+++ b/x.txt',
        '@@ -2,7 +2,8 @@',
        ' b',
        ' c',
        ' d',
        '-e',
        '+E',
        ' f',
        ' g',
        ' h',
        '+i',
        '\\ No newline at end of file',
        '',
      ].join('\n'),
    );
    assert.equal(unifiedDiff('same\n', 'same\n', { oldPath: 'x', newPath: 'x' }), '');
  });

  test('unifiedDiff splits distant changes into separate hunks', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `${i + 1}`);
    const changed = [...lines];
    changed[1] = 'two';
    changed[27] = 'twenty-eight';
    const diff = unifiedDiff(`${lines.join('\n')}\n`, `${changed.join('\n')}\n`, {
      oldPath: 'n',
      newPath: 'n',
    });
    assert.deepEqual(diff.match(/^@@.*@@$/gm), ['@@ -1,5 +1,5 @@', '@@ -25,6 +25,6 @@']);
  });
});

describe("apply_patch: through a FileAccess (an editor's buffers)", () => {
  const buffers = (texts: Record<string, string>, failOn: string | null = null) => {
    const writes: [string, string][] = [];
    const files: FileAccess = {
      name: 'the test editor',
      readText: async (p) => texts[p] ?? null,
      writeText: async (p, content) => {
        if (p === failOn) throw new Error('the buffer is read-only');
        writes.push([p, content]);
        texts[p] = content;
      },
    };
    return { files, writes, texts };
  };

  test('reads and writes the buffers, not the disk; the diff is of the buffer', async () => {
    const { ws } = await workspace({ 'a.txt': 'on disk\n' });
    const a = path.join(ws, 'a.txt');
    const editor = buffers({ [a]: 'in the buffer\n' });
    const result = await applyPatchTool.execute(
      'c1',
      { input: '*** Begin Patch\n*** Update File: a.txt\n-in the buffer\n+edited\n*** End Patch' },
      { ...context(ws), files: editor.files },
    );
    assert.deepEqual(editor.writes, [[a, 'edited\n']]);
    assert.equal(await read(ws, 'a.txt'), 'on disk\n');
    assert.match(changesOf(result)[0]!.diff, /-in the buffer\n\+edited/);
  });

  test('a failed write restores the buffers already written; the disk never changes', async () => {
    const { ws } = await workspace({ 'a.txt': 'one\n', 'b.txt': 'two\n' });
    const [a, b] = [path.join(ws, 'a.txt'), path.join(ws, 'b.txt')];
    const editor = buffers({ [a]: 'one\n', [b]: 'two\n' }, b);
    await assert.rejects(
      applyPatchTool.execute(
        'c1',
        {
          input:
            '*** Begin Patch\n*** Update File: a.txt\n-one\n+ONE\n*** Update File: b.txt\n-two\n+TWO\n*** End Patch',
        },
        { ...context(ws), files: editor.files },
      ),
      /could not write b\.txt: the buffer is read-only; no files were changed/,
    );
    assert.deepEqual(editor.writes, [
      [a, 'ONE\n'],
      [a, 'one\n'],
    ]);
    assert.deepEqual(await snapshot(ws), { 'a.txt': 'one\n', 'b.txt': 'two\n' });
  });
});
