// apply_patch, Codex's rules (docs/apply-patch.md): lines split at CRLF, LF or a lone CR; lines
// the patch keeps keep their own ending; added lines take the ending of the file's first line;
// an updated file always ends with a line ending; padded markers and padded operation headers
// are accepted; blank and trailing empty lines in sections read as Codex reads them. Byte-exact.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { updateText } from '../src/tools/patch/apply.ts';
import { parsePatch } from '../src/tools/patch/parse.ts';
import { read, run, snapshot, tempWorkspaces } from './support/patch-workspace.ts';
import type { Workspaces } from './support/patch-workspace.ts';

let spaces: Workspaces;
before(async () => {
  spaces = await tempWorkspaces();
});
after(() => spaces.cleanup());

const patch = (...body: string[]) => ['*** Begin Patch', ...body, '*** End Patch'].join('\n');

/** The file after an update patch of `f.txt` with these section lines. */
function updated(file: string, ...section: string[]): string {
  const [op] = parsePatch(patch('*** Update File: f.txt', ...section));
  assert.equal(op?.type, 'update');
  return updateText(file, op.type === 'update' ? op.chunks : [], 'f.txt');
}

describe('apply_patch: line endings as Codex writes them', { timeout: 30_000 }, () => {
  test('a CR-only file keeps its CRs; the last line gets one', { timeout: 10_000 }, () => {
    assert.equal(updated('a\rb\rc\r', '@@', ' a', '-b', '+B', ' c'), 'a\rB\rc\r');
    assert.equal(updated('a\rb\rc', '@@', ' a', '-b', '+B'), 'a\rB\rc\r');
  });

  test('a replaced CRLF line keeps CRLF in a CRLF file', { timeout: 10_000 }, () => {
    assert.equal(updated('a\r\nb\r\nc\r\n', '@@', '-b', '+B'), 'a\r\nB\r\nc\r\n');
  });

  test(
    'mixed CRLF/LF: kept lines keep theirs, added ones take the first line’s',
    {
      timeout: 10_000,
    },
    () => {
      // First line ends with LF: the added lines get LF, the context line b keeps its CRLF.
      assert.equal(updated('a\nb\r\nc\r\nd', '@@', ' b', '-c', '+C', '+X'), 'a\nb\r\nC\nX\nd\n');
      // First line ends with CRLF: the line that replaces an LF line gets CRLF.
      assert.equal(updated('a\r\nb\nc\n', '@@', ' a', '-b', '+B'), 'a\r\nB\r\nc\n');
      // A line removed and added again is an added line: it takes the first line's ending.
      assert.equal(updated('a\nb\r\nc\n', '@@', ' a', '-b', '+b', ' c'), 'a\nb\nc\n');
      // A lone CR first: added lines get CR.
      assert.equal(updated('a\rb\nc\n', '@@', '-c', '+C'), 'a\rb\nC\r');
      // CR then CRLF is two line endings (an empty line between).
      assert.equal(updated('a\r\r\nb\n', '@@', ' a', ' ', '-b', '+B'), 'a\r\r\nB\r');
    },
  );

  test(
    'a context line matched loosely keeps the file’s text and ending',
    { timeout: 10_000 },
    () => {
      assert.equal(updated('a  \r\nb\r\nc\r\n', '@@', ' a', '-b', '+B'), 'a  \r\nB\r\nc\r\n');
    },
  );

  test(
    'final newline: added, also to a file that had none; empty stays empty',
    {
      timeout: 10_000,
    },
    () => {
      assert.equal(updated('a\nb', '@@', ' a', '+x'), 'a\nx\nb\n');
      assert.equal(updated('only', '@@', '-only', '+ONLY'), 'ONLY\n');
      assert.equal(updated('a\r\n', '@@', '-a'), '');
      assert.equal(updated('', '@@', '+x'), 'x\n');
    },
  );

  test('a BOM is kept and not part of the first line', { timeout: 10_000 }, () => {
    assert.equal(updated('\uFEFFa\r\nb\r\n', '@@', ' a', '-b', '+B'), '\uFEFFa\r\nB\r\n');
  });

  test('through the tool, byte for byte', { timeout: 10_000 }, async () => {
    const { ws } = await spaces.workspace({ 'cr.txt': 'x\ry\r', 'mixed.txt': 'p\r\nq\nr' });
    await run(
      ws,
      patch(
        '*** Update File: cr.txt',
        '@@',
        ' x',
        '+x2',
        '*** Update File: mixed.txt',
        '@@',
        ' q',
        '-r',
        '+R',
      ),
    );
    assert.equal(await read(ws, 'cr.txt'), 'x\rx2\ry\r');
    assert.equal(await read(ws, 'mixed.txt'), 'p\r\nq\nR\r\n');
  });
});

describe('apply_patch: padded markers', { timeout: 30_000 }, () => {
  test('padded Begin/End Patch and padded operation headers', { timeout: 10_000 }, async () => {
    const { ws } = await spaces.workspace({ 'a.txt': 'a\n', 'old.txt': 'x\n' });
    await run(
      ws,
      [
        '  *** Begin Patch \t',
        ' *** Add File: new.txt',
        '+n',
        '\t*** Delete File: old.txt  ',
        '  *** Update File: a.txt  ',
        '@@',
        '-a',
        '+A',
        ' \t*** End Patch  ',
      ].join('\n'),
    );
    assert.deepEqual(await snapshot(ws), { 'a.txt': 'A\n', 'new.txt': 'n\n' });
  });

  test(
    'a padded header inside a section is a context line, as in Codex',
    {
      timeout: 10_000,
    },
    () => {
      const ops = parsePatch(
        patch('*** Update File: a.txt', '@@', ' *** Add File: x', '-a', '+b', '*** Delete File: c'),
      );
      assert.deepEqual(
        ops.map((o) => o.type),
        ['update', 'delete'],
      );
      const first = ops[0]!;
      assert.deepEqual(first.type === 'update' ? first.chunks[0]?.lines[0] : null, {
        type: 'context',
        text: '*** Add File: x',
      });
    },
  );

  test(
    'a padded Move to is accepted (Codex reads it as a context line)',
    {
      timeout: 10_000,
    },
    async () => {
      const { ws } = await spaces.workspace({ 'a.txt': 'a\n' });
      await run(ws, patch('*** Update File: a.txt', '  *** Move to: b.txt', '@@', '-a', '+A'));
      assert.deepEqual(await snapshot(ws), { 'b.txt': 'A\n' });
    },
  );
});

describe('apply_patch: sections as Codex reads them', { timeout: 30_000 }, () => {
  test(
    'a blank line opening a first section without @@ is an empty context line',
    {
      timeout: 10_000,
    },
    () => {
      assert.equal(updated('a\n\nb\n', '', '+X'), 'a\n\nX\nb\n');
      assert.equal(updated('a\n\nb\n', ' ', '+X'), 'a\n\nX\nb\n');
      // Before an '@@' it only separates.
      assert.equal(updated('a\n\nb\n', '', '@@', '-b', '+B'), 'a\n\nB\n');
    },
  );

  test('a trailing empty old line stands for the final newline', { timeout: 10_000 }, () => {
    // Not found with it: looked for without it; the new side keeps its other lines.
    assert.equal(updated('a\nb\n', '@@', ' b', ' ', '+x'), 'a\nb\n\nx\n');
    assert.equal(updated('a\nb', '@@', '-b', '-', '+B', '+'), 'a\nB\n');
  });

  test(
    '*** End of File: Codex fails when the lines are not at the end; Yoke looks further',
    {
      timeout: 10_000,
    },
    () => {
      assert.equal(updated('a\nb\nc\n', '@@', '-a', '+A', '*** End of File'), 'A\nb\nc\n');
    },
  );
});
