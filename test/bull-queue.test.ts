// The shared task queue on a real Redis (a server of this file's own): one job per task, remove
// only while waiting, requeue on shutdown, a killed worker's job handed on by the stalled
// check, a failed job logged, and a Redis restart ridden out with the outage logged once each
// way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { BullQueue } from '../src/tasks/bull-queue.ts';
import type { TaskJob } from '../src/tasks/queue.ts';
import { connectRedis } from '../src/tasks/redis-connection.ts';
import { waitForLine } from './support/cli.ts';
import { startRedis, type RedisServer } from './support/redis-server.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});
let started: Promise<RedisServer> | null = null;
const redis = () => (started ??= startRedis({ after: (fn) => cleanups.push(fn) }));

async function queue(
  options: {
    name?: string;
    log?: (line: string) => void;
    timings?: { lockDurationMs: number; stalledIntervalMs: number };
  } = {},
) {
  const server = await redis();
  const q = new BullQueue({
    connect: (what) => connectRedis(server.url, what, options.log ?? (() => {})),
    name: options.name ?? `q${randomBytes(4).toString('hex')}`,
    concurrency: 2,
    ...(options.timings ? { timings: options.timings } : {}),
    log: options.log ?? (() => {}),
  });
  cleanups.push(() => q.close());
  return q;
}

/** A worker function that records jobs and finishes each when told; `next` answers the jobs
 * in the order they started, whether they started before or after it was called. */
function recorder() {
  const seen: string[] = [];
  let read = 0;
  const waiters: (() => void)[] = [];
  const finish = new Map<string, (outcome?: 'requeue') => void>();
  const worker = (job: TaskJob) =>
    new Promise<void | 'requeue'>((resolve) => {
      seen.push(job.taskId);
      finish.set(job.taskId, resolve);
      for (const w of waiters.splice(0)) w();
    });
  const next = async (): Promise<string> => {
    while (read >= seen.length) await new Promise<void>((resolve) => waiters.push(resolve));
    return seen[read++]!;
  };
  return { seen, worker, next, finish };
}

test(
  'bullmq: a task is one job; remove takes only a waiting one; requeue hands it on',
  { timeout: 120_000 },
  async () => {
    const name = `q${randomBytes(4).toString('hex')}`;
    const front = await queue({ name });
    await front.add({ taskId: 'a', group: '/r' });
    await front.add({ taskId: 'a', group: '/r' });
    await front.add({ taskId: 'b', group: '/r' });
    assert.equal(await front.waitingCount(), 2);
    assert.equal(await front.remove('b'), true);
    assert.equal(await front.remove('b'), false);
    assert.equal(await front.remove('unknown'), false);

    const w1 = await queue({ name });
    const r1 = recorder();
    const first = r1.next();
    w1.process(r1.worker);
    assert.equal(await first, 'a');
    assert.equal(await front.remove('a'), false, 'a job a worker holds stays');
    // The worker shuts down (it stops taking jobs first): the job goes back and the next worker
    // gets it.
    const w2 = await queue({ name });
    const r2 = recorder();
    const second = r2.next();
    w2.process(r2.worker);
    const closing = w1.close();
    r1.finish.get('a')!('requeue');
    await closing;
    assert.equal(await second, 'a');
    r2.finish.get('a')!();
    await front.add({ taskId: 'c', group: '/r' });
    assert.equal(await r2.next(), 'c');
    r2.finish.get('c')!();
    assert.deepEqual(r1.seen, ['a']);
    assert.deepEqual(r2.seen, ['a', 'c']);
  },
);

test(
  'bullmq: a job whose run throws is logged once, by task; a requeue is not a failure',
  { timeout: 120_000 },
  async () => {
    const name = `q${randomBytes(4).toString('hex')}`;
    const lines: string[] = [];
    let logged: () => void = () => {};
    const log = (line: string) => {
      lines.push(line);
      logged();
    };
    const front = await queue({ name });
    const worker = await queue({ name, log });
    let runs = 0;
    let ranAgain: () => void = () => {};
    const backDone = new Promise<void>((resolve) => (ranAgain = resolve));
    worker.process(async (job) => {
      if (job.taskId === 'boom') throw new Error('the claim went wrong');
      if (++runs === 1) return 'requeue';
      ranAgain();
    });
    const failed = new Promise<void>((resolve) => (logged = resolve));
    await front.add({ taskId: 'back', group: '/r' });
    await front.add({ taskId: 'boom', group: '/r' });
    await Promise.all([failed, backDone]);
    assert.deepEqual(lines, ['queue: the job of task boom failed: the claim went wrong']);
  },
);

test(
  'bullmq: a job whose worker is killed goes to another worker after its lock expires',
  { timeout: 120_000 },
  async (t) => {
    const server = await redis();
    const name = `q${randomBytes(4).toString('hex')}`;
    const timings = { lockDurationMs: 1000, stalledIntervalMs: 300 };
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/support/bull-worker-child.ts',
        server.url,
        name,
        String(timings.lockDurationMs),
        String(timings.stalledIntervalMs),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    t.after(() => void child.kill('SIGKILL'));
    await waitForLine(child, (l) => l === 'ready');
    const front = await queue({ name });
    const taking = waitForLine(child, (l) => l === 'started doomed');
    await front.add({ taskId: 'doomed', group: '/r' });
    await taking;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    const survivor = await queue({ name, timings });
    const r = recorder();
    const taken = r.next();
    survivor.process(r.worker);
    assert.equal(await taken, 'doomed');
    r.finish.get('doomed')!();
    t.diagnostic(`taken over ${Date.now() - killedAt} ms after the kill`);
  },
);

test(
  'bullmq: a Redis restart is ridden out; jobs added meanwhile run; logged once each way',
  { timeout: 120_000 },
  async () => {
    const server = await redis();
    const lines: string[] = [];
    let down: () => void = () => {};
    const saidDown = new Promise<void>((resolve) => (down = resolve));
    const log = (line: string) => {
      lines.push(line);
      if (/unreachable/.test(line)) down();
    };
    const name = `q${randomBytes(4).toString('hex')}`;
    const front = await queue({ name, log });
    const worker = await queue({ name, log });
    const r = recorder();
    worker.process(r.worker);
    await front.add({ taskId: 'before', group: '/r' });
    assert.equal(await r.next(), 'before');
    r.finish.get('before')!();
    await server.stop();
    await saidDown;
    const adding = front.add({ taskId: 'during', group: '/r' });
    await server.start();
    await adding;
    assert.equal(await r.next(), 'during');
    r.finish.get('during')!();
    assert.ok(lines.some((l) => /reachable again/.test(l)));
    for (const line of lines) assert.ok(!line.includes(server.password), line);
    assert.ok(lines.every((l) => !/unreachable/.test(l) || /redis:\/\/127\.0\.0\.1:\d+/.test(l)));
  },
);
