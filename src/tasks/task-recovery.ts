// What a task process finds when it starts. One machine: what the last daemon left — queued
// tasks run again, in-flight ones resume at their node (or fail, saying why), orphaned
// worktrees and processes go. A fleet worker: every worktree under its home is a dead
// predecessor's (its tasks were handed on by the queue), so all of them go. A fleet front:
// every task the store says is queued or in flight is (again) given to the queue — a job that
// is already there stays one job — so a front that died between storing a task and queueing
// it, or a Redis that lost its data, loses no task.
import { existsSync } from 'node:fs';
import type { TaskStatus } from '../protocol/methods-task.ts';
import type { TaskStorage } from '../store/store.ts';
import type { TaskQueue } from './queue.ts';
import { fromRow, initialState, IN_FLIGHT, type TaskRecord } from './task-model.ts';
import type { Workspaces } from './workspaces.ts';

export type RecoveryDeps = {
  store: TaskStorage;
  queue: TaskQueue;
  workspaces: Workspaces;
  log: (line: string) => void;
  setStatus: (task: TaskRecord, status: TaskStatus, message: string) => void;
};

export async function recoverEmbedded(deps: RecoveryDeps): Promise<void> {
  const { store, workspaces } = deps;
  const open = (await store.withStatus(['queued', ...IN_FLIGHT])).map(fromRow);
  const hasWorkspace = (t: TaskRecord) =>
    t.status !== 'preparing' && t.state.worktree !== null && existsSync(t.state.worktree);
  const resumable = open.filter(hasWorkspace);
  const keep = new Set(resumable.map((t) => t.state.worktree!));
  report(deps, await workspaces.sweep(keep, await store.repos()));
  const requeued: TaskRecord[] = [];
  for (const task of open) {
    const node = task.state.currentNode;
    if (resumable.includes(task)) {
      if (task.status !== 'queued')
        deps.setStatus(task, 'queued', `the daemon restarted; resuming at ${node ?? 'the start'}`);
    } else if (task.status === 'preparing') {
      await workspaces.deleteBranch(task.spec.repo, task.spec.branch);
      task.state = initialState();
      deps.setStatus(task, 'queued', 'the daemon restarted while preparing; queued again');
      requeued.push(task);
    } else if (task.state.worktree !== null) {
      task.state.completedAtMs = Date.now();
      task.state.worktree = null;
      task.state.error = {
        message: `the daemon stopped during ${node ?? 'the task'} and its worktree is gone`,
        node,
      };
      await workspaces.deleteBranch(task.spec.repo, task.spec.branch);
      deps.setStatus(task, 'failed', task.state.error.message);
    } else requeued.push(task);
  }
  // Resumed tasks first, then the queue as it was: both in submission order.
  for (const task of [...resumable, ...requeued.sort((a, b) => a.seq - b.seq)])
    await deps.queue.add({ taskId: task.id, group: task.spec.repo });
}

export async function sweepWorker(deps: Pick<RecoveryDeps, 'workspaces' | 'log'>): Promise<void> {
  report(deps, await deps.workspaces.sweep(new Set(), []));
}

/** Hands the queue every task the store says is unfinished; answers how many. */
export async function reconcileQueue(deps: Pick<RecoveryDeps, 'store' | 'queue'>): Promise<number> {
  const open = await deps.store.withStatus(['queued', ...IN_FLIGHT]);
  for (const row of open) await deps.queue.add({ taskId: row.id, group: row.repo });
  return open.length;
}

function report(
  deps: Pick<RecoveryDeps, 'log'>,
  swept: { killed: number[]; removed: string[] },
): void {
  if (swept.killed.length) deps.log(`killed ${swept.killed.length} orphaned process(es)`);
  if (swept.removed.length) deps.log(`removed ${swept.removed.length} orphaned worktree(s)`);
}
