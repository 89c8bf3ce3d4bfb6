// The App Server scenario a Codex client runs: start → turn → approval → completed, steer,
// interrupt, resume in a NEW server process, fork, review — over stdio or WebSocket. Shared by the
// end-to-end test and the opt-in conformance test (which validates the transcript).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { tempDir, tempRepo, yokeEnv } from './cli.ts';
import { CodexDriver, startWsServer, type Json, type Recorded } from './codex-driver.ts';
import { hang, startMockModel, text, toolCall, type MockModel } from './mock-model.ts';

export type Transport = 'stdio' | 'ws';

/** A server process and a driver connected to it, for either transport. */
async function connect(transport: Transport, env: NodeJS.ProcessEnv, cwd: string) {
  if (transport === 'stdio') {
    const { driver } = CodexDriver.stdio(env, cwd);
    return { driver, stop: () => driver.close() };
  }
  const server = await startWsServer(env, cwd);
  const driver = await server.connect();
  return {
    driver,
    stop: async () => {
      await driver.close();
      await server.stop();
    },
  };
}

const input = (t: string) => [{ type: 'text', text: t, text_elements: [] }];
const prefix = (raw: string) => raw.slice(0, raw.lastIndexOf(']'));

export async function runScenario(
  t: TestContext,
  transport: Transport,
): Promise<{ transcript: Recorded[]; mock: MockModel }> {
  const mock = await startMockModel([
    toolCall('shell', { command: 'touch made-by-agent.txt && ls' }),
    text('Created the file.'),
    hang(),
    text('Steered answer.'),
    hang(),
    text('Answer after restart.'),
    text('Answer in the fork.'),
    text('No findings: the change is correct.'),
  ]);
  t.after(() => mock.close());
  const repo = tempRepo({ 'README.md': '# scenario\n' }, t);
  const home = tempDir('home', t);
  const env = yokeEnv(mock.url, home);
  const transcript: Recorded[] = [];

  // 1. start → turn → approval → completed
  const first = await connect(transport, env, repo);
  const c = first.driver;
  const init = await c.initialize();
  assert.equal(init.platformFamily, 'unix');
  const started = await c.request('thread/start', {
    cwd: repo,
    approvalPolicy: 'untrusted',
    sandbox: 'workspace-write',
  });
  const thread = started.thread as Json;
  const threadId = thread.id as string;
  assert.equal(started.approvalPolicy, 'untrusted');
  assert.deepEqual((started.sandbox as Json).type, 'workspaceWrite');
  await c.waitFor('thread/started', (p) => (p.thread as Json).id === threadId);

  const approval = c.nextServerRequest('item/commandExecution/requestApproval');
  const turn1 = (await c.request('turn/start', { threadId, input: input('make a file') }))
    .turn as Json;
  assert.equal(turn1.status, 'inProgress');
  const request = await approval;
  const params = request.params as Json;
  assert.equal(params.threadId, threadId);
  assert.equal(params.turnId, turn1.id);
  assert.equal(params.command, "bash -c 'touch made-by-agent.txt && ls'");
  await c.waitFor('thread/status/changed', (p) =>
    JSON.stringify(p.status).includes('waitingOnApproval'),
  );
  // As Codex orders them: the item is announced before the question about it.
  const at = (pred: (m: Json) => boolean) =>
    c.transcript.findIndex((r) => r.dir === 's2c' && pred(r.message));
  const announced = at(
    (m) =>
      m.method === 'item/started' && ((m.params as Json).item as Json).type === 'commandExecution',
  );
  assert.ok(announced >= 0 && announced < at((m) => m.id === request.id && m.method !== undefined));
  c.respond(request.id, { decision: 'accept' });
  await c.waitFor('serverRequest/resolved', (p) => p.requestId === request.id);
  const done1 = await c.waitFor('turn/completed', (p) => (p.turn as Json).id === turn1.id);
  assert.equal((done1.turn as Json).status, 'completed');
  assert.deepEqual(
    ((done1.turn as Json).items as Json[]).map((i) => i.text),
    ['Created the file.'],
  );
  assert.ok(existsSync(join(repo, 'made-by-agent.txt')));
  const command = await c.waitFor(
    'item/completed',
    (p) => (p.item as Json).type === 'commandExecution',
  );
  assert.equal((command.item as Json).status, 'completed');
  assert.equal((command.item as Json).exitCode, 0);
  assert.ok(c.notifications.every((n) => typeof n.emittedAtMs === 'number'));

  // 2. steer while the model streams: the request is restarted with the steer appended
  const turn2 = (await c.request('turn/start', { threadId, input: input('long task') }))
    .turn as Json;
  await mock.waitForRequests(3);
  const steered = await c.request('turn/steer', {
    threadId,
    expectedTurnId: turn2.id,
    input: input('focus on the README'),
  });
  assert.equal(steered.turnId, turn2.id);
  const done2 = await c.waitFor('turn/completed', (p) => (p.turn as Json).id === turn2.id);
  assert.equal((done2.turn as Json).status, 'completed');
  assert.match(mock.requests[3]!.body, /focus on the README/);
  assert.ok(mock.requests[3]!.body.startsWith(prefix(mock.requests[2]!.body)));

  // 3. interrupt while the model streams
  const turn3 = (await c.request('turn/start', { threadId, input: input('stop me') })).turn as Json;
  await mock.waitForRequests(5);
  assert.deepEqual(await c.request('turn/interrupt', { threadId, turnId: turn3.id }), {});
  const done3 = await c.waitFor('turn/completed', (p) => (p.turn as Json).id === turn3.id);
  assert.equal((done3.turn as Json).status, 'interrupted');
  transcript.push(...c.transcript);
  await first.stop();

  // 4. a new server process resumes the thread; the next request extends the last one
  const second = await connect(transport, env, repo);
  const d = second.driver;
  await d.initialize();
  const resumed = await d.request('thread/resume', { threadId });
  assert.equal(((resumed.thread as Json).turns as Json[]).length, 3);
  const turn4 = (await d.request('turn/start', { threadId, input: input('again') })).turn as Json;
  const done4 = await d.waitFor('turn/completed', (p) => (p.turn as Json).id === turn4.id);
  assert.equal((done4.turn as Json).status, 'completed');
  assert.ok(
    mock.requests[5]!.body.startsWith(prefix(mock.requests[4]!.body)),
    'prefix holds across a restart',
  );

  // 5. fork at the first turn
  const forked = await d.request('thread/fork', { threadId, lastTurnId: turn1.id });
  const fork = forked.thread as Json;
  assert.notEqual(fork.id, threadId);
  assert.equal(fork.forkedFromId, threadId);
  await d.waitFor('thread/started', (p) => (p.thread as Json).id === fork.id);
  const turn5 = (await d.request('turn/start', { threadId: fork.id, input: input('in the fork') }))
    .turn as Json;
  await d.waitFor('turn/completed', (p) => (p.turn as Json).id === turn5.id);
  const forkInput = JSON.stringify((mock.requests[6]!.json as { input: unknown[] }).input);
  assert.doesNotMatch(forkInput, /long task|stop me/);
  assert.match(forkInput, /make a file/);

  const read = await d.request('thread/read', { threadId, includeTurns: true });
  assert.equal(((read.thread as Json).turns as Json[]).length, 4);
  const list = await d.request('thread/list', { limit: 10 });
  assert.deepEqual(new Set((list.data as Json[]).map((th) => th.id)), new Set([threadId, fork.id]));

  // Codex methods beside threads (their shapes are what the conformance test checks).
  const found = await d.request('fuzzyFileSearch', { query: 'readme', roots: [repo] });
  assert.equal(((found.files as Json[])[0] as Json).path, 'README.md');
  const ran = await d.request('command/exec', { command: ['echo', 'hi'], cwd: repo });
  assert.equal(ran.exitCode, 0);
  const streamed = await d.request('command/exec', {
    command: ['echo', 'streamed'],
    cwd: repo,
    processId: 'scenario-1',
    streamStdoutStderr: true,
  });
  assert.equal(streamed.stdout, '');
  await d.waitFor('command/exec/outputDelta', (p) => p.processId === 'scenario-1');
  // A review of the working tree (the agent's untracked file) on the fork.
  const review = await d.request('review/start', {
    threadId: fork.id,
    target: { type: 'uncommittedChanges' },
  });
  assert.equal(review.reviewThreadId, fork.id);
  const reviewed = await d.waitFor(
    'turn/completed',
    (p) => (p.turn as Json).id === (review.turn as Json).id,
  );
  assert.equal((reviewed.turn as Json).status, 'completed');
  assert.match(JSON.stringify(mock.requests[7]!.json), /made-by-agent\.txt/);
  const readme = await d.request('fs/readFile', { path: join(repo, 'README.md') });
  assert.ok(Buffer.from(readme.dataBase64 as string, 'base64').length > 0);
  await d.request('fs/getMetadata', { path: join(repo, 'README.md') });
  await d.request('fs/readDirectory', { path: repo });
  await d.request('fs/watch', { path: repo, watchId: 'scenario-w' });
  await d.request('fs/writeFile', {
    path: join(repo, 'written.txt'),
    dataBase64: Buffer.from('x').toString('base64'),
  });
  await d.waitFor('fs/changed', (p) => p.watchId === 'scenario-w');
  await d.request('fs/unwatch', { watchId: 'scenario-w' });
  const providers = await d.request('modelProvider/list', {});
  assert.equal(providers.defaultProviderId, 'openai');
  assert.deepEqual((await d.request('experimentalFeature/list', {})).data, []);
  const fed = d.request('command/exec', {
    command: ['cat'],
    cwd: repo,
    processId: 'scenario-2',
    streamStdin: true,
  });
  await d.request('command/exec/write', {
    processId: 'scenario-2',
    deltaBase64: Buffer.from('fed\n').toString('base64'),
    closeStdin: true,
  });
  assert.equal((await fed).stdout, 'fed\n');
  const wrote = await d.request('config/value/write', {
    keyPath: 'model_verbosity',
    value: 'low',
    mergeStrategy: 'replace',
  });
  assert.equal(wrote.status, 'ok');
  await d.request('config/batchWrite', {
    edits: [{ keyPath: 'model_verbosity', value: null, mergeStrategy: 'replace' }],
    expectedVersion: wrote.version,
  });
  await d.request('thread/shellCommand', { threadId, command: 'echo by-hand' });
  const byHand = await d.waitFor(
    'item/completed',
    (p) => (p.item as Json).source === 'userShell' && p.threadId === threadId,
  );
  await d.waitFor('turn/completed', (p) => (p.turn as Json).id === byHand.turnId);
  await d.request('thread/delete', { threadId: fork.id });
  await d.waitFor('thread/deleted', (p) => p.threadId === fork.id);
  transcript.push(...d.transcript);
  await second.stop();
  saveTranscript(`app-server-${transport}`, transcript);
  return { transcript, mock };
}

export function saveTranscript(name: string, transcript: Recorded[]): void {
  const dir = join('test-artifacts', 'transcripts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `${name}.jsonl`),
    transcript.map((r) => JSON.stringify(r)).join('\n') + '\n',
  );
}
