// A fleet worker SIGKILLed while its agent step streams the model's answer, with a client of a
// front watching the thread: a front and two workers as separate processes, on a PostgreSQL
// and a Redis of this test's own, against the mock model. The second worker takes the task
// over and carries on in the same thread; the client hears the dead worker's turn end
// (interrupted) once, before the new turn starts, and the thread it folded live (the reducer
// every Yoke client uses) is the one the shared store holds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { applyNotification, fromSnapshot, type ThreadView } from '../src/client/thread-view.ts';
import type { ServerNotification } from '../src/protocol/methods.ts';
import type { Thread } from '../src/protocol/thread.ts';
import { tempDir, yokeEnv } from './support/cli.ts';
import { CodexDriver, type Json } from './support/codex-driver.ts';
import { withDiagnostics } from './support/fleet-harness.ts';
import { fleetOrigin, startProc, stopProc, type Proc } from './support/fleet-procs.ts';
import { hang, paced, startMockModel, text } from './support/mock-model.ts';
import { startPostgres } from './support/postgres-server.ts';
import { startRedis } from './support/redis-server.ts';
import { afterToolOutput, git, lastUserText, shell } from './support/task-fixtures.ts';

/** Short, so that a killed worker's task is taken over within seconds. */
const LOCK = ['-c', 'fleet.lock_duration_ms=8000', '-c', 'fleet.stalled_interval_ms=2000'];

const procs: Proc[] = [];

test(
  'fleet: kill -9 the worker mid model stream; a front’s client hears its turn end, then the next',
  { timeout: 240_000 },
  (t) =>
    withDiagnostics(
      () => procs,
      () => takeover(t),
    ),
);

async function takeover(t: TestContext): Promise<void> {
  // Hooks run in the order they are added: the processes stop before Redis and PostgreSQL.
  t.after(() => Promise.all(procs.splice(0).map(stopProc)));
  const [pg, redis] = await Promise.all([startPostgres(t), startRedis(t)]);
  // The first model request waits until the client watches the thread, so that it sees the
  // answer that never ends stream live.
  let watching!: () => void;
  const watched = new Promise<void>((resolve) => (watching = resolve));
  const mock = await startMockModel((request) => {
    if (/moved to another machine/.test(lastUserText(request)))
      return afterToolOutput(request) ? text('answer written') : shell('printf 42 > answer.txt');
    if (afterToolOutput(request)) return hang(text('half an answer, cut short'));
    return paced(shell('printf one > one.txt'), (index) => (index === 0 ? watched : undefined));
  });
  t.after(() => mock.close());
  const repo = fleetOrigin(t, null);

  const urls = ['--store', 'env:FLEET_PG', '--queue', 'env:FLEET_REDIS', ...LOCK];
  const services = { FLEET_PG: pg.url, FLEET_REDIS: redis.url };
  const start = async (args: string[], home: string, ready: RegExp) => {
    const proc = await startProc(args, yokeEnv(mock.url, home, services), ready);
    procs.push(proc);
    return proc;
  };
  const home = tempDir('front', t);
  const startWorker = (name: string) =>
    start(['worker', ...urls], tempDir(name, t), /yoke worker \S+ ready/);
  await start(['serve', ...urls], home, /yoke serve listening on/);
  const first = await startWorker('worker-1');

  const { url } = JSON.parse(readFileSync(join(home, 'serve.json'), 'utf8')) as { url: string };
  const token = readFileSync(join(home, 'serve.token'), 'utf8').trim();
  const client = await CodexDriver.ws(url, { Authorization: `Bearer ${token}` });
  t.after(() => client.close());
  await client.initialize('watcher');

  const { task } = (await client.request('task/submit', {
    prompt: 'write the answer, as a task',
    repo,
  })) as { task: { id: string } };
  const withThread = await client.waitFor(
    'task/updated',
    (p) => (p.task as Json).id === task.id && ((p.task as Json).threadIds as string[]).length > 0,
  );
  const threadId = ((withThread.task as Json).threadIds as string[])[0]!;
  const resumed = (await client.request('thread/resume', { threadId })) as { thread: Thread };
  // What the client saw from here on: the snapshot, then each notification of the thread.
  const from = client.transcript.length;
  watching();

  // The dead worker streams its answer when it is killed.
  const delta = await client.waitFor('item/agentMessage/delta', (p) => p.threadId === threadId);
  const deadTurnId = delta.turnId as string;
  const halfItemId = delta.itemId as string;
  first.child.kill('SIGKILL');
  await first.exited;
  const killedAt = Date.now();
  await startWorker('worker-2');
  const next = await client.waitFor(
    'turn/started',
    (p) => p.threadId === threadId && (p.turn as Json).id !== deadTurnId,
  );
  const takenOverMs = Date.now() - killedAt;
  const done = (await client.waitFor(
    'task/updated',
    (p) =>
      (p.task as Json).id === task.id &&
      ['succeeded', 'failed', 'cancelled'].includes((p.task as Json).status as string),
  )) as { task: Json };
  assert.equal(done.task.status, 'succeeded', JSON.stringify(done.task.error));
  assert.deepEqual(done.task.threadIds, [threadId], 'one thread for the task');
  assert.equal(git(repo, 'show', `${done.task.branch as string}:answer.txt`), '42');
  t.diagnostic(`the new turn started ${takenOverMs} ms after the kill`);

  // The thread's notifications, as the client received them after its snapshot.
  const told = client.transcript
    .slice(from)
    .map((r) => r.message)
    .filter((m) => m.id === undefined && (m.params as Json | undefined)?.threadId === threadId)
    .map((m) => m as unknown as ServerNotification);
  const at = (match: (n: ServerNotification) => boolean) =>
    told.flatMap((n, i) => (match(n) ? [i] : []));
  const deadEnds = at((n) => n.method === 'turn/completed' && n.params.turn.id === deadTurnId);
  assert.equal(deadEnds.length, 1, 'the dead worker’s turn ends once');
  const deadEnd = told[deadEnds[0]!] as Extract<ServerNotification, { method: 'turn/completed' }>;
  assert.equal(deadEnd.params.turn.status, 'interrupted');
  const nextTurnId = (next.turn as Json).id as string;
  const nextStarts = at((n) => n.method === 'turn/started' && n.params.turn.id === nextTurnId);
  assert.equal(nextStarts.length, 1);
  assert.ok(deadEnds[0]! < nextStarts[0]!, 'the dead turn ends before the next one starts');
  // Between the dead worker's last word and the new turn: the end of its turn, told as the
  // loop tells any turn's end (its error, the thread idle, turn/completed), then the new turn.
  const lastDelta = at(
    (n) => n.method === 'item/agentMessage/delta' && n.params.turnId === deadTurnId,
  ).at(-1)!;
  const between = told.slice(lastDelta + 1, nextStarts[0]! + 1).map((n) => {
    const status = n.method === 'thread/status/changed' ? ` ${n.params.status.type}` : '';
    return `${n.method}${status}`;
  });
  assert.deepEqual(between, [
    'error',
    'thread/status/changed idle',
    'turn/completed',
    'thread/status/changed active',
    'turn/started',
  ]);

  // The thread the client folded live is the one the shared store holds — but for the answer
  // the dead worker was streaming: it was never stored, so never completed (turn/completed
  // ended its stream).
  const view: ThreadView = fromSnapshot(resumed.thread);
  for (const n of told) applyNotification(view, n);
  assert.equal(view.live.size, 0, 'nothing left streaming');
  const read = (await client.request('thread/read', { threadId, includeTurns: true })) as {
    thread: Thread;
  };
  const stored = read.thread.turns.map((turn) => ({
    id: turn.id,
    status: turn.status,
    error: turn.error ?? null,
    items: turn.items,
  }));
  const seen = view.turns.map((turn) => ({
    id: turn.id,
    status: turn.status,
    error: turn.error,
    items: turn.items.filter((item) => item.id !== halfItemId),
  }));
  assert.deepEqual(seen, stored);
  assert.deepEqual(
    stored.map((turn) => [turn.id, turn.status]),
    [
      [deadTurnId, 'interrupted'],
      [nextTurnId, 'completed'],
    ],
  );
  assert.deepEqual(
    stored[0]!.items.map((i) => i.type),
    ['userMessage', 'commandExecution'],
    'what the dead worker stored, once',
  );
  assert.ok(
    view.turns[0]!.items.some((i) => i.id === halfItemId && i.type === 'agentMessage'),
    'the cut answer is what the client saw started',
  );
}
