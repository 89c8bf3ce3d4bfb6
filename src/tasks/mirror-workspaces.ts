// Task workspaces on a fleet worker: worktrees made from the worker's mirror clone of the
// task's repository (fetched before each task), detached; the result is pushed back as the
// branch `yoke/<id>`.
//
// Checkpoints let another worker take a task over when this one dies: after each node that
// changed the worktree or moved HEAD, its whole content (tracked and untracked, ignored files
// left out) is written as a commit — parents: HEAD, then the previous checkpoint, so every one
// stays reachable — and pushed to `refs/yoke/checkpoints/<id>` in the repository. The next
// worker makes its worktree at the checkpoint's HEAD and lays the checkpoint's files over it,
// uncommitted, exactly as the last node left them. The ref is deleted when the task ends.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { git, YOKE_IDENTITY } from './git.ts';
import { Mirrors } from './mirrors.ts';
import { removeWorktree, Workspaces, worktreeRegistry, type SweepReport } from './workspaces.ts';

const checkpointRef = (taskId: string) => `refs/yoke/checkpoints/${taskId}`;

/** Fetched this recently, a mirror is fresh enough for the warm pool's look at the base. */
const POOL_FETCH_AGE_MS = 5000;

export class MirrorWorkspaces extends Workspaces {
  readonly mirrors: Mirrors;

  constructor(home: string) {
    super(home);
    this.mirrors = new Mirrors(home);
  }

  override async resolve(repo: string, ref: string): Promise<string | null> {
    return this.mirrors.resolve(repo, ref, POOL_FETCH_AGE_MS);
  }

  override async create(
    repo: string,
    dir: string,
    commit: string,
    _branch: string | null,
  ): Promise<void> {
    const mirror = await this.mirrors.sync(repo, POOL_FETCH_AGE_MS);
    await worktreeRegistry.run(mirror, () =>
      git(mirror, ['worktree', 'add', '--quiet', '--detach', dir, commit]),
    );
  }

  /** A task's worktree stays detached: its branch exists only in the repository. */
  override async adopt(): Promise<void> {}

  override async remove(repo: string, dir: string): Promise<void> {
    await removeWorktree(this.mirrors.dirFor(repo), dir);
  }

  override async deleteBranch(repo: string, branch: string): Promise<void> {
    const mirror = this.mirrors.dirFor(repo);
    await this.mirrors.deleteRef(repo, mirror, `refs/heads/${branch}`);
  }

  override async discard(repo: string, branch: string, taskId: string): Promise<void> {
    await this.deleteBranch(repo, branch);
    await this.dropCheckpoints(repo, taskId);
  }

  /** Pushes the task's HEAD as its branch, and drops its checkpoints. */
  override async publish(repo: string, dir: string, branch: string, taskId: string): Promise<void> {
    await this.mirrors.push(repo, dir, 'HEAD', `refs/heads/${branch}`);
    await this.dropCheckpoints(repo, taskId);
  }

  async dropCheckpoints(repo: string, taskId: string): Promise<void> {
    await this.mirrors.deleteRef(repo, this.mirrors.dirFor(repo), checkpointRef(taskId));
  }

  /** Every worktree is this process's to sweep at start, and every mirror's registrations. */
  override async sweep(keep: ReadonlySet<string>): Promise<SweepReport> {
    let mirrors: string[] = [];
    try {
      mirrors = readdirSync(this.mirrors.root).filter((name) => name.endsWith('.git'));
    } catch {
      // No mirrors yet.
    }
    return super.sweep(
      keep,
      mirrors.map((name) => join(this.mirrors.root, name)),
    );
  }

  /**
   * Records the worktree as it is, when it differs from `previous` (in files or HEAD); answers
   * the checkpoint that now describes it.
   */
  async checkpoint(
    repo: string,
    dir: string,
    taskId: string,
    previous: string | null,
  ): Promise<string | null> {
    const index = join(dir, '..', `.${taskId}.checkpoint-index`);
    const env = { GIT_INDEX_FILE: index };
    try {
      const head = (await git(dir, ['rev-parse', 'HEAD'])).trim();
      await git(dir, ['read-tree', 'HEAD'], { env });
      await git(dir, ['add', '-A'], { env });
      const tree = (await git(dir, ['write-tree'], { env })).trim();
      if (previous) {
        const [prevTree, prevHead] = (await git(dir, ['show', '-s', '--format=%T %P', previous]))
          .trim()
          .split(' ');
        if (prevTree === tree && prevHead === head) return previous;
      } else {
        const headTree = (await git(dir, ['rev-parse', 'HEAD^{tree}'])).trim();
        if (headTree === tree) return null;
      }
      const parents = ['-p', head, ...(previous ? ['-p', previous] : [])];
      const commit = (
        await git(dir, ['commit-tree', tree, ...parents, '-m', `yoke checkpoint of ${taskId}`], {
          env: YOKE_IDENTITY,
        })
      ).trim();
      await this.mirrors.push(repo, dir, commit, checkpointRef(taskId));
      return commit;
    } finally {
      rmSync(index, { force: true });
    }
  }

  /**
   * Makes the worktree of a task taken over from another worker: at `checkpoint` (its HEAD,
   * with its files laid over uncommitted), or at `baseCommit` when it has none.
   */
  async restore(
    repo: string,
    dir: string,
    checkpoint: string | null,
    baseCommit: string,
  ): Promise<void> {
    await this.mirrors.sync(repo);
    if (!checkpoint) return this.create(repo, dir, baseCommit, null);
    await this.create(repo, dir, `${checkpoint}^1`, null);
    await git(dir, ['read-tree', '-u', '--reset', checkpoint]);
    await git(dir, ['reset', '--quiet']);
  }
}
