// The fleet's failure points (issue 14, docs/fleet.md "What holds when something fails"), each
// through the real binaries on a PostgreSQL and a Redis of the test's own (test/support/
// fleet-harness.ts): the front SIGKILLed while tasks run, Redis restarted mid-run, a 10 s
// PostgreSQL outage mid-run, a worker SIGKILLed in the middle of an agent node, tasks handed to
// workers during a 10 s PostgreSQL outage. After each, every task has succeeded exactly once:
// one `succeeded` in its log, a gap-free log, one commit on its pushed branch with the file its
// agent wrote.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Queue } from 'bullmq';
import pg from 'pg';
import type { Task } from '../src/protocol/methods-task.ts';
import { TASK_QUEUE_NAME } from '../src/tasks/bull-queue.ts';
import { connectRedis } from '../src/tasks/redis-connection.ts';
import { runYoke } from './support/cli.ts';
import {
  chaosFleet,
  frontClient,
  statuses,
  outputMatches,
  withDiagnostics,
  within,
  type ChaosFleet,
  type FrontClient,
} from './support/fleet-harness.ts';
import {
  hang,
  type MockOutput,
  type MockStep,
  type RecordedRequest,
} from './support/mock-model.ts';
import { afterToolOutput, git, shell, toolOutputs } from './support/task-fixtures.ts';
import { text } from './support/mock-model.ts';

/** Short, so that a dead worker's tasks are taken over within seconds; not so short that a
 * worker whose event loop stalls under load loses a task it still runs. */
const LOCK = ['-c', 'fleet.lock_duration_ms=8000', '-c', 'fleet.stalled_interval_ms=2000'];

/** The task's number, from its prompt (anywhere in the request: a taken-over task's new thread
 * adds a note after it). */
const taskNumber = (r: RecordedRequest) => /chaos task (\d+)/.exec(r.body)?.[1] ?? 'x';

/** Each task's agent writes answer.txt and prints where it ran; then it is done. */
function script(hold?: (r: RecordedRequest) => boolean) {
  return (r: RecordedRequest): MockOutput | MockStep => {
    const n = taskNumber(r);
    if (!afterToolOutput(r)) return shell(`echo "task ${n}" > answer.txt && pwd`);
    if (hold?.(r)) return hang(text('still thinking about it'));
    return text(`done: ${toolOutputs(r).at(-1)!.slice(0, 40)}`);
  };
}

/** The front and both workers, started, and a client of the front closed when the test ends. */
async function startAll(t: TestContext, fleet: ChaosFleet) {
  const front = await fleet.startFront();
  const workers = await Promise.all([fleet.startWorker(0), fleet.startWorker(1)]);
  const client = await frontClient(fleet.frontHome);
  t.after(() => client.close());
  return { front, workers, client };
}

async function submit(front: FrontClient, fleet: ChaosFleet, count: number): Promise<Task[]> {
  const tasks: Task[] = [];
  for (let i = 0; i < count; i++)
    tasks.push(
      (await front.client.request('task/submit', { prompt: `chaos task ${i}`, repo: fleet.repo }))
        .task,
    );
  return tasks;
}

/** Every task succeeded exactly once, its log whole, its branch one commit with its answer. */
async function assertAllDoneOnce(front: FrontClient, fleet: ChaosFleet, tasks: Task[]) {
  const results = await Promise.all(tasks.map((t) => front.settled(t.id)));
  for (const [i, task] of results.entries()) {
    assert.equal(task.status, 'succeeded', `${task.id}: ${task.error?.message ?? ''}`);
    const log = await front.log(task.id);
    assert.deepEqual(
      log.map((e) => e.seq),
      log.map((_, k) => k + 1),
      `${task.id}: the log has no gap and no duplicate`,
    );
    const steps = statuses(log);
    assert.equal(steps.filter((s) => s.status === 'succeeded').length, 1, 'succeeded once');
    assert.equal(steps.at(-1)!.status, 'succeeded', 'succeeded last');
    assert.equal(git(fleet.repo, 'rev-list', '--count', `${task.baseCommit}..${task.branch}`), '1');
    assert.equal(git(fleet.repo, 'show', `${task.branch}:answer.txt`), `task ${i}`);
  }
  assert.equal(git(fleet.repo, 'for-each-ref', 'refs/yoke/checkpoints'), '', 'checkpoints dropped');
  return results;
}

/** How many times each task was started or taken over (its `preparing` entries). */
async function starts(front: FrontClient, task: Task) {
  return statuses(await front.log(task.id)).filter((s) => s.status === 'preparing');
}

test(
  'fleet chaos: the front SIGKILLed while tasks run; they run on, and a new front shows and ends them',
  { timeout: 300_000 },
  async (t) => {
    const fleet = await chaosFleet(t, { workers: 2, script: script(), settings: LOCK });
    await withDiagnostics(
      () => fleet.procs,
      async () => {
        const first = await fleet.startFront();
        await Promise.all([fleet.startWorker(0), fleet.startWorker(1)]);
        const client = await frontClient(fleet.frontHome);
        const tasks = await submit(client, fleet, 6);
        // Four run (two workers, two each), held in their checks; two wait in the queue.
        await fleet.gate.waitHeld(4);
        first.child.kill('SIGKILL');
        await first.exited;
        client.close();

        const killedAt = Date.now();
        await fleet.startFront();
        const startedMs = Date.now() - killedAt;
        const front = await frontClient(fleet.frontHome);
        t.after(() => front.close());
        const listed = await front.client.request('task/list', {});
        const ids = new Set(listed.data.map((task) => task.id));
        for (const task of tasks) assert.ok(ids.has(task.id), `${task.id} listed by the new front`);
        const running = listed.data.filter((task) => task.status === 'running');
        assert.equal(running.length, 4, `four still running: ${listed.data.map((x) => x.status)}`);
        const cli = await runYoke(['task', 'list'], { cwd: fleet.frontHome, env: fleet.frontEnv });
        assert.equal(cli.code, 0, cli.stderr);
        for (const task of tasks) assert.match(cli.stdout, new RegExp(`^${task.id}\\s`, 'm'));

        fleet.gate.release();
        await assertAllDoneOnce(front, fleet, tasks);
        // Nothing was started twice: the workers ran on without the front.
        for (const task of tasks) assert.equal((await starts(front, task)).length, 1);
        process.stderr.write(`# new front serving ${startedMs} ms after the kill\n`);
      },
    );
  },
);

test(
  'fleet chaos: a worker SIGKILLed in the middle of an agent node; another takes the task over and finishes it once',
  { timeout: 300_000 },
  async (t) => {
    let victimDir: ((dir: string) => void) | null = null;
    const held = new Promise<string>((resolve) => (victimDir = resolve));
    // The first agent to come back from its shell step hangs in its model stream: its worker
    // is killed there, mid-node.
    const hold = (r: RecordedRequest) => {
      if (!victimDir) return false;
      victimDir(toolOutputs(r).at(-1)!);
      victimDir = null;
      return true;
    };
    const fleet = await chaosFleet(t, { workers: 2, script: script(hold), settings: LOCK });
    fleet.gate.release(); // checks pass at once here
    await withDiagnostics(
      () => fleet.procs,
      async () => {
        const { workers, client: front } = await startAll(t, fleet);
        const tasks = await submit(front, fleet, 4);

        const dir = await held;
        const victim = fleet.workerHomes.findIndex((home) => dir.includes(home));
        assert.ok(victim >= 0, `the held agent ran in ${dir}, under no worker's home`);
        const victimId = fleet.workerId(workers[victim]!);
        workers[victim]!.child.kill('SIGKILL');
        const killedAt = Date.now();
        await workers[victim]!.exited;

        const results = await assertAllDoneOnce(front, fleet, tasks);
        let takenOver = 0;
        for (const task of results) {
          const begun = await starts(front, task);
          const moved = begun.filter((s) => /taken over/.test(s.message));
          if (!moved.length) continue;
          takenOver++;
          assert.match(begun[0]!.message, new RegExp(victimId.replace(/[.]/g, '\\.')));
          assert.doesNotMatch(moved.at(-1)!.message, new RegExp(victimId.replace(/[.]/g, '\\.')));
          const log = await front.log(task.id);
          const at = log.find((e) => e.type === 'status' && /taken over/.test(e.message ?? ''))!;
          process.stderr.write(`# taken over ${at.atMs - killedAt} ms after the kill\n`);
        }
        assert.ok(takenOver >= 1, 'the task of the killed worker was taken over');

        // The killed worker comes back: the worktrees it left are swept.
        const back = await fleet.startWorker(victim);
        const worktrees = join(fleet.workerHomes[victim]!, 'worktrees');
        const left = existsSync(worktrees) ? readdirSync(worktrees) : [];
        assert.deepEqual(
          left.filter((name) => !name.startsWith('.')),
          [],
        );
        assert.match(back.output(), /removed \d+ orphaned worktree/);
      },
    );
  },
);

/** Resolves once `count` of `tasks` have `status` in the store (asked every 200 ms). */
async function storedStatus(
  fleet: ChaosFleet,
  tasks: Task[],
  status: string,
  count = tasks.length,
): Promise<void> {
  const db = new pg.Client({ connectionString: fleet.pg.url });
  await db.connect();
  try {
    for (;;) {
      const { rows } = await db.query<{ n: string }>(
        'SELECT count(*) AS n FROM tasks WHERE id = ANY($1::text[]) AND status = $2',
        [tasks.map((t) => t.id), status],
      );
      if (Number(rows[0]!.n) >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await db.end();
  }
}

/** Lines of a process's output that match. */
const linesOf = (output: string, pattern: RegExp) =>
  output.split('\n').filter((line) => pattern.test(line));

test(
  'fleet chaos: Redis restarted mid-run; every process reconnects, says so once each way, and every task ends once',
  { timeout: 300_000 },
  async (t) => {
    // A lock longer than the outage: no task is handed on meanwhile.
    const settings = ['-c', 'fleet.lock_duration_ms=30000', '-c', 'fleet.stalled_interval_ms=2000'];
    const fleet = await chaosFleet(t, { workers: 2, script: script(), settings });
    await withDiagnostics(
      () => fleet.procs,
      async () => {
        const { front, workers, client } = await startAll(t, fleet);
        const tasks = await submit(client, fleet, 6);
        await fleet.gate.waitHeld(4);

        const procs = [front, ...workers];
        const marks = procs.map((p) => p.output().length);
        const down = /Redis at \S+ is unreachable/;
        const up = /Redis at \S+ is reachable again/;
        const stoppedAt = Date.now();
        await fleet.redis.stop();
        await Promise.all(procs.map((p) => outputMatches(p, down)));
        // The held checks end while Redis is down: their tasks finish, push and are stored;
        // the queue and the fronts hear of it once Redis is back.
        fleet.gate.release();
        await storedStatus(fleet, tasks, 'succeeded', 4);
        await fleet.redis.start();
        await Promise.all(procs.map((p) => outputMatches(p, up)));
        const outageMs = Date.now() - stoppedAt;

        // The front's client is told of every end, those published while Redis was down too
        // (the front catches up from the store once it is back).
        await within(
          120_000,
          'every end told to the front’s client',
          Promise.all(tasks.map((task) => client.notified(task.id))),
        );
        const results = await assertAllDoneOnce(client, fleet, tasks);
        for (const [i, proc] of procs.entries()) {
          const said = proc.output().slice(marks[i]);
          assert.equal(linesOf(said, down).length, 1, `${proc.name}: one line when it goes`);
          assert.equal(linesOf(said, up).length, 1, `${proc.name}: one line when it is back`);
          assert.deepEqual(
            linesOf(said, /queue|bus|Redis/).filter((l) => !down.test(l) && !up.test(l)),
            [],
            `${proc.name}: nothing else about Redis`,
          );
          assert.ok(!proc.output().includes(fleet.redis.password), 'no password in any output');
        }
        for (const task of results) assert.equal((await starts(client, task)).length, 1);
        process.stderr.write(`# Redis down and back: ${outageMs} ms\n`);
      },
    );
  },
);

test(
  'fleet chaos: PostgreSQL down for 10 s mid-run; writes wait and land, said once each way, every task ends once',
  { timeout: 300_000 },
  async (t) => {
    const settings = ['-c', 'fleet.lock_duration_ms=30000', '-c', 'fleet.stalled_interval_ms=2000'];
    const fleet = await chaosFleet(t, { workers: 2, script: script(), settings });
    await withDiagnostics(
      () => fleet.procs,
      async () => {
        const { front, workers, client } = await startAll(t, fleet);
        const tasks = await submit(client, fleet, 6);
        await fleet.gate.waitHeld(4);

        const marks = workers.map((p) => p.output().length);
        const down = /PostgreSQL at \S+ is unreachable/;
        const up = /PostgreSQL at \S+ is reachable again after [\d.]+ s/;
        const stoppedAt = Date.now();
        await fleet.pg.stop();
        // The held checks end while PostgreSQL is down: their results are written into the
        // workers' queues, and the two waiting tasks are taken from Redis meanwhile.
        fleet.gate.release();
        await Promise.all(workers.map((p) => outputMatches(p, down)));
        // The outage itself is what is tested: 10 s, as the issue asks.
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(0, stoppedAt + 10_000 - Date.now())),
        );
        await fleet.pg.start();
        await Promise.all(workers.map((p) => outputMatches(p, up)));
        const outageMs = Date.now() - stoppedAt;

        const results = await assertAllDoneOnce(client, fleet, tasks);
        for (const task of results) assert.equal((await starts(client, task)).length, 1);
        for (const [i, proc] of workers.entries()) {
          const said = proc.output().slice(marks[i]);
          assert.equal(linesOf(said, down).length, 1, `${proc.name}: one line when it goes`);
          assert.equal(linesOf(said, up).length, 1, `${proc.name}: one line when it is back`);
        }
        for (const proc of [front, ...workers])
          assert.ok(!proc.output().includes(fleet.pg.password), 'no password in any output');
        process.stderr.write(`# PostgreSQL down and back: ${outageMs} ms\n`);
      },
    );
  },
);

test(
  'fleet chaos: tasks reach the workers while PostgreSQL is down; each worker keeps its task, claims it once the store is back, and every task runs once',
  { timeout: 300_000 },
  async (t) => {
    // A lock shorter than the outage: a worker waiting to claim must keep renewing it, or the
    // stalled check hands the task on (a second claim).
    const fleet = await chaosFleet(t, { workers: 2, script: script(), settings: LOCK });
    fleet.gate.release(); // checks pass at once here
    // The test's own handle on the queue: paused, it holds what the front adds until resumed.
    // Closed before the hooks stop Redis (a connection left open retries forever).
    const connection = connectRedis(fleet.redis.url, 'chaos-test', () => {});
    const queue = new Queue(TASK_QUEUE_NAME, { connection });
    queue.on('error', () => {});
    const closeQueue = async () => {
      await queue.close();
      connection.disconnect();
    };
    await withDiagnostics(
      () => fleet.procs,
      async () => {
        const { front, workers, client } = await startAll(t, fleet);
        await queue.pause();
        const tasks = await submit(client, fleet, 3);
        assert.ok(await queue.isPaused());
        assert.equal(await queue.getJobCountByTypes('wait'), 3, 'the jobs wait, none taken');

        const marks = workers.map((p) => p.output().length);
        const said = () => workers.map((p, i) => p.output().slice(marks[i])).join('\n');
        const waits = (id: string) => new RegExp(`tasks: task ${id} waits for the store: `);
        const through = (id: string) =>
          new RegExp(`tasks: task ${id} got through to the store after [\\d.]+ s and is claimed`);
        const anyWorker = (pattern: RegExp) =>
          Promise.any(workers.map((p) => outputMatches(p, pattern)));
        const stoppedAt = Date.now();
        await fleet.pg.stop();
        // Handed out now, while PostgreSQL is down: every claim fails.
        await queue.resume();
        await within(
          60_000,
          'every task waiting for the store on a worker',
          Promise.all(tasks.map((task) => anyWorker(waits(task.id)))),
        );
        // The outage itself is what is tested: 10 s, as the issue asks (longer than the lock).
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(0, stoppedAt + 10_000 - Date.now())),
        );
        await fleet.pg.start();
        await within(
          60_000,
          'every task claimed once the store is back',
          Promise.all(tasks.map((task) => anyWorker(through(task.id)))),
        );
        const outageMs = Date.now() - stoppedAt;

        const results = await assertAllDoneOnce(client, fleet, tasks);
        for (const task of results) assert.equal((await starts(client, task)).length, 1);
        const output = said();
        for (const task of tasks) {
          assert.equal(linesOf(output, waits(task.id)).length, 1, `${task.id}: one line waiting`);
          assert.equal(linesOf(output, through(task.id)).length, 1, `${task.id}: one line back`);
        }
        assert.deepEqual(linesOf(output, /queue:|could not renew|stalled/), [], 'locks held');
        // Claimed once each (a claim counts up `attempt`), each step asked of the model once.
        const db = new pg.Client({ connectionString: fleet.pg.url });
        await db.connect();
        try {
          const { rows } = await db.query<{ id: string; attempt: number }>(
            'SELECT id, attempt FROM tasks WHERE id = ANY($1::text[])',
            [tasks.map((task) => task.id)],
          );
          assert.deepEqual(
            rows.map((r) => r.attempt),
            [1, 1, 1],
          );
          for (const task of results) {
            assert.equal(task.threadIds.length, 1, `${task.id}: one thread`);
            const events = await db.query<{ seq: number; kind: string }>(
              'SELECT seq, kind FROM events WHERE thread_id = $1 ORDER BY seq',
              [task.threadIds[0]],
            );
            const seqs = events.rows.map((e) => e.seq);
            assert.deepEqual(
              seqs,
              seqs.map((_, k) => k),
              `${task.id}: thread log without gap`,
            );
            const kinds = events.rows.map((e) => e.kind);
            assert.equal(kinds.filter((k) => k === 'turnStarted').length, 1, 'one turn');
            assert.equal(kinds.filter((k) => k === 'turnCompleted').length, 1, 'one turn ended');
          }
        } finally {
          await db.end();
        }
        for (let i = 0; i < tasks.length; i++)
          assert.equal(
            fleet.mock.requests.filter((r) => taskNumber(r) === String(i)).length,
            2,
            `task ${i}: its shell step and its answer, asked once each`,
          );
        for (const proc of [front, ...workers])
          assert.ok(!proc.output().includes(fleet.pg.password), 'no password in any output');
        process.stderr.write(`# PostgreSQL down and back, tasks waiting: ${outageMs} ms\n`);
      },
    ).finally(closeQueue);
  },
);
