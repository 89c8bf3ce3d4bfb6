// The fleet benchmark (`npm run bench -- fleet`): a PostgreSQL and a Redis of its own on
// loopback, a `yoke serve` front and 1, 2, 3 `yoke worker`s (separate processes, separate
// YOKE_HOMEs, each running 2 tasks at once), the mock model in this process. Trivial tasks (one
// shell step, one check) on a bare repository reached by path; for comparison the same load
// on one `yoke serve` in the embedded mode (SQLite, in-process queue).
//
//   tasks/min      N tasks submitted at once, first submit → last one ended
//   queue latency  submit (the task's createdAtMs) → a worker starts it (its `preparing`
//                  status), one task at a time so that a worker is always free
//   stalled pickup kill -9 of the worker in the middle of a task's check → another worker
//                  takes it over (its `taken over` status), default lock settings
//
// BENCH_FLEET_TASKS (default 100), BENCH_FLEET_LATENCY (samples, default 40) and
// BENCH_FLEET_STALLS (default 1) make a quicker run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { YokeClient } from '../src/client/client.ts';
import { connectWebSocket } from '../src/client/ws-client-transport.ts';
import type { Task, TaskLogEntry } from '../src/protocol/methods-task.ts';
import { tempDir, yokeEnv } from '../test/support/cli.ts';
import {
  fleetOrigin,
  startGate,
  startProc,
  stopProc,
  type Proc,
} from '../test/support/fleet-procs.ts';
import { startMockModel, type MockModel } from '../test/support/mock-model.ts';
import { startPostgres } from '../test/support/postgres-server.ts';
import { startRedis } from '../test/support/redis-server.ts';
import { agentScript, shell } from '../test/support/task-fixtures.ts';

const N = Number(process.env.BENCH_FLEET_TASKS ?? 100);
const LATENCY = Number(process.env.BENCH_FLEET_LATENCY ?? 40);
const STALLS = Number(process.env.BENCH_FLEET_STALLS ?? 1);
const PER_WORKER = 2;
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

type Cleanups = { after: (fn: () => Promise<void> | void) => void; run: () => Promise<void> };
function cleanups(): Cleanups {
  const fns: (() => Promise<void> | void)[] = [];
  return {
    after: (fn) => fns.push(fn),
    run: async () => {
      for (const fn of fns.splice(0).reverse()) await fn();
    },
  };
}

const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** A client of a front (or an embedded `yoke serve`) that knows when each task ended. */
async function frontClient(home: string) {
  const token = readFileSync(join(home, 'serve.token'), 'utf8');
  const { url } = JSON.parse(readFileSync(join(home, 'serve.json'), 'utf8')) as { url: string };
  const client = new YokeClient(await connectWebSocket(url, { authToken: token }));
  await client.initialize({ name: 'bench-fleet', version: '1' });
  const ended = new Map<string, Task>();
  const waiters = new Map<string, (task: Task) => void>();
  const end = (task: Task) => {
    if (!TERMINAL.has(task.status) || ended.has(task.id)) return;
    ended.set(task.id, task);
    waiters.get(task.id)?.(task);
  };
  client.onNotification('task/updated', ({ task }) => end(task));
  return {
    close: () => client.close(),
    submit: async (prompt: string, repo: string): Promise<Task> =>
      (await client.request('task/submit', { prompt, repo })).task as Task,
    settled: async (id: string): Promise<Task> => {
      const wait = new Promise<Task>((resolve) => waiters.set(id, resolve));
      end((await client.request('task/read', { taskId: id })).task);
      return ended.get(id) ?? wait;
    },
    log: async (id: string): Promise<TaskLogEntry[]> =>
      (await client.request('task/log/read', { taskId: id, cursor: null })).data as TaskLogEntry[],
  };
}
type FrontClient = Awaited<ReturnType<typeof frontClient>>;

const statusAt = (log: TaskLogEntry[], status: string, message?: RegExp) =>
  log.find(
    (e) =>
      e.type === 'status' && e.status === status && (!message || message.test(e.message ?? '')),
  )?.atMs ?? null;

/** N tasks at once: tasks per minute, and how many succeeded. */
async function throughput(front: FrontClient, repo: string, n: number) {
  const started = performance.now();
  const submitted = await Promise.all(
    Array.from({ length: n }, (_, i) => front.submit(`task ${i}`, repo)),
  );
  const done = await Promise.all(submitted.map((t) => front.settled(t.id)));
  const minutes = (performance.now() - started) / 60_000;
  return {
    perMin: n / minutes,
    ok: done.filter((t) => t.status === 'succeeded').length,
  };
}

/** Submit → started, one task at a time (a worker is always free): milliseconds. */
async function latency(front: FrontClient, repo: string, samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const task = await front.submit(`latency ${i}`, repo);
    await front.settled(task.id);
    const started = statusAt(await front.log(task.id), 'preparing');
    if (started !== null) out.push(started - task.createdAtMs);
  }
  return out;
}

const line = (label: string, r: { perMin: number; ok: number }, n: number) =>
  console.log(
    `  ${label.padEnd(26)} ${r.perMin.toFixed(1).padStart(6)} tasks/min  (${r.ok}/${n} succeeded)`,
  );

export async function benchFleet(): Promise<void> {
  const c = cleanups();
  try {
    const [pg, redis] = await Promise.all([startPostgres(c), startRedis(c)]);
    const mock: MockModel = await startMockModel(
      agentScript((prompt) => shell(`echo "${/task \d+/.exec(prompt)?.[0] ?? 'x'}" > answer.txt`)),
    );
    c.after(() => mock.close());
    const repo = fleetOrigin(c, null);
    const procs: Proc[] = [];
    c.after(() => Promise.all(procs.splice(0).map(stopProc)).then(() => {}));
    console.log(
      `fleet benchmark: ${N} trivial tasks (mock model, one shell step, one check), ` +
        `${PER_WORKER} tasks at once per worker; PostgreSQL and Redis on loopback`,
    );

    // The embedded mode: one `yoke serve`, same load.
    {
      const home = tempDir('bench-embedded', c);
      const serve = await startProc(
        ['serve', '--concurrency', String(PER_WORKER)],
        yokeEnv(mock.url, home),
        /yoke serve listening on/,
      );
      procs.push(serve);
      const front = await frontClient(home);
      // One machine works on a checkout: a clone of the same repository.
      const checkout = join(tempDir('bench-checkout', c), 'repo');
      execFileSync('git', ['clone', '--quiet', repo, checkout]);
      line('embedded (one yoke serve)', await throughput(front, checkout, N), N);
      const lat = await latency(front, checkout, Math.min(LATENCY, 20));
      console.log(
        `    submit → started (embedded): p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms`,
      );
      front.close();
      await stopProc(serve);
    }

    const frontHome = tempDir('bench-front', c);
    const env = (home: string) =>
      yokeEnv(mock.url, home, { YOKE_STORE: pg.url, YOKE_QUEUE: redis.url });
    procs.push(await startProc(['serve'], env(frontHome), /yoke serve listening on/));
    const front = await frontClient(frontHome);
    c.after(() => front.close());
    const workers: Proc[] = [];
    const addWorker = async (lock: string[] = []) => {
      const w = await startProc(
        ['worker', '--concurrency', String(PER_WORKER), ...lock],
        env(tempDir('bench-worker', c)),
        /yoke worker \S+ ready/,
      );
      procs.push(w);
      workers.push(w);
      return w;
    };
    let lat: number[] = [];
    for (const count of [1, 2, 3]) {
      while (workers.length < count) await addWorker();
      line(`fleet, ${count} worker(s)`, await throughput(front, repo, N), N);
      if (count === 3) lat = await latency(front, repo, LATENCY);
    }
    console.log(
      `    submit → a worker starts it (3 workers, one free): p50 ${pct(lat, 50)} ms, ` +
        `p99 ${pct(lat, 99)} ms over ${lat.length}  target p99 ≤ 250 ms`,
    );
    for (const w of workers.splice(0)) await stopProc(w);

    // Stalled pickup with the default lock settings: 2 workers; the one whose check is held
    // at the gate is killed with SIGKILL.
    const pickups: number[] = [];
    for (let i = 0; i < STALLS; i++) {
      const gate = await startGate();
      const gated = fleetOrigin(c, gate.port);
      const pair = [await addWorker(), await addWorker()];
      const task = await front.submit(`stall ${i}`, gated);
      const dir = await gate.first;
      const victim = pair.find((w) => dir.startsWith(w.name.split(' ')[1]!))!;
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await victim.exited;
      gate.release();
      const ended = await front.settled(task.id);
      const takenAt = statusAt(await front.log(task.id), 'preparing', /taken over/);
      if (ended.status === 'succeeded' && takenAt !== null) pickups.push(takenAt - killedAt);
      for (const w of workers.splice(0)) await stopProc(w);
      await gate.close();
    }
    console.log(
      `  stalled task picked up after kill -9 (lock 15 s, stalled check every 5 s): ` +
        `${pickups.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(', ') || 'never'}  target ≤ 30 s`,
    );
  } finally {
    await c.run();
  }
}
