// A whole fleet for the chaos tests (test/fleet-chaos.test.ts): a PostgreSQL and a Redis of the
// test's own, a front and workers started from the built binary (separate YOKE_HOMEs), a bare
// repository whose check asks a gate that can hold every check, and a client of a front that
// waits for tasks to end. Every process is stopped at the end, and what each one said is
// printed when the test fails.
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { YokeClient } from '../../src/client/client.ts';
import { connectWebSocket } from '../../src/client/ws-client-transport.ts';
import type { Task, TaskLogEntry } from '../../src/protocol/methods-task.ts';
import { tempDir, yokeEnv } from './cli.ts';
import { fleetOrigin, startProc, stopProc, type Proc } from './fleet-procs.ts';
import { startMockModel, type MockModel, type MockScript } from './mock-model.ts';
import { startPostgres, type PostgresServer } from './postgres-server.ts';
import { startRedis, type RedisServer } from './redis-server.ts';
import { findProgram } from './services.ts';

/** Holds every check that asks while `holding`; `release` answers them all and stops holding. */
export type HoldGate = {
  port: number;
  /** The directories of the checks held so far. */
  held: string[];
  /** Resolves once `count` checks have been held. */
  waitHeld(count: number): Promise<void>;
  release(): void;
  close(): Promise<void>;
};

export async function startHoldGate(): Promise<HoldGate> {
  const waiting: ServerResponse[] = [];
  const held: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let holding = true;
  const server = createServer((req, res) => {
    if (!holding) return void res.end('ok\n');
    held.push(new URL(req.url ?? '/', 'http://x').searchParams.get('dir') ?? '');
    waiting.push(res);
    for (const w of waiters.filter((w) => held.length >= w.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    held,
    waitHeld: (count) =>
      held.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    release: () => {
      holding = false;
      for (const res of waiting.splice(0)) res.end('ok\n');
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A front's App Server client that sees tasks end (notifications, or a read). */
export type FrontClient = {
  client: YokeClient;
  settled(id: string): Promise<Task>;
  /** Resolves once a task/updated notification says the task ended (no read). */
  notified(id: string): Promise<Task>;
  log(id: string): Promise<TaskLogEntry[]>;
  close(): void;
};

export async function frontClient(home: string): Promise<FrontClient> {
  const token = readFileSync(join(home, 'serve.token'), 'utf8');
  const { url } = JSON.parse(readFileSync(join(home, 'serve.json'), 'utf8')) as { url: string };
  const client = new YokeClient(await connectWebSocket(url, { authToken: token }));
  await client.initialize({ name: 'fleet-chaos', version: '1' });
  const ended = new Map<string, Task>();
  const waiters = new Map<string, (task: Task) => void>();
  const isEnd = (task: Task) => ['succeeded', 'failed', 'cancelled'].includes(task.status);
  const end = (task: Task) => {
    if (!isEnd(task) || ended.has(task.id)) return;
    ended.set(task.id, task);
    waiters.get(task.id)?.(task);
  };
  const told = new Map<string, Task>();
  const toldWaiters = new Map<string, (task: Task) => void>();
  client.onNotification('task/updated', ({ task }) => {
    end(task);
    if (!isEnd(task) || told.has(task.id)) return;
    told.set(task.id, task);
    toldWaiters.get(task.id)?.(task);
  });
  return {
    client,
    settled: async (id) => {
      const wait = new Promise<Task>((resolve) => waiters.set(id, resolve));
      end((await client.request('task/read', { taskId: id })).task);
      return ended.get(id) ?? wait;
    },
    notified: (id) =>
      told.has(id)
        ? Promise.resolve(told.get(id)!)
        : new Promise((resolve) => toldWaiters.set(id, resolve)),
    log: async (id) => {
      const all: TaskLogEntry[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: TaskLogEntry[]; nextCursor: string | null } = await client.request(
          'task/log/read',
          { taskId: id, cursor },
        );
        all.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      return all;
    },
    close: () => client.close(),
  };
}

export type ChaosFleet = {
  pg: PostgresServer;
  redis: RedisServer;
  gate: HoldGate;
  mock: MockModel;
  repo: string;
  frontHome: string;
  frontEnv: NodeJS.ProcessEnv;
  workerHomes: string[];
  /** Every process started, in order (the last front and workers among them). */
  procs: Proc[];
  startFront(): Promise<Proc>;
  startWorker(index: number): Promise<Proc>;
  /** The worker id (host:pid) a worker announced. */
  workerId(proc: Proc): string;
};

export type ChaosOptions = {
  workers: number;
  script: MockScript;
  /** `-c key=value` settings for every process (the [fleet] lock keys). */
  settings: string[];
};

/** Starts the services, the gate, the mock model and the repository (not the processes). */
export async function chaosFleet(t: TestContext, options: ChaosOptions): Promise<ChaosFleet> {
  findProgram('curl', 'curl');
  const procs: Proc[] = [];
  // Hooks run in the order they are added: the processes stop before Redis and PostgreSQL.
  t.after(() => Promise.all(procs.map(stopProc)));
  const [pg, redis] = await Promise.all([startPostgres(t), startRedis(t)]);
  const gate = await startHoldGate();
  t.after(() => gate.close());
  const repo = fleetOrigin(t, gate.port);
  const mock = await startMockModel(options.script);
  t.after(() => mock.close());
  const frontHome = tempDir('front', t);
  const urls = { FLEET_PG: pg.url, FLEET_REDIS: redis.url };
  const frontEnv = yokeEnv(mock.url, frontHome, urls);
  const workerHomes = Array.from({ length: options.workers }, (_, i) => tempDir(`worker${i}`, t));
  const fleetArgs = ['--store', 'env:FLEET_PG', '--queue', 'env:FLEET_REDIS', ...options.settings];
  const started = async (args: string[], env: NodeJS.ProcessEnv, ready: RegExp) => {
    const proc = await startProc(args, env, ready);
    procs.push(proc);
    return proc;
  };
  return {
    pg,
    redis,
    gate,
    mock,
    repo,
    frontHome,
    frontEnv,
    workerHomes,
    procs,
    startFront: () => started(['serve', ...fleetArgs], frontEnv, /yoke serve listening on/),
    startWorker: (i) =>
      started(
        ['worker', '--concurrency', '2', ...fleetArgs],
        yokeEnv(mock.url, workerHomes[i]!, urls),
        /yoke worker \S+ ready/,
      ),
    workerId: (proc) => /yoke worker (\S+) ready/.exec(proc.output())![1]!,
  };
}

/** Runs `body`; on failure prints what every process said, then fails. */
export async function withDiagnostics(
  procs: () => Proc[],
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (err) {
    for (const proc of procs())
      process.stderr.write(`--- yoke ${proc.name}:\n${proc.output().slice(-20_000)}\n`);
    throw err;
  }
}

/** Resolves once the process's output matches `pattern` (checked as output arrives). */
export function outputMatches(proc: Proc, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!pattern.test(proc.output())) return false;
      proc.child.stdout!.off('data', check);
      proc.child.stderr!.off('data', check);
      resolve();
      return true;
    };
    if (check()) return;
    proc.child.stdout!.on('data', check);
    proc.child.stderr!.on('data', check);
    void proc.exited.then(() => {
      if (!check()) reject(new Error(`${proc.name} exited before printing ${pattern}`));
    });
  });
}

/** The status entries of a task's log. */
export const statuses = (log: TaskLogEntry[]) =>
  log.flatMap((e) => (e.type === 'status' ? [{ status: e.status, message: e.message ?? '' }] : []));

/** `promise`, or a failure naming `what` after `ms` (so that the diagnostics are printed). */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
