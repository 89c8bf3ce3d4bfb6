// yoke app-server end to end, driven by a client written only from the Codex protocol.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runScenario, saveTranscript } from './support/app-server-scenario.ts';
import { runYoke, tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { CodexDriver, startWsServer, type Json } from './support/codex-driver.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';

test('over stdio: start, approval, steer, interrupt, resume in a new process, fork', async (t) => {
  const { transcript } = await runScenario(t, 'stdio');
  assert.ok(transcript.length > 50);
});

test('over WebSocket: the same scenario', async (t) => {
  const { transcript } = await runScenario(t, 'ws');
  assert.ok(transcript.length > 50);
});

test('two clients watch one thread; a late joiner gets the pending approval and either can answer', async (t) => {
  const mock = await startMockModel([
    toolCall('shell', { command: 'touch one.txt' }),
    toolCall('shell', { command: 'touch two.txt' }),
    text('both done'),
  ]);
  t.after(() => mock.close());
  const repo = tempRepo({}, t);
  const env = yokeEnv(mock.url, tempDir('home', t));
  const server = await startWsServer(env, repo);
  t.after(() => server.stop());
  const a = await server.connect();
  const b = await server.connect();
  t.after(async () => {
    await a.close();
    await b.close();
  });
  await a.initialize('client-a');
  await b.initialize('client-b');
  const threadId = (
    (await a.request('thread/start', { cwd: repo, approvalPolicy: 'untrusted' })).thread as Json
  ).id;

  const firstAtA = a.nextServerRequest('item/commandExecution/requestApproval');
  await a.request('turn/start', {
    threadId,
    input: [{ type: 'text', text: 'two files', text_elements: [] }],
  });
  const askA1 = await firstAtA;

  // B joins while A is being asked: it gets the live stream and the pending question.
  const firstAtB = b.nextServerRequest('item/commandExecution/requestApproval');
  const resumed = await b.request('thread/resume', { threadId });
  assert.equal(((resumed.thread as Json).status as Json).type, 'active');
  const askB1 = await firstAtB;
  assert.equal((askB1.params as Json).itemId, (askA1.params as Json).itemId);
  b.respond(askB1.id, { decision: 'accept' });
  await a.waitFor('serverRequest/resolved', (p) => p.requestId === askA1.id);
  await b.waitFor('serverRequest/resolved', (p) => p.requestId === askB1.id);
  a.respond(askA1.id, { decision: 'decline' }); // too late: ignored

  // The second question goes to both; A answers this time.
  const secondAtA = a.nextServerRequest('item/commandExecution/requestApproval');
  const secondAtB = b.nextServerRequest('item/commandExecution/requestApproval');
  const [askA2, askB2] = await Promise.all([secondAtA, secondAtB]);
  a.respond(askA2.id, { decision: 'accept' });
  await b.waitFor('serverRequest/resolved', (p) => p.requestId === askB2.id);
  const doneA = await a.waitFor('turn/completed');
  const doneB = await b.waitFor('turn/completed');
  assert.equal((doneA.turn as Json).status, 'completed');
  assert.deepEqual(doneA, doneB);
  assert.ok(existsSync(join(repo, 'one.txt')) && existsSync(join(repo, 'two.txt')));
  // B saw the items of the turn live, not only the end.
  assert.ok(
    b.notifications.some(
      (n) =>
        n.method === 'item/completed' &&
        ((n.params as Json).item as Json).type === 'commandExecution',
    ),
  );
  saveTranscript('app-server-two-clients', [...a.transcript, ...b.transcript]);
});

test('a thread keeps running when its only client disconnects', async (t) => {
  const mock = await startMockModel([
    toolCall('shell', { command: 'sleep 0.3; touch finished.txt' }),
    text('finished'),
  ]);
  t.after(() => mock.close());
  const repo = tempRepo({}, t);
  const env = yokeEnv(mock.url, tempDir('home', t));
  const server = await startWsServer(env, repo);
  t.after(() => server.stop());
  const a = await server.connect();
  await a.initialize();
  const threadId = ((await a.request('thread/start', { cwd: repo })).thread as Json).id;
  await a.request('turn/start', {
    threadId,
    input: [{ type: 'text', text: 'go', text_elements: [] }],
  });
  await a.waitFor('item/started', (p) => (p.item as Json).type === 'commandExecution');
  await a.close();
  await mock.waitForRequests(2);
  const b = await server.connect();
  t.after(() => b.close());
  await b.initialize();
  const read = await b.request('thread/read', { threadId, includeTurns: true });
  const turns = (read.thread as Json).turns as Json[];
  if (turns[0]!.status !== 'completed') {
    await b.request('thread/resume', { threadId });
    await b.waitFor('turn/completed');
  }
  assert.ok(existsSync(join(repo, 'finished.txt')));
});

test('WebSocket safety: browser origins are refused, non-loopback needs a token', async (t) => {
  const repo = tempRepo({}, t);
  const env = yokeEnv('http://127.0.0.1:9/v1', tempDir('home', t));
  const server = await startWsServer(env, repo);
  t.after(() => server.stop());
  await assert.rejects(server.connect({ origin: 'https://evil.example' }), /403/);
  const ok = await server.connect();
  assert.equal((await ok.initialize()).platformFamily, 'unix');
  await ok.close();
  await assert.rejects(startWsServer(env, repo, ['--listen', 'ws://0.0.0.0:0']), /exited/);
});

test('what a request starts follows its reply: thread/started, turn/started, a compaction turn', async (t) => {
  const mock = await startMockModel([text('hello'), text('The summary.')]);
  t.after(() => mock.close());
  const repo = tempRepo({}, t);
  const { driver } = CodexDriver.stdio(yokeEnv(mock.url, tempDir('home', t)), repo);
  t.after(() => driver.close());
  await driver.initialize();
  const reply = (id: number) =>
    driver.transcript.findIndex((r) => r.dir === 's2c' && r.message.id === id && !r.message.method);
  const first = (method: string) =>
    driver.transcript.findIndex((r) => r.dir === 's2c' && r.message.method === method);
  const started = await driver.request('thread/start', { cwd: repo });
  const threadId = (started.thread as Json).id as string;
  await driver.waitFor('thread/started');
  assert.ok(reply(1) >= 0 && reply(1) < first('thread/started'));
  const turn = (
    await driver.request('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'hi', text_elements: [] }],
    })
  ).turn as Json;
  await driver.waitFor('turn/completed', (p) => (p.turn as Json).id === turn.id);
  assert.ok(reply(2) < first('turn/started'), 'turn/start is answered before turn/started');
  // The turn is stored when turn/start is answered: a read right away sees it.
  const read = await driver.request('thread/read', { threadId, includeTurns: true });
  assert.deepEqual(
    ((read.thread as Json).turns as Json[]).map((x) => x.id),
    [turn.id],
  );
  await driver.request('thread/compact/start', { threadId });
  const compacted = await driver.waitFor('turn/completed', (p) => (p.turn as Json).id !== turn.id);
  assert.equal((compacted.turn as Json).status, 'completed');
  const compactReply = driver.transcript.findIndex(
    (r) => r.dir === 's2c' && r.message.id === 4 && !r.message.method,
  );
  const compactStarted = driver.transcript.findIndex(
    (r) =>
      r.dir === 's2c' &&
      r.message.method === 'turn/started' &&
      ((r.message.params as Json).turn as Json).id === (compacted.turn as Json).id,
  );
  assert.ok(compactReply >= 0 && compactReply < compactStarted);
});

test('a client that writes initialize and hangs up at once gets its reply and a clean exit', async (t) => {
  const mock = await startMockModel(() => text('unused'));
  t.after(() => mock.close());
  const repo = tempRepo({ 'README.md': '# hang up\n' }, t);
  const env = yokeEnv(mock.url, tempDir('home', t));
  const initialize = JSON.stringify({
    method: 'initialize',
    id: 0,
    params: { clientInfo: { name: 'hangup', version: '1' } },
  });
  // Several times: the hang-up races the start-up work that follows the first reply.
  for (let i = 0; i < 5; i++) {
    const r = await runYoke(['app-server'], { cwd: repo, env, stdin: `${initialize}\n` });
    assert.equal(r.stderr, '', `run ${i}: nothing on stderr`);
    assert.equal(r.code, 0, `run ${i}: exit status`);
    assert.equal((JSON.parse(r.stdout.split('\n')[0]!) as Json).id, 0);
  }
});
