// The warm pool: per repository and base ref, N worktrees checked out at the base's latest
// commit with task.toml's setup already run, so a task starts working at once ("hot and
// ready"). A task takes one whose commit is its base commit and puts it on its own branch; the
// pool refills in the background. Entries at an older commit are dropped as the base moves.
import { randomBytes } from 'node:crypto';
import type { CommandSandbox, ProcessRunner } from '../sandbox/process-runner.ts';
import { runCommand } from './commands.ts';
import type { Workspaces } from './workspaces.ts';

export type PoolKey = {
  repo: string;
  baseRef: string;
  setup: readonly string[];
  commandTimeoutMs: number;
  /** What setup may do (network, cache folders): part of the key, as setup's result is. */
  sandbox: CommandSandbox;
};

type Entry = { dir: string; commit: string; ready: boolean };

type Pool = {
  key: PoolKey;
  entries: Entry[];
  filling: Promise<void> | null;
  again: boolean;
  /** A refill waiting for the task that took a worktree to get going. */
  deferred: NodeJS.Timeout | null;
};

export type WarmPoolOptions = {
  /** Prepared worktrees to keep per repository and base (0: no pool). */
  size: number;
  workspaces: Workspaces;
  runner: ProcessRunner;
  log: (line: string) => void;
  /**
   * After a task takes a worktree, the refill waits this long: creating a worktree and running
   * setup would otherwise compete for the cores with the task's own start. Default 1000 ms.
   */
  refillDelayMs?: number;
};

const keyOf = (key: PoolKey) => JSON.stringify([key.repo, key.baseRef, key.setup, key.sandbox]);

export class WarmPool {
  private readonly pools = new Map<string, Pool>();
  private readonly stop = new AbortController();

  constructor(private readonly options: WarmPoolOptions) {}

  get size(): number {
    return this.options.size;
  }

  /**
   * Keeps this repository and base warm from now on. `defer`: start the refill only after
   * refillDelayMs (a task is starting on this repository and needs the cores first).
   */
  register(key: PoolKey, options: { defer?: boolean } = {}): void {
    if (this.options.size <= 0 || this.stop.signal.aborted) return;
    const id = keyOf(key);
    let pool = this.pools.get(id);
    if (!pool) {
      pool = { key, entries: [], filling: null, again: false, deferred: null };
      this.pools.set(id, pool);
    }
    if (options.defer) return this.defer(pool);
    if (pool.deferred) clearTimeout(pool.deferred);
    pool.deferred = null;
    this.schedule(pool);
  }

  /** A prepared worktree at `commit`, now the caller's; null when none is ready. */
  take(key: PoolKey, commit: string): string | null {
    const pool = this.pools.get(keyOf(key));
    if (!pool) return null;
    const index = pool.entries.findIndex((e) => e.ready && e.commit === commit);
    if (index < 0) return null;
    const [entry] = pool.entries.splice(index, 1);
    this.defer(pool);
    return entry!.dir;
  }

  /** Resolves when the pool of `key` has finished its current refill. */
  async filled(key: PoolKey): Promise<void> {
    const pool = this.pools.get(keyOf(key));
    while (pool?.filling) await pool.filling;
  }

  /** How many worktrees of `key` are ready. */
  ready(key: PoolKey): number {
    return this.pools.get(keyOf(key))?.entries.filter((e) => e.ready).length ?? 0;
  }

  /** Every directory the pool owns (prepared or being prepared). */
  dirs(): Set<string> {
    const dirs = new Set<string>();
    for (const pool of this.pools.values()) for (const e of pool.entries) dirs.add(e.dir);
    return dirs;
  }

  /** Stops refilling (kills running setup commands); the prepared worktrees stay until the
   * next start sweeps them. */
  async close(): Promise<void> {
    this.stop.abort();
    for (const pool of this.pools.values()) if (pool.deferred) clearTimeout(pool.deferred);
    await Promise.all([...this.pools.values()].map((p) => p.filling));
  }

  private defer(pool: Pool): void {
    if (pool.deferred) return;
    pool.deferred = setTimeout(() => {
      pool.deferred = null;
      if (!this.stop.signal.aborted) this.schedule(pool);
    }, this.options.refillDelayMs ?? 1000);
    pool.deferred.unref();
  }

  private schedule(pool: Pool): void {
    if (pool.filling) {
      pool.again = true;
      return;
    }
    pool.filling = this.fill(pool).finally(() => {
      pool.filling = null;
      if (pool.again && !this.stop.signal.aborted) {
        pool.again = false;
        this.schedule(pool);
      }
    });
  }

  private async fill(pool: Pool): Promise<void> {
    const { key } = pool;
    const { workspaces } = this.options;
    while (!this.stop.signal.aborted) {
      const commit = await workspaces.resolve(key.repo, key.baseRef).catch((err: Error) => {
        this.options.log(`warm pool for ${key.repo}: ${err.message}`);
        return null;
      });
      if (!commit) return;
      for (const stale of pool.entries.filter((e) => e.ready && e.commit !== commit)) {
        pool.entries.splice(pool.entries.indexOf(stale), 1);
        await workspaces.remove(key.repo, stale.dir);
      }
      if (pool.entries.length >= this.options.size) return;
      const entry: Entry = {
        dir: workspaces.dirFor(`pool-${randomBytes(5).toString('hex')}`),
        commit,
        ready: false,
      };
      pool.entries.push(entry);
      try {
        await workspaces.create(key.repo, entry.dir, commit, null);
        for (const command of key.setup) {
          const run = await runCommand(command, {
            cwd: entry.dir,
            runner: this.options.runner,
            sandbox: key.sandbox,
            signal: this.stop.signal,
            timeoutMs: key.commandTimeoutMs,
          });
          if (!run.ok) throw new Error(`setup "${command}": ${run.reason}`);
        }
        entry.ready = true;
      } catch (err) {
        pool.entries.splice(pool.entries.indexOf(entry), 1);
        await workspaces.remove(key.repo, entry.dir);
        // One failed attempt stops this refill; the next task on the repository tries again.
        if (!this.stop.signal.aborted)
          this.options.log(`warm pool for ${key.repo}: ${(err as Error).message}`);
        return;
      }
    }
  }
}
