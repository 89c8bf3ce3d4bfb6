// The shared task queue: BullMQ on Redis. Fronts add jobs, workers on any machines process
// them. A job's id is its task's id, so adding a task twice keeps one job. A worker holds each
// job under a lock it renews; a worker that dies stops renewing, and the stalled-job check of
// any other worker hands the job to the next free worker (docs/fleet.md: lock settings and
// how long that takes). A worker that shuts down puts its jobs back at once.
//
// BullMQ has no per-group limit (that is BullMQ Pro): in a fleet the limit is each worker's
// concurrency; `group` is carried for information.
import { Queue, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TaskJob, TaskQueue, TaskWorker } from './queue.ts';

export type QueueTimings = {
  /** How long a worker's hold on a task lasts unless renewed (it renews at half). */
  lockDurationMs: number;
  /** How often each worker looks for tasks whose worker stopped renewing. */
  stalledIntervalMs: number;
  /** How many times a task may lose its worker before it is given up as failed. */
  maxStalls: number;
};

/**
 * A dead worker's task is handed on within lockDuration + 2 × stalledInterval (the check marks
 * a job, the next one moves it): 25 s at most with these, 15–20 s typically.
 */
export const DEFAULT_QUEUE_TIMINGS: QueueTimings = {
  lockDurationMs: 15_000,
  stalledIntervalMs: 5_000,
  maxStalls: 3,
};

export type BullQueueOptions = {
  /** A new connection (each BullMQ object needs its own). */
  connect: (what: string) => Redis;
  name?: string;
  /** Jobs this worker runs at once. */
  concurrency: number;
  timings?: Partial<QueueTimings>;
  log: (line: string) => void;
  /**
   * Whether an error BullMQ reports only says Redis is unreachable (RedisWatch.swallow): the
   * outage is told by the watched connections, once; these come once per retried command.
   */
  outage?: (err: Error) => boolean;
  /** A job that lost its worker too often and was failed by BullMQ. */
  gaveUp?: (taskId: string, reason: string) => void;
};

/** The queue's name in Redis unless told otherwise. */
export const TASK_QUEUE_NAME = 'yoke-tasks';

type JobData = { taskId: string; group: string };

export class BullQueue implements TaskQueue {
  readonly backend = 'bullmq';
  private readonly queue: Queue<JobData>;
  private worker: Worker<JobData> | null = null;
  private readonly timings: QueueTimings;
  private readonly name: string;
  /** Connections passed to BullMQ are ours to close. */
  private readonly connections: Redis[] = [];
  private closing = false;
  private closed: Promise<void> | null = null;

  constructor(private readonly options: BullQueueOptions) {
    this.name = options.name ?? TASK_QUEUE_NAME;
    this.timings = { ...DEFAULT_QUEUE_TIMINGS, ...options.timings };
    this.queue = new Queue<JobData>(this.name, { connection: this.connect('queue') });
    this.queue.on('error', (err) => this.error(err));
  }

  async add(job: TaskJob): Promise<void> {
    await this.queue.add('task', job, {
      jobId: job.taskId,
      removeOnComplete: true,
      removeOnFail: { count: 1000 },
    });
  }

  async remove(taskId: string): Promise<boolean> {
    const job = await this.queue.getJob(taskId);
    if (!job || !(await job.isWaiting())) return false;
    try {
      await job.remove();
      return true;
    } catch {
      // Taken by a worker meanwhile (it holds the lock).
      return false;
    }
  }

  process(fn: TaskWorker): void {
    if (this.worker) throw new QueueMisuse('BullQueue.process is called once');
    const { timings } = this;
    this.worker = new Worker<JobData>(
      this.name,
      async (job: Job<JobData>, token?: string) => {
        // A job fetched while this worker closes goes straight back (BullMQ's close waits
        // for every job it fetched, so one held here would hold the close forever).
        const outcome = this.closing
          ? 'requeue'
          : await fn({ taskId: job.data.taskId, group: job.data.group });
        if (outcome === 'requeue') {
          await job.moveToWait(token);
          throw new WaitingError();
        }
      },
      {
        connection: this.connect('worker'),
        concurrency: this.options.concurrency,
        lockDuration: timings.lockDurationMs,
        stalledInterval: timings.stalledIntervalMs,
        maxStalledCount: timings.maxStalls,
      },
    );
    this.worker.on('error', (err) => this.error(err));
    this.worker.on('failed', (job, err) => {
      // A job put back in the queue (requeue) is not a failure.
      if (!job || err instanceof WaitingError || err.name === 'WaitingError') return;
      if (/stalled more than allowable limit/.test(err.message))
        this.options.gaveUp?.(job.data.taskId, err.message);
      else this.options.log(`queue: the job of task ${job.data.taskId} failed: ${err.message}`);
    });
  }

  /** Jobs waiting for a worker (the whole fleet's). */
  waitingCount(): Promise<number> {
    return this.queue.getWaitingCount();
  }

  /**
   * Stops taking jobs and waits until every job processed here has returned (a job stopped by
   * the shutdown is put back, and so is one fetched while closing), then closes. Idempotent.
   */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    this.closing = true;
    await this.worker?.close();
    await this.queue.close();
    for (const redis of this.connections) redis.disconnect();
  }

  private error(err: Error): void {
    if (!this.options.outage?.(err)) this.options.log(`queue: ${err.message}`);
  }

  private connect(what: string): Redis {
    const redis = this.options.connect(what);
    this.connections.push(redis);
    return redis;
  }
}

export class QueueMisuse extends Error {
  readonly code = 'queue_misuse';
}
