// A tiny unbounded async queue: producers push, one consumer awaits.
export class Channel<T> {
  private items: T[] = [];
  private waiting: (() => void) | null = null;

  push(item: T): void {
    this.items.push(item);
    const wake = this.waiting;
    this.waiting = null;
    wake?.();
  }

  /** Everything queued so far (possibly nothing). */
  drain(): T[] {
    const out = this.items;
    this.items = [];
    return out;
  }

  /** Resolves when something is queued or `other` settles, whichever is first. */
  wait(other: Promise<unknown>): Promise<void> {
    if (this.items.length) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiting = resolve;
      other.then(
        () => resolve(),
        () => resolve(),
      );
    });
  }
}
