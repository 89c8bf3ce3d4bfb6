// One operation at a time per key: each call on a key starts after the previous one on that key
// settled, whatever its outcome. Keys with nothing queued are forgotten.

export class KeyedSerial {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(fn);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/**
 * A repository's worktree registry (.git/worktrees) takes one change at a time: git commands
 * that list worktrees (worktree add, switch -c, branch -D, fetch into a mirror) read a half-made
 * entry of a concurrent `worktree add` and fail ("failed to read .git/worktrees/…/commondir"),
 * about 1 in 60 adds with three at once. Every operation that adds, removes or lists a
 * repository's worktrees, and every fetch into a mirror, runs under the repository's key,
 * process-wide.
 */
export const worktreeRegistry = new KeyedSerial();
