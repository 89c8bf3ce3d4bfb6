// The task runner: takes submissions, queues them, runs each in its own worktree through its
// blueprint, and reports every change — stored first, then told to listeners (the App Server
// turns them into task/updated notifications). On start it recovers (task-recovery.ts).
//
// One machine (the default) does all of it. In a fleet (docs/fleet.md) a front submits, lists
// and cancels, and workers run: a worker claims each task it is handed (from then on only its
// writes count), takes over a task another worker left at the checkpoint of its last node, and
// pushes the result to the repository.
import { availableParallelism } from 'node:os';
import type { Task, TaskLogEntry, TaskStatus } from '../protocol/methods-task.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import type { TaskStorage } from '../store/store.ts';
import type { AgentPort } from './agent-port.ts';
import { claimThroughOutage } from './claim-wait.ts';
import { TaskError } from './errors.ts';
import { stopKind, TaskStop } from './executor.ts';
import { newTaskId } from './ids.ts';
import { MirrorWorkspaces } from './mirror-workspaces.ts';
import { EmbeddedQueue, type TaskQueue } from './queue.ts';
import {
  listBlueprints,
  prepareSubmission,
  type RepoSource,
  type SubmitInput,
} from './submission.ts';
import { poolKey } from './task-lifecycle.ts';
import { SettledWaiters } from './settled.ts';
import { recoverEmbedded, reconcileQueue, sweepWorker } from './task-recovery.ts';
import { runTask, type RunDeps } from './task-run.ts';
import {
  fromRow,
  initialState,
  logEntry,
  TERMINAL,
  toWire,
  type LogInput,
  type TaskRecord,
} from './task-model.ts';
import { TaskUpdates, type TaskUpdate } from './task-updates.ts';
import { WarmPool } from './warm-pool.ts';
import { Workspaces } from './workspaces.ts';
import type { ToolShed } from '../mcp/toolsets.ts';

/** How a process takes part in a fleet (absent: one machine, it submits and runs). */
export type FleetRole =
  | {
      role: 'front';
      /** Asks whichever worker runs the task to cancel it. */
      requestCancel(taskId: string): Promise<void>;
    }
  | {
      role: 'worker';
      /** Who claims: unique per worker process. */
      workerId: string;
      /** Whether a front asked to cancel the task (before this worker had it). */
      cancelRequested(taskId: string): Promise<boolean>;
    };

export type TaskRunnerOptions = {
  /** YOKE_HOME: worktrees go under its worktrees/ (and a fleet's mirrors under mirrors/). */
  home: string;
  store: TaskStorage;
  /** Resolves once every write so far is stored (a fleet's store commits in batches). */
  durable?: () => Promise<void>;
  fleet?: FleetRole;
  agent: AgentPort;
  /** The tools that exist (task.toml and blueprints may name a subset). */
  toolShed: ToolShed;
  /** Runs setup, `run` and check commands, sandboxing each as its ProcessSpec.sandbox says
   * (src/runtime/task-commands.ts). */
  runner: ProcessRunner;
  /** Default: the embedded queue with the limits below. */
  queue?: TaskQueue;
  /** Tasks running at once. Default: the number of cores. */
  concurrency?: number;
  /** Tasks running at once on one repository. Default: `concurrency`. */
  perRepo?: number;
  /** Prepared worktrees kept per repository (the warm pool). Default 0. */
  warm?: number;
  log?: (line: string) => void;
};

export class TaskRunner {
  readonly workspaces: Workspaces;
  readonly pool: WarmPool;
  private readonly queue: TaskQueue;
  private readonly live = new Map<
    string,
    { task: TaskRecord; controller: AbortController; done: Promise<void> }
  >();
  /** Each task's run here, from its claim to its end (`live` once it has started). */
  private readonly runs = new Map<string, Promise<void | 'requeue'>>();
  private readonly updates: TaskUpdates;
  private readonly settledWaiters = new SettledWaiters();
  private readonly log: (line: string) => void;
  private readonly source: RepoSource | undefined;
  private started = false;
  private closing = false;
  /** Aborted by `close`: ends a claim waiting for the store. */
  private readonly stopping = new AbortController();

  constructor(private readonly options: TaskRunnerOptions) {
    const concurrency = options.concurrency ?? availableParallelism();
    this.log = options.log ?? ((line) => process.stderr.write(`yoke tasks: ${line}\n`));
    this.updates = new TaskUpdates(this.log);
    if (options.fleet) {
      const mirrored = new MirrorWorkspaces(options.home);
      this.workspaces = mirrored;
      this.source = mirrored.mirrors.source;
    } else this.workspaces = new Workspaces(options.home);
    this.pool = new WarmPool({
      size: options.warm ?? 0,
      workspaces: this.workspaces,
      runner: options.runner,
      log: this.log,
    });
    this.queue =
      options.queue ?? new EmbeddedQueue({ concurrency, perGroup: options.perRepo ?? concurrency });
  }

  /** Recovers what the last process left (task-recovery.ts), then starts taking tasks. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { store, fleet } = this.options;
    const deps = {
      store,
      queue: this.queue,
      workspaces: this.workspaces,
      log: this.log,
      setStatus: (task: TaskRecord, status: TaskStatus, message: string) =>
        this.setStatus(task, status, message),
    };
    if (fleet?.role === 'front') {
      await this.reconcile();
      return;
    }
    if (fleet?.role === 'worker') await sweepWorker(deps);
    else await recoverEmbedded(deps);
    this.queue.process((job) => this.run(job.taskId));
  }

  /** A front: gives the queue every unfinished task again (at start, after Redis is back). */
  async reconcile(): Promise<number> {
    return reconcileQueue({ store: this.options.store, queue: this.queue });
  }

  /**
   * A front after a Redis outage: gives the queue every unfinished task again (in case Redis
   * lost them) and tells listeners the stored state of each task changed since `sinceMs` (the
   * updates published meanwhile may not have reached this front; the 500 newest tasks).
   */
  async catchUp(sinceMs: number): Promise<void> {
    await this.reconcile();
    const { rows } = await this.options.store.list({ limit: 500 });
    for (const row of rows)
      if (row.updatedAt >= sinceMs) this.remoteUpdate({ task: toWire(fromRow(row)), entries: [] });
  }

  async submit(input: SubmitInput): Promise<Task> {
    if (this.closing) throw new TaskError('task_conflict', 'the task runner is shutting down');
    if (this.options.fleet?.role === 'worker')
      throw new TaskError(
        'task_conflict',
        'a fleet worker takes no submissions; send them to a front',
      );
    const id = newTaskId();
    const spec = await prepareSubmission(id, input, this.submissionDeps());
    const now = Date.now();
    const row = await this.options.store.insert({
      id,
      createdAt: now,
      status: 'queued',
      repo: spec.repo,
      spec,
      state: initialState(),
    });
    const task = fromRow(row);
    this.append(task, { type: 'status', node: null, status: 'queued', message: null });
    await this.options.durable?.();
    await this.queue.add({ taskId: id, group: spec.repo });
    return toWire(task);
  }

  async read(id: string): Promise<Task> {
    return toWire(await this.record(id));
  }

  async list(query: {
    statuses?: TaskStatus[];
    repo?: string;
    cursor?: string;
    limit?: number;
  }): Promise<{ data: Task[]; nextCursor: string | null }> {
    const { rows, nextCursor } = await this.options.store.list(query);
    return {
      data: rows.map((row) => toWire(this.live.get(row.id)?.task ?? fromRow(row))),
      nextCursor,
    };
  }

  async readLog(
    id: string,
    cursor: string | null,
    limit = 500,
  ): Promise<{ data: TaskLogEntry[]; nextCursor: string | null }> {
    const after = cursor ? Number(cursor) : 0;
    if (!Number.isInteger(after) || after < 0)
      throw new TaskError('task_invalid', `not a log cursor: ${cursor}`);
    await this.record(id);
    const rows = await this.options.store.log(id, after, limit + 1);
    const data = rows.slice(0, limit).map(logEntry);
    return { data, nextCursor: rows.length > limit ? String(data.at(-1)!.seq) : null };
  }

  /** Cancels a queued or running task; resolves once it has stopped. */
  async cancel(id: string): Promise<Task> {
    const task = await this.record(id);
    if (TERMINAL.has(task.status))
      throw new TaskError('task_conflict', `task ${id} has already ${task.status}`);
    const live = this.live.get(id);
    if (live) {
      live.controller.abort(new TaskStop('cancel'));
      await live.done;
      return this.read(id);
    }
    const { fleet } = this.options;
    if (fleet?.role === 'front' && !(await this.queue.remove(id))) {
      // A worker has it (or is about to): ask, and wait for the end it records.
      const ended = this.settled(id);
      await fleet.requestCancel(id);
      return ended;
    }
    if (fleet) {
      const claimed = await this.options.store.claim(id, 'front');
      if (claimed) task.state = fromRow(claimed).state;
    } else await this.queue.remove(id);
    task.state.completedAtMs = Date.now();
    this.setStatus(task, 'cancelled', 'cancelled before it started');
    await this.options.durable?.();
    this.settle(task);
    return toWire(task);
  }

  /** A worker: a front asked to cancel this task; stops it if it runs here. */
  cancelHere(id: string): void {
    this.live.get(id)?.controller.abort(new TaskStop('cancel'));
  }

  /** Another process has taken this task over (the store refused our write): stop at once. */
  lost(id: string): void {
    const live = this.live.get(id);
    if (!live) return;
    this.log(`task ${id} was taken over by another worker; stopping it here`);
    live.controller.abort(new TaskStop('lost'));
  }

  /** The tasks running here whose threads include `threadId`. */
  tasksOfThread(threadId: string): string[] {
    return [...this.live.values()]
      .filter((l) => l.task.state.threadIds.includes(threadId))
      .map((l) => l.task.id);
  }

  /** The blueprints a task on `repo` may name, and the default one (task/blueprint/list). */
  blueprints = (repo: string) => listBlueprints(repo, this.submissionDeps());

  /** Submits a finished task again as a new task. */
  async retry(id: string): Promise<Task> {
    const old = await this.record(id);
    if (!TERMINAL.has(old.status))
      throw new TaskError('task_conflict', `task ${id} is ${old.status}; retry it once it ends`);
    const { spec } = old;
    return this.submit({
      prompt: spec.prompt,
      repo: spec.repo,
      baseRef: spec.submitted.baseRef,
      checks: spec.submitted.checks,
      blueprint: spec.submitted.blueprint,
      model: spec.model ?? null,
      retryOf: id,
    });
  }

  /**
   * Keeps a repository warm (as its first task would) and resolves once the pool has its
   * worktrees ready: `yoke serve --warm N` for a repository before its first task, benchmarks.
   * Answers how many are ready.
   */
  async warmUp(repo: string, baseRef?: string): Promise<number> {
    const spec = await prepareSubmission(
      'warm',
      { prompt: 'warm', repo, baseRef: baseRef ?? null },
      this.submissionDeps(),
    );
    const key = poolKey({ spec });
    this.pool.register(key);
    await this.pool.filled(key);
    return this.pool.ready(key);
  }

  onUpdate(listener: (update: TaskUpdate) => void): () => void {
    return this.updates.listen(listener);
  }

  /** A fleet front: an update another process made (already stored), for listeners here. */
  remoteUpdate(update: TaskUpdate): void {
    this.updates.relay(update);
    if (TERMINAL.has(update.task.status)) this.settledWaiters.ended(update.task);
  }

  /** Resolves with the task once it has ended. */
  settled(id: string): Promise<Task> {
    return this.settledWaiters.wait(id, () => this.read(id));
  }

  /** Stops: running tasks are interrupted and stay resumable; the queue stays stored. */
  async close(): Promise<void> {
    this.closing = true;
    this.stopping.abort();
    // The queue first stops handing out jobs, then waits for the running ones.
    const queueClosed = this.queue.close();
    for (const live of this.live.values()) live.controller.abort(new TaskStop('shutdown'));
    await Promise.all([...this.live.values()].map((l) => l.done));
    await queueClosed;
    await this.pool.close();
    this.updates.flush();
  }

  private submissionDeps() {
    return {
      toolShed: this.options.toolShed,
      runner: this.options.runner,
      ...(this.source ? { source: this.source } : {}),
    };
  }

  private async record(id: string): Promise<TaskRecord> {
    const live = this.live.get(id);
    if (live) return live.task;
    const row = await this.options.store.get(id);
    if (!row) throw new TaskError('task_not_found', `no task ${id}`);
    return fromRow(row);
  }

  /** Runs a task the queue handed over; `requeue` when it stopped without ending. */
  private run(id: string): Promise<void | 'requeue'> {
    if (this.closing) return Promise.resolve('requeue');
    // Handed to us again while we claim it (a claim may wait out a store outage) or run it —
    // the queue thought we had stalled: one run, and its outcome for both.
    const running = this.runs.get(id);
    if (running) return running;
    const run = this.runOnce(id).finally(() => this.runs.delete(id));
    this.runs.set(id, run);
    return run;
  }

  private async runOnce(id: string): Promise<void | 'requeue'> {
    const { fleet, store } = this.options;
    let task: TaskRecord;
    if (fleet?.role === 'worker') {
      // The store down: the job stays here and the claim is retried (claim-wait.ts).
      const claimed = await claimThroughOutage(() => store.claim(id, fleet.workerId), {
        taskId: id,
        signal: this.stopping.signal,
        log: this.log,
      });
      // Stopping meanwhile: the next worker claims it again.
      if (claimed === 'stopped' || this.closing) return 'requeue';
      if (!claimed) return;
      task = fromRow(claimed);
      if (!TERMINAL.has(task.status) && (await fleet.cancelRequested(id))) {
        task.state.completedAtMs = Date.now();
        this.setStatus(task, 'cancelled', 'cancelled before it started');
      }
    } else task = await this.record(id);
    if (TERMINAL.has(task.status)) {
      await this.options.durable?.();
      return;
    }
    const controller = new AbortController();
    const deps: RunDeps = {
      workspaces: this.workspaces,
      pool: this.pool,
      agent: this.options.agent,
      runner: this.options.runner,
      toolShed: this.options.toolShed,
      log: this.log,
      takeOver: fleet?.role === 'worker' && task.status !== 'queued',
      workerId: fleet?.role === 'worker' ? fleet.workerId : null,
      save: () => this.save(task),
      append: (entry) => this.append(task, entry),
      setStatus: (status, message) => this.setStatus(task, status, message),
    };
    const live = { task, controller, done: Promise.resolve() };
    this.live.set(id, live);
    live.done = runTask(task, controller, deps);
    try {
      await live.done;
    } finally {
      this.live.delete(id);
    }
    await this.options.durable?.();
    if (TERMINAL.has(task.status)) this.settle(task);
    return stopKind(controller.signal) === 'shutdown' ? 'requeue' : undefined;
  }

  private setStatus(task: TaskRecord, status: TaskStatus, message: string | null): void {
    task.status = status;
    this.save(task);
    this.append(task, { type: 'status', node: task.state.currentNode, status, message });
  }

  private save(task: TaskRecord): void {
    task.updatedAt = Date.now();
    this.options.store.update(task.id, task.status, task.state, task.updatedAt);
    this.updates.changed(task, null);
  }

  private append(task: TaskRecord, entry: LogInput): void {
    const row = this.options.store.appendLog(task.id, () => entry);
    this.updates.changed(task, logEntry(row));
  }

  private settle(task: TaskRecord): void {
    this.updates.flush();
    this.settledWaiters.ended(toWire(task));
  }
}
