// The two ends of a task's run: getting its workspace (warm from the pool, else a new
// worktree), and closing it — describing the branch, keeping a failed attempt's work as a
// commit, and removing the worktree (the branch stays; a cancelled task's branch goes too).
import { commitAll, describeBranch } from './git.ts';
import { commandSandbox } from './task-config.ts';
import type { TaskRecord } from './task-model.ts';
import type { PoolKey, WarmPool } from './warm-pool.ts';
import type { Workspaces } from './workspaces.ts';

export type LifecycleDeps = {
  workspaces: Workspaces;
  pool: WarmPool;
  /** Persists the record (and tells listeners). */
  save: () => void;
  log: (line: string) => void;
};

export const poolKey = (task: Pick<TaskRecord, 'spec'>): PoolKey => ({
  repo: task.spec.repo,
  baseRef: task.spec.baseRef,
  setup: task.spec.config.setup,
  commandTimeoutMs: task.spec.config.commandTimeoutS * 1000,
  sandbox: commandSandbox(task.spec.config, 'setup'),
});

/** Gives the task a worktree on its branch. The path is saved before git creates it, so a
 * crash half-way leaves a record of what to clean up. */
export async function prepareWorkspace(task: TaskRecord, deps: LifecycleDeps): Promise<void> {
  const { spec, state } = task;
  const key = poolKey(task);
  const warm = deps.pool.take(key, spec.baseCommit);
  if (warm) {
    state.worktree = warm;
    state.warm = true;
    deps.save();
    await deps.workspaces.adopt(spec.repo, warm, spec.branch);
  } else {
    state.worktree = deps.workspaces.dirFor(task.id);
    state.warm = false;
    deps.save();
    await deps.workspaces.create(spec.repo, state.worktree, spec.baseCommit, spec.branch);
  }
  // The next task on this repository finds one ready (no-op without a pool), once this one
  // is under way.
  deps.pool.register(key, { defer: true });
}

/**
 * Records what the branch holds; keeps uncommitted work of a failed run as a commit; makes the
 * branch visible in the repository (a fleet worker pushes it). A branch that cannot be pushed
 * fails the task, after the worktree is gone.
 */
export async function closeWorkspace(
  task: TaskRecord,
  outcome: 'succeeded' | 'failed' | 'cancelled',
  deps: LifecycleDeps,
): Promise<void> {
  const { spec, state } = task;
  const dir = state.worktree;
  if (!dir) return;
  let unpublished: Error | null = null;
  try {
    if (outcome === 'failed') {
      await commitAll(
        dir,
        `yoke (failed, work in progress): ${spec.prompt.split('\n')[0]!.slice(0, 60)}\n\n` +
          `Yoke-Task: ${task.id}\n`,
      );
    }
    const described = outcome === 'cancelled' ? null : await describeBranch(dir, spec.baseCommit);
    if (described) {
      state.result = {
        branch: spec.branch,
        baseCommit: spec.baseCommit,
        ...described,
        summary: state.vars.summary,
        prDescription: state.vars.prDescription,
      };
      await deps.workspaces
        .publish(spec.repo, dir, spec.branch, task.id)
        .catch((err: Error) => (unpublished = err));
    }
  } catch (err) {
    // The worktree may be gone or broken; the task still ends, and says what went wrong.
    deps.log(`task ${task.id}: could not describe its branch: ${(err as Error).message}`);
  } finally {
    await deps.workspaces.remove(spec.repo, dir);
    state.worktree = null;
  }
  // Git refuses to delete a branch a worktree has checked out, hence after the removal.
  if (outcome === 'cancelled') await deps.workspaces.discard(spec.repo, spec.branch, task.id);
  if (unpublished) throw unpublished;
}
