// The task runner: takes submissions, queues them, runs each in its own worktree through its
// blueprint, and reports every change — stored first, then told to listeners (the App Server
// turns them into task/updated notifications). On start it recovers what a previous daemon
// left: queued tasks run, in-flight ones resume at their node (or fail, saying why), and
// orphaned worktrees and processes are cleaned up.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import type { Task, TaskLogEntry, TaskStatus } from '../protocol/methods-task.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import type { TaskStore } from '../store/task-store.ts';
import type { AgentPort } from './agent-port.ts';
import { TaskError } from './errors.ts';
import { executeBlueprint, stopKind, TaskStop } from './executor.ts';
import { newTaskId } from './ids.ts';
import { EmbeddedQueue, type TaskQueue } from './queue.ts';
import { prepareSubmission, type SubmitInput } from './submission.ts';
import { closeWorkspace, poolKey, prepareWorkspace, type LifecycleDeps } from './task-lifecycle.ts';
import {
  fromRow,
  initialState,
  IN_FLIGHT,
  logEntry,
  TERMINAL,
  toWire,
  type LogInput,
  type TaskRecord,
} from './task-model.ts';
import { TaskUpdates, type TaskUpdate } from './task-updates.ts';
import { WarmPool } from './warm-pool.ts';
import { Workspaces } from './workspaces.ts';

export type TaskRunnerOptions = {
  /** YOKE_HOME: worktrees go under its worktrees/. */
  home: string;
  store: TaskStore;
  agent: AgentPort;
  /** The tools that exist (task.toml and blueprints may name a subset). */
  toolNames: readonly string[];
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

type Live = { task: TaskRecord; controller: AbortController; done: Promise<void> };

export class TaskRunner {
  readonly workspaces: Workspaces;
  readonly pool: WarmPool;
  private readonly queue: TaskQueue;
  private readonly live = new Map<string, Live>();
  private readonly updates: TaskUpdates;
  private readonly settledWaiters = new Map<string, ((task: Task) => void)[]>();
  private readonly log: (line: string) => void;
  private started = false;
  private closing = false;

  constructor(private readonly options: TaskRunnerOptions) {
    const concurrency = options.concurrency ?? availableParallelism();
    this.log = options.log ?? ((line) => process.stderr.write(`yoke tasks: ${line}\n`));
    this.updates = new TaskUpdates(this.log);
    this.workspaces = new Workspaces(options.home);
    this.pool = new WarmPool({
      size: options.warm ?? 0,
      workspaces: this.workspaces,
      runner: options.runner,
      log: this.log,
    });
    this.queue =
      options.queue ?? new EmbeddedQueue({ concurrency, perGroup: options.perRepo ?? concurrency });
  }

  /** Recovers what the last daemon left, then starts running queued tasks. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { store } = this.options;
    const open = store.withStatus(['queued', ...IN_FLIGHT]).map(fromRow);
    const hasWorkspace = (t: TaskRecord) =>
      t.status !== 'preparing' && t.state.worktree !== null && existsSync(t.state.worktree);
    const resumable = open.filter(hasWorkspace);
    const keep = new Set(resumable.map((t) => t.state.worktree!));
    const swept = await this.workspaces.sweep(keep, store.repos());
    if (swept.killed.length) this.log(`killed ${swept.killed.length} orphaned process(es)`);
    if (swept.removed.length) this.log(`removed ${swept.removed.length} orphaned worktree(s)`);
    const requeued: TaskRecord[] = [];
    for (const task of open) {
      const node = task.state.currentNode;
      if (resumable.includes(task)) {
        if (task.status !== 'queued')
          this.setStatus(
            task,
            'queued',
            `the daemon restarted; resuming at ${node ?? 'the start'}`,
          );
      } else if (task.status === 'preparing') {
        await this.workspaces.deleteBranch(task.spec.repo, task.spec.branch);
        task.state = initialState();
        this.setStatus(task, 'queued', 'the daemon restarted while preparing; queued again');
        requeued.push(task);
      } else if (task.state.worktree !== null) {
        task.state.completedAtMs = Date.now();
        task.state.worktree = null;
        task.state.error = {
          message: `the daemon stopped during ${node ?? 'the task'} and its worktree is gone`,
          node,
        };
        await this.workspaces.deleteBranch(task.spec.repo, task.spec.branch);
        this.setStatus(task, 'failed', task.state.error.message);
      } else requeued.push(task);
    }
    // Resumed tasks first, then the queue as it was: both in submission order.
    for (const task of [...resumable, ...requeued.sort((a, b) => a.seq - b.seq)])
      this.queue.add({ taskId: task.id, group: task.spec.repo });
    this.queue.process((job) => this.run(job.taskId));
  }

  async submit(input: SubmitInput): Promise<Task> {
    if (this.closing) throw new TaskError('task_conflict', 'the task runner is shutting down');
    const id = newTaskId();
    const spec = await prepareSubmission(id, input, {
      toolNames: this.options.toolNames,
      runner: this.options.runner,
    });
    const now = Date.now();
    const row = this.options.store.insert({
      id,
      createdAt: now,
      status: 'queued',
      repo: spec.repo,
      spec,
      state: initialState(),
    });
    const task = fromRow(row);
    this.append(task, { type: 'status', node: null, status: 'queued', message: null });
    this.queue.add({ taskId: id, group: spec.repo });
    return toWire(task);
  }

  read(id: string): Task {
    return toWire(this.record(id));
  }

  list(query: { statuses?: TaskStatus[]; repo?: string; cursor?: string; limit?: number }): {
    data: Task[];
    nextCursor: string | null;
  } {
    const { rows, nextCursor } = this.options.store.list(query);
    return {
      data: rows.map((row) => toWire(this.live.get(row.id)?.task ?? fromRow(row))),
      nextCursor,
    };
  }

  readLog(
    id: string,
    cursor: string | null,
    limit = 500,
  ): { data: TaskLogEntry[]; nextCursor: string | null } {
    this.record(id);
    const after = cursor ? Number(cursor) : 0;
    if (!Number.isInteger(after) || after < 0)
      throw new TaskError('task_invalid', `not a log cursor: ${cursor}`);
    const rows = this.options.store.log(id, after, limit + 1);
    const data = rows.slice(0, limit).map(logEntry);
    return { data, nextCursor: rows.length > limit ? String(data.at(-1)!.seq) : null };
  }

  /** Cancels a queued or running task; resolves once it has stopped. */
  async cancel(id: string): Promise<Task> {
    const task = this.record(id);
    if (TERMINAL.has(task.status))
      throw new TaskError('task_conflict', `task ${id} has already ${task.status}`);
    const live = this.live.get(id);
    if (live) {
      live.controller.abort(new TaskStop('cancel'));
      await live.done;
      return this.read(id);
    }
    this.queue.remove(id);
    task.state.completedAtMs = Date.now();
    this.setStatus(task, 'cancelled', 'cancelled before it started');
    this.settle(task);
    return toWire(task);
  }

  /** Submits a finished task again as a new task. */
  async retry(id: string): Promise<Task> {
    const old = this.record(id);
    if (!TERMINAL.has(old.status))
      throw new TaskError('task_conflict', `task ${id} is ${old.status}; retry it once it ends`);
    const { spec } = old;
    return this.submit({
      prompt: spec.prompt,
      repo: spec.repo,
      baseRef: spec.submitted.baseRef,
      checks: spec.submitted.checks,
      blueprint: spec.submitted.blueprint,
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
      {
        toolNames: this.options.toolNames,
        runner: this.options.runner,
      },
    );
    const key = poolKey({ spec });
    this.pool.register(key);
    await this.pool.filled(key);
    return this.pool.ready(key);
  }

  onUpdate(listener: (update: TaskUpdate) => void): () => void {
    return this.updates.listen(listener);
  }

  /** Resolves with the task once it has ended. */
  settled(id: string): Promise<Task> {
    const task = this.record(id);
    if (TERMINAL.has(task.status)) return Promise.resolve(toWire(task));
    return new Promise((resolve) => {
      const list = this.settledWaiters.get(id) ?? [];
      list.push(resolve);
      this.settledWaiters.set(id, list);
    });
  }

  /** Stops: running tasks are interrupted and stay resumable; the queue stays stored. */
  async close(): Promise<void> {
    this.closing = true;
    for (const live of this.live.values()) live.controller.abort(new TaskStop('shutdown'));
    await Promise.all([...this.live.values()].map((l) => l.done));
    await this.queue.close();
    await this.pool.close();
    this.updates.flush();
  }

  private record(id: string): TaskRecord {
    const live = this.live.get(id);
    if (live) return live.task;
    const row = this.options.store.get(id);
    if (!row) throw new TaskError('task_not_found', `no task ${id}`);
    return fromRow(row);
  }

  private run(id: string): Promise<void> {
    const task = this.record(id);
    if (TERMINAL.has(task.status) || this.closing) return Promise.resolve();
    const controller = new AbortController();
    const live: Live = { task, controller, done: Promise.resolve() };
    this.live.set(id, live);
    live.done = this.execute(live).finally(() => {
      this.live.delete(id);
      if (TERMINAL.has(task.status)) this.settle(task);
    });
    return live.done;
  }

  private async execute({ task, controller }: Live): Promise<void> {
    const { spec, state } = task;
    const { signal } = controller;
    const deps: LifecycleDeps = {
      workspaces: this.workspaces,
      pool: this.pool,
      save: () => this.save(task),
      log: this.log,
    };
    state.startedAtMs ??= Date.now();
    const budgetMs = spec.config.timeBudgetS * 1000 - (Date.now() - state.startedAtMs);
    const timer = setTimeout(() => controller.abort(new TaskStop('time')), Math.max(0, budgetMs));
    try {
      if (!state.worktree) {
        this.setStatus(task, 'preparing', null);
        await prepareWorkspace(task, deps);
      }
      if (signal.aborted) return await this.stopped(task, deps, signal);
      this.setStatus(
        task,
        'running',
        state.warm && state.nodes.length === 0 ? 'warm workspace' : null,
      );
      const outcome = await executeBlueprint({
        id: task.id,
        spec,
        state,
        agent: this.options.agent,
        runner: this.options.runner,
        toolNames: this.options.toolNames,
        signal,
        hooks: {
          save: () => this.save(task),
          log: (entry) => this.append(task, entry),
          setWaiting: (waiting) => {
            const status = waiting ? 'waiting_approval' : 'running';
            if (task.status !== status && !TERMINAL.has(task.status))
              this.setStatus(task, status, null);
          },
        },
      });
      if (outcome.kind === 'stopped') return await this.stopped(task, deps, signal);
      if (outcome.kind === 'done') {
        await closeWorkspace(task, 'succeeded', deps);
        state.completedAtMs = Date.now();
        this.setStatus(task, 'succeeded', null);
        return;
      }
      await this.fail(task, deps, outcome.message, outcome.node);
    } catch (err) {
      if (signal.aborted) return await this.stopped(task, deps, signal);
      await this.fail(task, deps, (err as Error).message, state.currentNode);
    } finally {
      clearTimeout(timer);
    }
  }

  private async stopped(task: TaskRecord, deps: LifecycleDeps, signal: AbortSignal): Promise<void> {
    const kind = stopKind(signal);
    if (kind === 'shutdown') return this.save(task);
    if (kind === 'time') {
      const message = `over its time budget of ${task.spec.config.timeBudgetS} s`;
      return this.fail(task, deps, message, task.state.currentNode);
    }
    await closeWorkspace(task, 'cancelled', deps);
    task.state.completedAtMs = Date.now();
    this.setStatus(task, 'cancelled', 'cancelled');
  }

  private async fail(
    task: TaskRecord,
    deps: LifecycleDeps,
    message: string,
    node: string | null,
  ): Promise<void> {
    await closeWorkspace(task, 'failed', deps);
    task.state.error = { message, node };
    task.state.currentNode = null;
    task.state.completedAtMs = Date.now();
    this.setStatus(task, 'failed', message);
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
    const waiters = this.settledWaiters.get(task.id) ?? [];
    this.settledWaiters.delete(task.id);
    for (const resolve of waiters) resolve(toWire(task));
  }
}
