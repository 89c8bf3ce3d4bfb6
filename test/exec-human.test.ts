// `yoke exec` for people: a patch is shown with its diff (relative paths, + and − lines), the
// final answer appears once on a terminal (it streamed there already) and alone on stdout when
// piped, and an error that ended the turn is printed once. The renderer is fed the same
// notifications a run sends; one real run checks the diff end to end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerNotification } from '../src/protocol/methods.ts';
import { ZERO_USAGE } from '../src/client/thread-view.ts';
import { ExecHumanRenderer } from '../src/surfaces/cli/exec-human.ts';
import { runYoke, tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { startMockModel } from './support/mock-model.ts';
import { agentScript, writeFilePatch } from './support/task-fixtures.ts';

const at = { threadId: 't', turnId: 'u' };

function streams(tty: boolean) {
  const err = { text: '', isTTY: tty, write: (s: string) => (err.text += s) };
  const out = { text: '', isTTY: tty, write: (s: string) => (out.text += s) };
  return { err, out };
}

function answer(r: ExecHumanRenderer, text: string): void {
  const item = { type: 'agentMessage' as const, id: 'm1', text, phase: null };
  r.notification({ method: 'item/started', params: { ...at, item, startedAtMs: 0 } });
  r.notification({
    method: 'item/agentMessage/delta',
    params: { ...at, itemId: 'm1', delta: text },
  } as ServerNotification);
  r.notification({ method: 'item/completed', params: { ...at, item, completedAtMs: 0 } });
}

test('on a terminal the answer shows once; piped, stdout gets it alone', () => {
  const tty = streams(true);
  const onTerminal = new ExecHumanRenderer(tty.err, tty.out, {}, 'never');
  answer(onTerminal, 'The answer is 42.');
  onTerminal.turnEnded('completed', null, ZERO_USAGE, 'The answer is 42.');
  const shown = tty.err.text + tty.out.text;
  assert.equal(shown.split('The answer is 42.').length - 1, 1, shown);

  const piped = streams(false);
  const toPipe = new ExecHumanRenderer(piped.err, piped.out, {}, 'never');
  answer(toPipe, 'The answer is 42.');
  toPipe.turnEnded('completed', null, ZERO_USAGE, 'The answer is 42.');
  assert.equal(piped.out.text, 'The answer is 42.\n');
});

test('an error that ends the turn is printed once', () => {
  const { err, out } = streams(true);
  const r = new ExecHumanRenderer(err, out, {}, 'never');
  const error = { message: 'the model server said no', additionalDetails: null };
  r.notification({ method: 'error', params: { ...at, error, willRetry: false } });
  r.turnEnded('failed', error, ZERO_USAGE, null);
  assert.equal(err.text.split('the model server said no').length - 1, 1, err.text);
});

test('a patch is shown with its diff, paths relative to the workdir', () => {
  const { err, out } = streams(false);
  const r = new ExecHumanRenderer(err, out, {}, 'never', '/work/repo');
  const item = {
    type: 'fileChange' as const,
    id: 'p1',
    status: 'completed' as const,
    changes: [
      {
        path: '/work/repo/src/a.ts',
        kind: { type: 'update' as const, move_path: null },
        diff: '--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-old line\n+new line\n',
      },
    ],
  };
  r.notification({ method: 'item/completed', params: { ...at, item, completedAtMs: 0 } });
  assert.equal(err.text, 'patch M src/a.ts\n    @@ -1 +1 @@\n    -old line\n    +new line\n');
});

test('yoke exec shows the diff of the patch it applied', { timeout: 60_000 }, async (t) => {
  const mock = await startMockModel(agentScript(() => writeFilePatch('hello.txt', 'hello there')));
  t.after(() => mock.close());
  const repo = tempRepo({}, t);
  const r = await runYoke(['exec', 'write hello.txt', '--full-auto'], {
    cwd: repo,
    env: yokeEnv(mock.url, tempDir('home', t)),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^patch A hello\.txt\n {4}@@ -0,0 \+1 @@\n {4}\+hello there$/m);
});
