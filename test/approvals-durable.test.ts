// Durable approvals: a pending approval survives a server crash and restart, is re-sent to
// every client that subscribes, can be answered with `yoke approve` from another terminal, and
// an optional timeout answers it (recorded for audit).
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import { runYoke, tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { startWsServer, type Json } from './support/codex-driver.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';

test('a pending approval survives a server crash; yoke approve answers it from another terminal', async (t) => {
  const mock = await startMockModel([
    toolCall('shell', { command: 'touch approved.txt' }),
    text('done after restart'),
  ]);
  t.after(() => mock.close());
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const env = yokeEnv(mock.url, home);

  const first = await startWsServer(env, repo);
  const a = await first.connect();
  await a.initialize();
  const threadId = (
    (await a.request('thread/start', { cwd: repo, approvalPolicy: 'untrusted' })).thread as Json
  ).id as string;
  const asked = a.nextServerRequest('item/commandExecution/requestApproval');
  await a.request('turn/start', {
    threadId,
    input: [{ type: 'text', text: 'make it', text_elements: [] }],
  });
  await asked;
  first.child.kill('SIGKILL');
  await first.stop();
  assert.ok(!existsSync(join(repo, 'approved.txt')));

  // A new server process brings the thread back, still waiting.
  const second = await startWsServer(env, repo);
  t.after(() => second.stop());
  const b = await second.connect();
  t.after(() => b.close());
  await b.initialize('watcher');
  const again = b.nextServerRequest('item/commandExecution/requestApproval');
  const resumed = await b.request('thread/resume', { threadId });
  assert.deepEqual((resumed.thread as Json).status, {
    type: 'active',
    activeFlags: ['waitingOnApproval'],
  });
  const reAsked = await again;
  assert.equal((reAsked.params as Json).command, "bash -c 'touch approved.txt'");

  // Another terminal answers it.
  const r = await runYoke(['approve', '--remote', second.url, '1', 'accept'], { cwd: repo, env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\[1\] thread .* run: touch approved\.txt/);
  await b.waitFor('serverRequest/resolved', (p) => p.requestId === reAsked.id);
  const done = await b.waitFor('turn/completed');
  assert.equal((done.turn as Json).status, 'completed');
  assert.ok(existsSync(join(repo, 'approved.txt')));

  const list = await runYoke(['approve', '--remote', second.url], { cwd: repo, env });
  assert.match(list.stdout, /no approvals are waiting/);
});

test('an approval nobody answers times out as configured, and the decision is recorded', async (t) => {
  const mock = await startMockModel([
    toolCall('shell', { command: 'touch never.txt' }),
    text('ok, skipped it'),
  ]);
  t.after(() => mock.close());
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  writeFileSync(
    join(home, 'config.toml'),
    'approval_timeout_ms = 150\napproval_timeout_decision = "decline"\n',
  );
  const manager = new ThreadManager({
    config: loadConfig({
      env: { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' },
      cwd: repo,
    }),
  });
  t.after(() => manager.close());
  const session = manager.startThread({ cwd: repo, approvalPolicy: 'untrusted' });
  const result = await session.startTurn([{ type: 'text', text: 'try' }]).done;
  assert.equal(result.status, 'completed');
  assert.ok(!existsSync(join(repo, 'never.txt')));
  const audit = manager.store
    .events(session.id)
    .filter((e) => e.kind === 'approval')
    .map((e) => e.data as Json);
  assert.deepEqual(
    audit.map((d) => [d.decision, d.by]),
    [['decline', 'timeout']],
  );
  const item = session.turns[0]!.items.find((i) => i.type === 'commandExecution') as {
    status: string;
  };
  assert.equal(item.status, 'declined');
});
