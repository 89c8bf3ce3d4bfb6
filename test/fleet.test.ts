// The fleet through the real binaries: one front (`yoke serve --store … --queue …`) and three
// workers (`yoke worker`), separate processes with separate YOKE_HOMEs, on a PostgreSQL and a
// Redis of this test's own, against the mock model. 20 tasks (one shell step, one check) go to
// the front; the worker that runs the first check is SIGKILLed while the check runs. Every task
// succeeds exactly once, on more than one worker, with its branch pushed as one commit; the
// front's `yoke task list` shows them all, and no process ever printed a password.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { YokeClient } from '../src/client/client.ts';
import { connectWebSocket } from '../src/client/ws-client-transport.ts';
import type { Task, TaskLogEntry } from '../src/protocol/methods-task.ts';
import { runYoke, tempDir, yokeEnv } from './support/cli.ts';
import { fleetOrigin, startGate, startProc, stopProc, type Proc } from './support/fleet-procs.ts';
import { startMockModel } from './support/mock-model.ts';
import { startPostgres } from './support/postgres-server.ts';
import { startRedis } from './support/redis-server.ts';
import { findProgram } from './support/services.ts';
import { agentScript, git, shell } from './support/task-fixtures.ts';

const TASKS = 20;
const WORKERS = 3;
/** Short, so that the killed worker's tasks are taken over within seconds; not so short that a
 * worker whose event loop stalls under load loses a task it still runs. */
const LOCK = ['-c', 'fleet.lock_duration_ms=8000', '-c', 'fleet.stalled_interval_ms=2000'];

const procs: Proc[] = [];

/** A fleet process, kept for the diagnostics of a failure and stopped at the end. */
async function started(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Proc> {
  const proc = await startProc(args, env, ready);
  procs.push(proc);
  return proc;
}

const statuses = (log: TaskLogEntry[]) =>
  log.flatMap((e) => (e.type === 'status' ? [{ status: e.status, message: e.message ?? '' }] : []));

test(
  'fleet: a front and 3 workers run 20 tasks exactly once, a SIGKILLed worker’s tasks are taken over',
  { timeout: 300_000 },
  async (t) => {
    try {
      await fleetScenario(t);
    } catch (err) {
      // What each process said, to tell why.
      for (const proc of procs)
        process.stderr.write(`--- yoke ${proc.name}:\n${proc.output().slice(-20_000)}\n`);
      throw err;
    }
  },
);

async function fleetScenario(t: TestContext): Promise<void> {
  {
    findProgram('curl', 'curl');
    // Hooks run in the order they are added: the processes stop before Redis and PostgreSQL.
    t.after(() => Promise.all(procs.map(stopProc)));
    const [pg, redis] = await Promise.all([startPostgres(t), startRedis(t)]);
    const gate = await startGate();
    t.after(() => gate.close());
    const repo = fleetOrigin(t, gate.port);
    const mock = await startMockModel(
      agentScript((prompt) => {
        const n = /task (\d+)/.exec(prompt)?.[1] ?? 'x';
        return shell(`echo "task ${n}" > answer.txt`);
      }),
    );
    t.after(() => mock.close());
    const secrets = [pg.password, redis.password];

    // The front reads its URLs from the environment (env:NAME); the workers the store from a
    // file named in their config.toml and the queue from $YOKE_QUEUE.
    const frontHome = tempDir('front', t);
    const frontEnv = yokeEnv(mock.url, frontHome, { FLEET_PG: pg.url, FLEET_REDIS: redis.url });
    const front = await started(
      ['serve', '--store', 'env:FLEET_PG', '--queue', 'env:FLEET_REDIS', ...LOCK],
      frontEnv,
      /yoke serve listening on/,
    );
    const secretDir = tempDir('secrets', t);
    const storeFile = join(secretDir, 'store-url');
    writeFileSync(storeFile, `${pg.url}\n`, { mode: 0o600 });
    const workerHomes = Array.from({ length: WORKERS }, (_, i) => tempDir(`worker${i}`, t));
    const workerEnv = (home: string) => {
      writeFileSync(join(home, 'config.toml'), `[fleet]\nstore = "file:${storeFile}"\n`);
      return yokeEnv(mock.url, home, { YOKE_QUEUE: redis.url });
    };
    const startWorker = (home: string) =>
      started(['worker', '--concurrency', '2', ...LOCK], workerEnv(home), /yoke worker \S+ ready/);
    const workers = await Promise.all(workerHomes.map(startWorker));
    const workerIds = workers.map((w) => /yoke worker (\S+) ready/.exec(w.output())![1]!);

    const token = readFileSync(join(frontHome, 'serve.token'), 'utf8');
    const { url } = JSON.parse(readFileSync(join(frontHome, 'serve.json'), 'utf8')) as {
      url: string;
    };
    const client = new YokeClient(await connectWebSocket(url, { authToken: token }));
    t.after(() => client.close());
    await client.initialize({ name: 'fleet-test', version: '1' });
    const ended = new Map<string, Task>();
    const waiters = new Map<string, (task: Task) => void>();
    const end = (task: Task) => {
      if (!['succeeded', 'failed', 'cancelled'].includes(task.status) || ended.has(task.id)) return;
      ended.set(task.id, task);
      waiters.get(task.id)?.(task);
    };
    client.onNotification('task/updated', ({ task }) => end(task));
    const settled = async (id: string): Promise<Task> => {
      const wait = new Promise<Task>((resolve) => waiters.set(id, resolve));
      end((await client.request('task/read', { taskId: id })).task);
      return ended.get(id) ?? wait;
    };

    const submitted: Task[] = [];
    for (let i = 0; i < TASKS; i++)
      submitted.push(
        (await client.request('task/submit', { prompt: `task ${i}`, repo })).task as Task,
      );
    const all = Promise.all(submitted.map((task) => settled(task.id)));

    // The first check to ask the gate is held there: its worker dies in the middle of it.
    const victimDir = await gate.first;
    const victim = workerHomes.findIndex((home) => victimDir.startsWith(home));
    assert.ok(victim >= 0, `the held check ran in ${victimDir}, under no worker's home`);
    workers[victim]!.child.kill('SIGKILL');
    await workers[victim]!.exited;
    gate.release();

    const results = await all;
    const finishers = new Map<string, number>();
    let takenOver = 0;
    for (const [i, task] of results.entries()) {
      assert.equal(task.status, 'succeeded', `${task.id}: ${task.error?.message ?? ''}`);
      const log = (await client.request('task/log/read', { taskId: task.id, cursor: null }))
        .data as TaskLogEntry[];
      const steps = statuses(log);
      assert.equal(steps.filter((s) => s.status === 'succeeded').length, 1, 'succeeded once');
      const starts = steps.filter((s) => s.status === 'preparing');
      if (starts.some((s) => /taken over/.test(s.message))) takenOver++;
      const last = workerIds.find((id) => starts.at(-1)!.message.includes(id));
      assert.ok(last, `the last start names a worker: ${starts.at(-1)!.message}`);
      finishers.set(last, (finishers.get(last) ?? 0) + 1);
      assert.equal(git(repo, 'rev-list', '--count', `${task.baseCommit}..${task.branch}`), '1');
      assert.equal(git(repo, 'show', `${task.branch}:answer.txt`), `task ${i}`);
    }
    assert.ok(takenOver >= 1, 'the killed worker’s task was taken over');
    assert.ok(finishers.size >= 2, `spread over workers: ${JSON.stringify([...finishers])}`);
    assert.ok(!finishers.has(workerIds[victim]!) || takenOver >= 1);
    assert.equal(git(repo, 'for-each-ref', 'refs/yoke/checkpoints'), '', 'checkpoints dropped');
    assert.equal(
      git(repo, 'for-each-ref', '--format=%(refname)', 'refs/heads/yoke').split('\n').length,
      TASKS,
    );

    // `yoke task list` on the front shows every task.
    const list = await runYoke(['task', 'list'], { cwd: frontHome, env: frontEnv });
    assert.equal(list.code, 0, list.stderr);
    for (const task of submitted)
      assert.match(list.stdout, new RegExp(`^${task.id}\\s+succeeded`, 'm'));

    // The killed worker comes back: its dead worktree is swept.
    const back = await startWorker(workerHomes[victim]!);
    const worktrees = join(workerHomes[victim]!, 'worktrees');
    const left = existsSync(worktrees) ? readdirSync(worktrees) : [];
    assert.deepEqual(
      left.filter((name) => !name.startsWith('.')),
      [],
    );

    for (const proc of [front, ...workers, back])
      for (const secret of secrets)
        assert.ok(!proc.output().includes(secret), 'no password in any output');
  }
}

test(
  'yoke worker: --help explains it; no store is a clear error (exit 2); URLs are not echoed',
  { timeout: 60_000 },
  async (t) => {
    const home = tempDir('worker-none', t);
    const env = yokeEnv('http://127.0.0.1:9/v1', home);
    const help = await runYoke(['worker', '--help'], { cwd: home, env });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: yoke worker --store postgres:\/\/… --queue redis:\/\/…/);
    assert.match(help.stdout, /env:NAME or file:PATH/);
    assert.match((await runYoke(['serve', '--help'], { cwd: home, env })).stdout, /--store URL/);
    const none = await runYoke(['worker', '--queue', 'redis://127.0.0.1:9'], { cwd: home, env });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /yoke worker needs the fleet's shared store: --store postgres:\/\//);
    const missing = await runYoke(['worker', '--store', 'env:NO_SUCH_VAR'], { cwd: home, env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--store: NO_SUCH_VAR is not set/);
    // Nothing listens on port 9: one clear line, the URL without its password.
    const down = await runYoke(
      [
        'worker',
        '--store',
        'postgres://yoke:hunter22@127.0.0.1:9/yoke',
        '--queue',
        'redis://127.0.0.1:9',
      ],
      { cwd: home, env },
    );
    assert.equal(down.code, 1);
    assert.match(down.stderr, /warning: --store carries a password on the command line/);
    assert.match(
      down.stderr,
      /cannot open the PostgreSQL store at postgres:\/\/127\.0\.0\.1:9\/yoke/,
    );
    assert.doesNotMatch(down.stderr, /hunter22/);
  },
);
