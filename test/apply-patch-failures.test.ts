import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyPatchTool } from '../src/tools/apply-patch.ts';
import {
  context,
  read,
  run,
  runFails,
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

describe('apply_patch: failures change nothing', () => {
  test('bad context: precise error, earlier files in the patch untouched', async () => {
    const body = Array.from({ length: 50 }, (_, i) => `const v${i} = ${i};`).join('\n');
    const { ws } = await workspace({ 'first.ts': 'one\ntwo\n', 'src/a.ts': `${body}\n` });
    const before = await snapshot(ws);
    const message = await runFails(
      ws,
      [
        '*** Begin Patch',
        '*** Add File: added.txt',
        '+fresh',
        '*** Update File: first.ts',
        '@@',
        '-one',
        '+ONE',
        '*** Update File: src/a.ts',
        '@@',
        ' const v10 = 10;',
        '-const v11 = 11;',
        '+const v11 = 111;',
        '@@',
        ' const v40 = 40;',
        '-const v41 = 4100;',
        '+const v41 = 41;',
        ' const v42 = 42;',
        '*** End Patch',
      ].join('\n'),
      /could not find the context for hunk 2 of src\/a\.ts/,
    );
    assert.match(
      message,
      /expected these lines after line 12:\n {2}const v40 = 40;\n {2}const v41 = 4100;/,
    );
    assert.match(message, /closest match starts at line 41 \(2 of 3 lines match\)/);
    assert.deepEqual(await snapshot(ws), before);
  });

  test('hunks out of file order get a hint', async () => {
    const { ws } = await workspace({ 'a.txt': 'a\nb\nc\nd\ne\nf\n' });
    await runFails(
      ws,
      '*** Begin Patch\n*** Update File: a.txt\n@@\n e\n-f\n+F\n@@\n a\n-b\n+B\n*** End Patch',
      /hunk 2 of a\.txt[\s\S]*These lines are at line 1, before the previous hunk/,
    );
    assert.equal(await read(ws, 'a.txt'), 'a\nb\nc\nd\ne\nf\n');
  });

  test('an aborted call writes nothing', async () => {
    const { ws } = await workspace({ 'a.txt': 'a\n' });
    const controller = new AbortController();
    controller.abort();
    const args = applyPatchTool.schema.parse({
      input: '*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b\n*** End Patch',
    });
    await assert.rejects(
      applyPatchTool.execute('call_1', args, { ...context(ws), signal: controller.signal }),
      /interrupted before writing/,
    );
    assert.equal(await read(ws, 'a.txt'), 'a\n');
  });

  test('a write failing midway restores the files already written', async () => {
    const { ws } = await workspace({ 'x.txt': 'x\n', blocker: 'a file, not a dir\n' });
    const before = await snapshot(ws);
    await runFails(
      ws,
      '*** Begin Patch\n*** Update File: x.txt\n@@\n-x\n+X\n*** Add File: newdir/y.txt\n+y\n*** Add File: blocker/z.txt\n+z\n*** End Patch',
      /could not write blocker\/z\.txt: .*no files were changed/,
    );
    assert.deepEqual(await snapshot(ws), before);
  });

  test('rejects ../ and absolute paths', async () => {
    const { ws, outside } = await workspace({ 'a.txt': 'a\n' });
    const before = await snapshot(path.dirname(ws));
    await runFails(
      ws,
      '*** Begin Patch\n*** Add File: ../outside/evil.txt\n+x\n*** End Patch',
      /path escapes the workspace: \.\.\/outside\/evil\.txt/,
    );
    await runFails(
      ws,
      `*** Begin Patch\n*** Add File: ${path.join(outside, 'evil.txt')}\n+x\n*** End Patch`,
      /absolute paths are not allowed/,
    );
    await runFails(
      ws,
      '*** Begin Patch\n*** Update File: a.txt\n*** Move to: sub/../../escape.txt\n@@\n-a\n+b\n*** End Patch',
      /path escapes the workspace/,
    );
    assert.deepEqual(await snapshot(path.dirname(ws)), before);
  });

  test('rejects a symlinked directory and a symlinked file pointing outside', async () => {
    const { ws, outside } = await workspace();
    await fs.writeFile(path.join(outside, 'secret.txt'), 'secret\n');
    await fs.symlink(outside, path.join(ws, 'link'));
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(ws, 'secret.txt'));
    await fs.symlink(path.join(outside, 'nothing-yet.txt'), path.join(ws, 'dangling.txt'));
    const before = await snapshot(path.dirname(ws));
    await runFails(
      ws,
      '*** Begin Patch\n*** Add File: link/sub/evil.txt\n+x\n*** End Patch',
      /path escapes the workspace: link\/sub\/evil\.txt \(through a symbolic link/,
    );
    await runFails(
      ws,
      '*** Begin Patch\n*** Update File: secret.txt\n@@\n-secret\n+leaked\n*** End Patch',
      /path escapes the workspace: secret\.txt/,
    );
    await runFails(
      ws,
      '*** Begin Patch\n*** Delete File: link/secret.txt\n*** End Patch',
      /path escapes the workspace/,
    );
    await runFails(
      ws,
      '*** Begin Patch\n*** Update File: dangling.txt\n@@\n+x\n*** End Patch',
      /path escapes the workspace: dangling\.txt/,
    );
    assert.deepEqual(await snapshot(path.dirname(ws)), before);
  });

  test('a symlink that stays inside the workspace is allowed', async () => {
    const { ws } = await workspace({ 'real/a.txt': 'a\n' });
    await fs.symlink(path.join(ws, 'real'), path.join(ws, 'alias'));
    await run(ws, '*** Begin Patch\n*** Update File: alias/a.txt\n@@\n-a\n+b\n*** End Patch');
    assert.equal(await read(ws, 'real/a.txt'), 'b\n');
  });

  test('update or delete of a missing file', async () => {
    const { ws } = await workspace({ 'a.txt': 'a\n' });
    const before = await snapshot(ws);
    await runFails(
      ws,
      '*** Begin Patch\n*** Update File: missing.txt\n@@\n-a\n+b\n*** End Patch',
      /cannot update missing\.txt: the file does not exist/,
    );
    await runFails(
      ws,
      '*** Begin Patch\n*** Delete File: missing.txt\n*** End Patch',
      /cannot delete missing\.txt: the file does not exist/,
    );
    assert.deepEqual(await snapshot(ws), before);
  });

  test('malformed patches name the line, what was expected and what was found', async () => {
    const { ws } = await workspace({ 'a.txt': 'a\n' });
    await runFails(
      ws,
      '*** Update File: a.txt\n@@\n-a\n+b\n*** End Patch',
      /line 1: expected '\*\*\* Begin Patch' as the first line, found "\*\*\* Update File: a\.txt"\. Format:/,
    );
    await runFails(
      ws,
      '*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b',
      /at end of input: expected '\*\*\* End Patch'.*found end of input/,
    );
    await runFails(
      ws,
      '*** Begin Patch\n*** Update File: a.txt\n@@\n-a\nb\n*** End Patch',
      /line 5: expected a line starting with ' ' \(context\), '-' \(removed\), '\+' \(added\).*found "b"/,
    );
    await runFails(
      ws,
      '*** Begin Patch\n*** Frobnicate File: a.txt\n*** End Patch',
      /line 2: expected '\*\*\* Add File: <path>'.*found "\*\*\* Frobnicate File: a\.txt"/,
    );
    assert.equal(await read(ws, 'a.txt'), 'a\n');
  });
});
