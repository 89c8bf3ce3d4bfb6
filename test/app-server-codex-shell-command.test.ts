// thread/shellCommand (the Codex TUI's `!cmd`) over a spawned `yoke app-server` (stdio): the
// answer is {} and a turn follows with one commandExecution item marked source "userShell",
// its output streamed; it runs in the thread's cwd under the thread's sandbox (a read-only
// thread cannot write); the command and its output are stored with the thread and the next
// model request carries them; a timeout ends it; beside a running turn it joins that turn.
// Every message
// validates against Codex's own schema.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { CodexDriver, type Json } from './support/codex-driver.ts';
import { codexSchemaDir } from './support/codex-package.ts';
import { loadCodexSchema } from './support/codex-schema.ts';
import { hang, startMockModel, text } from './support/mock-model.ts';

const input = (t: string) => [{ type: 'text', text: t, text_elements: [] }];

/** The item/completed of the next userShell command, and the turn it ran in, once it ends. */
async function shell(driver: CodexDriver, threadId: string, params: Json) {
  const at = driver.transcript.length;
  const ended = driver.nextMessage((m) => m.method === 'turn/completed');
  assert.deepEqual(await driver.request('thread/shellCommand', { threadId, ...params }), {});
  const done = await ended;
  const later = driver.transcript
    .slice(at)
    .filter((r) => r.dir === 's2c')
    .map((r) => r.message);
  const started = later.find((m) => m.method === 'item/started')!.params as Json;
  const completed = later.find((m) => m.method === 'item/completed')!.params as Json;
  const deltas = later
    .filter((m) => m.method === 'item/commandExecution/outputDelta')
    .map((m) => String((m.params as Json).delta))
    .join('');
  const order = later
    .map((m) => (m.method ? String(m.method) : 'reply'))
    .filter((m) => m === 'reply' || m.startsWith('turn/') || m.startsWith('item/'));
  return {
    started: started.item as Json,
    item: completed.item as Json,
    turn: (done.params as Json).turn as Json,
    deltas,
    order,
  };
}

test(
  'thread/shellCommand runs in the thread’s sandbox, streams, and is kept for the model',
  { timeout: 600_000 },
  async (t) => {
    const mock = await startMockModel([text('Noted.'), hang(), text('Done with both.')]);
    t.after(() => mock.close());
    const repo = tempRepo({ 'a.txt': 'a\n' }, t);
    const home = tempDir('home', t);
    const { driver } = CodexDriver.stdio(yokeEnv(mock.url, home), repo);
    t.after(() => driver.close());
    await driver.initialize();
    const { thread } = await driver.request('thread/start', { cwd: repo });
    const threadId = (thread as Json).id as string;

    const ran = await shell(driver, threadId, {
      command: 'echo hello-$((6*7)); echo to-stderr >&2; pwd',
    });
    assert.equal(ran.order[0], 'reply', 'the answer comes before the turn');
    assert.deepEqual(ran.order.slice(1, 3), ['turn/started', 'item/started']);
    assert.equal(ran.started.type, 'commandExecution');
    assert.equal(ran.started.source, 'userShell');
    assert.equal(ran.started.status, 'inProgress');
    assert.equal(ran.item.source, 'userShell');
    assert.equal(ran.item.status, 'completed');
    assert.equal(ran.item.exitCode, 0);
    assert.equal(ran.item.cwd, repo);
    assert.match(String(ran.item.aggregatedOutput), /hello-42\n[^]*to-stderr\n[^]*/);
    assert.ok(String(ran.item.aggregatedOutput).includes(repo), 'it ran in the thread’s cwd');
    assert.equal(ran.deltas, ran.item.aggregatedOutput, 'streamed as it came');
    assert.equal(ran.turn.status, 'completed');

    // The next model turn sees what the user ran.
    const asked = await driver.request('turn/start', { threadId, input: input('what did I run?') });
    const answered = await driver.waitFor(
      'turn/completed',
      (p) => (p.turn as Json).id === (asked.turn as Json).id,
    );
    assert.equal((answered.turn as Json).status, 'completed');
    const sent = mock.requests[0]!.body;
    assert.match(sent, /<user_shell_command>/);
    assert.match(sent, /hello-42/);
    assert.match(sent, /Exit code: 0/);

    // Beside a running turn: the item is that turn's, and the model request in flight starts
    // again with the record, as steering does.
    const busy = await driver.request('turn/start', { threadId, input: input('long') });
    const busyId = (busy.turn as Json).id;
    await mock.waitForRequests(2);
    assert.deepEqual(
      await driver.request('thread/shellCommand', { threadId, command: 'echo beside-$((1+1))' }),
      {},
    );
    const beside = await driver.waitFor(
      'item/completed',
      (p) => (p.item as Json).source === 'userShell' && p.turnId === busyId,
    );
    assert.equal((beside.item as Json).exitCode, 0);
    const finished = await driver.waitFor('turn/completed', (p) => (p.turn as Json).id === busyId);
    assert.equal((finished.turn as Json).status, 'completed');
    assert.match(mock.requests[2]!.body, /<user_shell_command>[^]*beside-2/);
    const before = mock.requests[1]!.body;
    assert.ok(
      mock.requests[2]!.body.startsWith(before.slice(0, before.lastIndexOf(']'))),
      'the restarted request extends the one in flight (prompt cache prefix)',
    );

    // Stored with the thread: thread/read shows the item.
    const read = await driver.request('thread/read', { threadId, includeTurns: true });
    const items = ((read.thread as Json).turns as Json[]).flatMap((turn) => turn.items as Json[]);
    assert.ok(
      items.some((i) => i.type === 'commandExecution' && i.source === 'userShell'),
      JSON.stringify(items),
    );

    // timeoutMs ends a command that runs too long.
    const slow = await shell(driver, threadId, { command: 'sleep 30', timeoutMs: 300 });
    assert.equal(slow.item.status, 'failed');
    assert.notEqual(slow.item.exitCode, 0);
    assert.ok(Number(slow.item.durationMs) < 20_000);

    const schema = loadCodexSchema(process.env.CODEX_SCHEMA_DIR || (await codexSchemaDir()));
    const { failures, checked } = schema.check('shell-command', driver.transcript);
    assert.deepEqual(failures, []);
    assert.ok(checked > 20);
  },
);

test('a read-only thread’s shell command cannot write', { timeout: 600_000 }, async (t) => {
  const mock = await startMockModel([]);
  t.after(() => mock.close());
  const repo = tempRepo({ 'a.txt': 'a\n' }, t);
  const home = tempDir('home', t);
  const { driver } = CodexDriver.stdio(yokeEnv(mock.url, home), repo);
  t.after(() => driver.close());
  await driver.initialize();
  const { thread } = await driver.request('thread/start', { cwd: repo, sandbox: 'read-only' });
  const ran = await shell(driver, (thread as Json).id as string, {
    command: 'touch made.txt',
  });
  assert.equal(ran.item.status, 'failed');
  assert.notEqual(ran.item.exitCode, 0);
  assert.match(String(ran.item.aggregatedOutput), /Read-only file system|Permission denied/);
  assert.equal(existsSync(join(repo, 'made.txt')), false);
});
