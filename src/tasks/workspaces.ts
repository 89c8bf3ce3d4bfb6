// Task workspaces: git worktrees under YOKE_HOME/worktrees/, never inside the user's checkout.
// A worktree shares the repository's object store, so creating one costs a checkout, not a
// clone, and the task's branch is visible in the user's repository as soon as it exists.
//
// After a crash, whatever ran in a worktree may still be running (a command that left its
// process group) and worktrees of finished or never-started work may be left behind; `sweep`
// kills the one and removes the other.
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join, sep } from 'node:path';
import { git, gitRaw, resolveCommit } from './git.ts';
import { worktreeRegistry } from './serial.ts';

export { worktreeRegistry };

export class Workspaces {
  readonly root: string;

  constructor(home: string) {
    this.root = join(home, 'worktrees');
  }

  dirFor(name: string): string {
    return join(this.root, name);
  }

  /** The commit `ref` names in `repo` now, or null. */
  resolve(repo: string, ref: string): Promise<string | null> {
    return resolveCommit(repo, ref);
  }

  /** Makes the task's branch visible in its repository: a local worktree's already is. */
  async publish(_repo: string, _dir: string, _branch: string, _taskId: string): Promise<void> {}

  /** A new worktree at `commit`: on a new branch, or detached (the warm pool's). */
  async create(repo: string, dir: string, commit: string, branch: string | null): Promise<void> {
    const args = branch
      ? ['worktree', 'add', '--quiet', '-b', branch, dir, commit]
      : ['worktree', 'add', '--quiet', '--detach', dir, commit];
    await worktreeRegistry.run(repo, () => git(repo, args));
  }

  /** Puts a detached worktree (from the warm pool) on the task's new branch. */
  async adopt(repo: string, dir: string, branch: string): Promise<void> {
    await worktreeRegistry.run(repo, () => git(dir, ['switch', '--quiet', '-c', branch]));
  }

  /** Removes a worktree and its registration; the branch stays. Never throws. */
  async remove(repo: string, dir: string): Promise<void> {
    await removeWorktree(repo, dir);
  }

  async deleteBranch(repo: string, branch: string): Promise<void> {
    await worktreeRegistry.run(repo, () => gitRaw(repo, ['branch', '-D', branch]));
  }

  /** A cancelled task's branch, and anything else kept for it, goes. */
  async discard(repo: string, branch: string, _taskId: string): Promise<void> {
    await this.deleteBranch(repo, branch);
  }

  /**
   * Startup cleanup: kills processes still running in any worktree (nothing of ours runs yet),
   * removes every directory under the root not in `keep`, and prunes the stale registrations
   * of `repos`. Answers what it did, for the log.
   */
  async sweep(keep: ReadonlySet<string>, repos: readonly string[]): Promise<SweepReport> {
    const killed = killProcessesUnder(this.root);
    let entries: string[] = [];
    try {
      entries = readdirSync(this.root);
    } catch {
      // No worktrees yet.
    }
    const removed: string[] = [];
    for (const name of entries) {
      const dir = join(this.root, name);
      if (keep.has(dir)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    }
    for (const repo of repos)
      await worktreeRegistry.run(repo, () => gitRaw(repo, ['worktree', 'prune']));
    return { killed, removed };
  }
}

/** Removes the worktree `dir` of `registry` (a repository or a mirror), registration and all. */
export function removeWorktree(registry: string, dir: string): Promise<void> {
  return worktreeRegistry.run(registry, async () => {
    const r = await gitRaw(registry, ['worktree', 'remove', '--force', '--force', dir]);
    if (r.code !== 0) {
      rmSync(dir, { recursive: true, force: true });
      await gitRaw(registry, ['worktree', 'prune']);
    }
  });
}

export type SweepReport = { killed: number[]; removed: string[] };

/**
 * Kills (SIGKILL, with their process groups) orphaned processes working under `root`: those
 * whose working directory is there and whose ancestors up to init (or a systemd subreaper)
 * all work there too — what a dead daemon's commands become. A user's shell opened in a
 * worktree has a terminal for a parent and is left alone. Linux only (it reads /proc);
 * elsewhere it finds nothing, and commands started through yoke-spawnd die with the daemon.
 */
export function killProcessesUnder(root: string): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const prefix = root.endsWith(sep) ? root : root + sep;
  const info = new Map<number, ProcInfo>();
  for (const name of names) {
    const proc = readProc(Number(name));
    if (proc) info.set(proc.pid, proc);
  }
  const under = (p: ProcInfo | undefined) =>
    p !== undefined && p.cwd !== null && (p.cwd === root || p.cwd.startsWith(prefix));
  const orphaned = (p: ProcInfo): boolean => {
    const seen = new Set<number>();
    let current: ProcInfo | undefined = p;
    while (current && under(current) && !seen.has(current.pid)) {
      seen.add(current.pid);
      const parent = info.get(current.ppid);
      if (current.ppid <= 1 || parent?.comm === 'systemd') return true;
      current = parent;
    }
    return false;
  };
  const ownGroup = info.get(process.pid)?.pgrp ?? null;
  const killed: number[] = [];
  for (const p of info.values()) {
    if (p.pid === process.pid || !under(p) || !orphaned(p)) continue;
    try {
      if (p.pgrp !== ownGroup && p.pgrp > 1) process.kill(-p.pgrp, 'SIGKILL');
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    killed.push(p.pid);
  }
  return killed;
}

type ProcInfo = { pid: number; ppid: number; pgrp: number; comm: string; cwd: string | null };

function readProc(pid: number): ProcInfo | null {
  try {
    // /proc/PID/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    let cwd: string | null = null;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      // A zombie, or not ours to read.
    }
    return {
      pid,
      comm: stat.slice(stat.indexOf('(') + 1, close),
      ppid: Number(fields[1]),
      pgrp: Number(fields[2]),
      cwd,
    };
  } catch {
    return null;
  }
}
