// A process's part in a fleet (docs/fleet.md): `yoke serve --store … --queue …` is a front (it
// takes submissions and shows every task; it runs none), `yoke worker` runs tasks. Both share
// the PostgreSQL store and the BullQueue on Redis; task updates and cancel requests cross
// processes on the Redis bus (tasks/fleet-bus.ts). This is the one place the pieces are put
// together: the task service takes what `openFleet` answers, then `attach` wires the runner.
//
// URLs carry passwords: they may come from a flag, YOKE_STORE / YOKE_QUEUE, or [fleet] in
// config.toml, each either the URL itself, `env:NAME` (read from that variable) or `file:PATH`
// (the file's first line). Whatever is printed names them redacted.
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { openPgStore, type PgStore } from '../store/pg-store.ts';
import { redactUrl } from '../store/url.ts';
import { BullQueue, type QueueTimings } from '../tasks/bull-queue.ts';
import { FleetBus, type BusMessage } from '../tasks/fleet-bus.ts';
import { redisReady, RedisWatch } from '../tasks/redis-connection.ts';
import type { FleetRole, TaskRunner, TaskRunnerOptions } from '../tasks/runner.ts';
import type { TaskUpdate } from '../tasks/task-updates.ts';
import type { ResolvedConfig } from './config.ts';
import type { FleetKeys } from './config/fleet-keys.ts';
import { RuntimeError } from './errors.ts';
import { FrontThreads, WorkerThreads, type SharedThreads } from './fleet-threads.ts';
import type { ThreadStore } from '../store/thread-store.ts';
import type { SharedThreadHooks } from './task-agent.ts';

export type FleetSettings = {
  /** postgres://… (secret) */
  store: string;
  /** redis://… (secret) */
  queue: string;
  timings: Partial<QueueTimings>;
};

/** The fleet settings of this process, or null when none is given (one machine). */
export function fleetSettings(
  config: ResolvedConfig,
  flags: { store?: string | undefined; queue?: string | undefined },
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void,
): { store: string | null; queue: string | null; timings: Partial<QueueTimings> } {
  const keys = config.layers.reduce<FleetKeys>((acc, l) => ({ ...acc, ...l.values.fleet }), {});
  const pick = (name: 'store' | 'queue', envName: string) => {
    const flag = flags[name];
    if (flag !== undefined && hasPassword(flag))
      warn(
        `--${name} carries a password on the command line, where other users can read it (ps); ` +
          `pass env:NAME or file:PATH instead`,
      );
    const raw = flag ?? env[envName] ?? keys[name];
    const where = flag !== undefined ? `--${name}` : env[envName] ? envName : `fleet.${name}`;
    return raw === undefined || raw === '' ? null : secretValue(raw, where, env);
  };
  const store = pick('store', 'YOKE_STORE');
  const queue = pick('queue', 'YOKE_QUEUE');
  if (store !== null && !/^postgres(ql)?:\/\//.test(store))
    throw new RuntimeError(
      'config_invalid',
      `the fleet store must be a postgres:// URL, not ${redactUrl(store)}`,
    );
  if (queue !== null && !/^rediss?:\/\//.test(queue))
    throw new RuntimeError(
      'config_invalid',
      `the fleet queue must be a redis:// URL, not ${redactUrl(queue)}`,
    );
  const timings: Partial<QueueTimings> = {
    ...(keys.lock_duration_ms ? { lockDurationMs: keys.lock_duration_ms } : {}),
    ...(keys.stalled_interval_ms ? { stalledIntervalMs: keys.stalled_interval_ms } : {}),
    ...(keys.max_stalls ? { maxStalls: keys.max_stalls } : {}),
  };
  return { store, queue, timings };
}

function hasPassword(value: string): boolean {
  try {
    return new URL(value).password !== '';
  } catch {
    return false;
  }
}

/** `env:NAME`, `file:PATH` or the URL itself; never echoes a value in an error. */
function secretValue(raw: string, where: string, env: NodeJS.ProcessEnv): string {
  if (raw.startsWith('env:')) {
    const name = raw.slice(4);
    const value = env[name];
    if (!value) throw new RuntimeError('config_invalid', `${where}: ${name} is not set`);
    return value.trim();
  }
  if (raw.startsWith('file:')) {
    const path = raw.slice(5);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new RuntimeError(
        'config_invalid',
        `${where}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const line = text.split('\n')[0]!.trim();
    if (!line) throw new RuntimeError('config_invalid', `${where}: ${path} is empty`);
    return line;
  }
  return raw;
}

/** Updates stored this long before a Redis outage was noticed are told again after it. */
const CATCH_UP_MARGIN_MS = 5000;

export type Fleet = {
  /** This process's name among the workers (host:pid), or null on a front. */
  readonly workerId: string | null;
  /** Where the store and queue are, redacted, for messages. */
  readonly where: string;
  /** The task service's shared parts (task-service.ts). */
  readonly tasks: Required<Pick<TaskRunnerOptions, 'store' | 'durable' | 'fleet' | 'queue'>>;
  /**
   * Threads (fleet-threads.ts). A worker's live in the shared store (`store`, for its thread
   * manager; `hooks`, for its task steps); a front reads and relays them (`shared`).
   */
  readonly threads:
    | { role: 'worker'; store: ThreadStore; hooks: SharedThreadHooks }
    | { role: 'front'; shared: SharedThreads };
  /** Wires the runner to the bus and the store (call once, before it starts). */
  attach(runner: TaskRunner): void;
  /** Closes the bus and the store (after the runner has closed). */
  close(): Promise<void>;
};

export type OpenFleetOptions = {
  role: 'front' | 'worker';
  settings: FleetSettings;
  /** Tasks a worker runs at once (default: the number of cores). */
  concurrency?: number;
  log: (line: string) => void;
};

/** Opens the store (migrating it) and the queue, and checks Redis answers: clear errors at start. */
export async function openFleet(options: OpenFleetOptions): Promise<Fleet> {
  const { settings, log, role } = options;
  const store: PgStore = await openPgStore(settings.store, { log: (line) => log(line) });
  // One watch for all of this process's connections: an outage is one line each way.
  const watch = new RedisWatch(settings.queue, log);
  const connect = (what: string) => watch.connect(what);
  const commands = connect('bus');
  const subscriber = connect('bus subscriber');
  try {
    // Both ready before anything subscribes: a SUBSCRIBE that beats the connection's ready
    // check leaves it in subscriber mode, the check fails ("only subscriber commands may be
    // used"), and the subscription made meanwhile is lost.
    await Promise.all([
      redisReady(commands, settings.queue),
      redisReady(subscriber, settings.queue),
    ]);
  } catch (err) {
    commands.disconnect();
    subscriber.disconnect();
    await store.close(1000);
    throw err;
  }
  const bus = new FleetBus(commands, subscriber, log);
  const queue = new BullQueue({
    connect,
    concurrency: options.concurrency ?? availableParallelism(),
    timings: settings.timings,
    log,
    outage: (err) => watch.swallow(err),
    gaveUp: (taskId, reason) =>
      log(`tasks: task ${taskId} lost its worker too often and is left as it was: ${reason}`),
  });
  const workerId = role === 'worker' ? `${hostname()}:${process.pid}` : null;
  const fleetRole: FleetRole =
    workerId === null
      ? { role: 'front', requestCancel: (id) => bus.requestCancel(id) }
      : { role: 'worker', workerId, cancelRequested: (id) => bus.cancelRequested(id) };
  const offs: (() => void)[] = [];
  const workerThreads = role === 'worker' ? new WorkerThreads(store, bus, log) : null;
  const frontThreads = role === 'front' ? new FrontThreads(store, bus) : null;
  return {
    workerId,
    where: `store ${store.location}, queue ${redactUrl(settings.queue)}`,
    tasks: { store: store.tasks, durable: () => store.flush(), fleet: fleetRole, queue },
    threads: workerThreads
      ? { role: 'worker', store: workerThreads.store, hooks: workerThreads }
      : { role: 'front', shared: frontThreads! },
    attach(runner) {
      // A write refused: another worker has taken the task over; this one stops at once.
      offs.push(store.onConflict((c) => c.entity === 'task' && runner.lost(c.id)));
      if (role === 'worker') {
        // Told to the fronts once stored.
        offs.push(
          runner.onUpdate((update) =>
            store.afterWrites(() =>
              bus.publish(bus.channel('tasks'), { type: 'task', ...update } as BusMessage),
            ),
          ),
        );
        offs.push(
          bus.subscribe(bus.channel('control'), (m) => {
            if (m.type === 'cancel' && typeof m.taskId === 'string') runner.cancelHere(m.taskId);
          }),
        );
      } else {
        offs.push(
          bus.subscribe(bus.channel('tasks'), (m) => {
            if (m.type === 'task') runner.remoteUpdate(m as unknown as TaskUpdate);
          }),
        );
        // Pub/sub lost what was published while this front was cut off: catch up from the
        // store (with a margin for what was in flight when it went).
        offs.push(
          watch.onRecovered((outageMs) => {
            runner.catchUp(Date.now() - outageMs - CATCH_UP_MARGIN_MS).catch((err: Error) => {
              log(`queue: could not catch up after the outage: ${err.message}`);
            });
          }),
        );
      }
    },
    async close() {
      for (const off of offs.splice(0)) off();
      workerThreads?.close();
      frontThreads?.close();
      bus.close();
      await store.close(5000);
    },
  };
}
