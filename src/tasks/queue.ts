// The task queue, behind one interface so that a distributed backend (BullMQ on Redis, with
// workers on other machines) can replace the embedded one without the runner changing.
//
// The embedded queue lives in the daemon's process. Its durability is the task store: a task's
// row says `queued` before `add` is called, and on start the runner hands the queue every task
// that was queued (or running, to resume) when the last daemon stopped, oldest first. Order is
// FIFO, with a global limit and a per-group (per-repository) limit: a job whose group is full
// waits without holding back jobs of other groups behind it.

export type TaskJob = {
  taskId: string;
  /** Jobs of one group share the per-group limit (the repository). */
  group: string;
};

/**
 * Runs a job. `requeue`: the task stopped without ending (this process shuts down) — a shared
 * queue hands it to another worker; the embedded one leaves it to the next start's recovery.
 */
export type TaskWorker = (job: TaskJob) => Promise<void | 'requeue'>;

export interface TaskQueue {
  readonly backend: string;
  /** Appends a job (its task row is already stored as queued); a job already there is kept. */
  add(job: TaskJob): Promise<void>;
  /** Takes a waiting job out; false when it is not waiting (running, or unknown). */
  remove(taskId: string): Promise<boolean>;
  /** Starts handing jobs to `worker`, within the limits. Called once. */
  process(worker: TaskWorker): void;
  /** Stops starting jobs; resolves when the running ones have returned. */
  close(): Promise<void>;
}

export type EmbeddedQueueOptions = {
  concurrency: number;
  perGroup: number;
};

export class EmbeddedQueue implements TaskQueue {
  readonly backend = 'embedded';
  private readonly jobs: TaskJob[] = [];
  private readonly running = new Map<string, { group: string; done: Promise<void> }>();
  private worker: TaskWorker | null = null;
  private closed = false;

  constructor(private readonly options: EmbeddedQueueOptions) {
    if (options.concurrency < 1 || options.perGroup < 1)
      throw new RangeError('queue limits must be at least 1');
  }

  get waiting(): number {
    return this.jobs.length;
  }

  get active(): number {
    return this.running.size;
  }

  add(job: TaskJob): Promise<void> {
    if (!this.jobs.some((j) => j.taskId === job.taskId) && !this.running.has(job.taskId)) {
      this.jobs.push(job);
      this.pump();
    }
    return Promise.resolve();
  }

  remove(taskId: string): Promise<boolean> {
    const index = this.jobs.findIndex((j) => j.taskId === taskId);
    if (index < 0) return Promise.resolve(false);
    this.jobs.splice(index, 1);
    return Promise.resolve(true);
  }

  process(worker: TaskWorker): void {
    this.worker = worker;
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  private pump(): void {
    if (!this.worker || this.closed) return;
    const worker = this.worker;
    for (let i = 0; i < this.jobs.length && this.running.size < this.options.concurrency;) {
      const job = this.jobs[i]!;
      let inGroup = 0;
      for (const r of this.running.values()) if (r.group === job.group) inGroup++;
      if (inGroup >= this.options.perGroup) {
        i++;
        continue;
      }
      this.jobs.splice(i, 1);
      const done = worker(job)
        .then(
          () => {},
          () => {
            // The worker records its own failures on the task; the queue only frees the slot.
          },
        )
        .finally(() => {
          this.running.delete(job.taskId);
          this.pump();
        });
      this.running.set(job.taskId, { group: job.group, done });
    }
  }
}
