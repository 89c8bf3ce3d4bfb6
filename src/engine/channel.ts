// A tiny unbounded async queue: producers push, one consumer awaits. A producer can learn when
// what it pushed has been dealt with: the consumer drains, handles every item, then
// acknowledges.
type Entry<T> = { item: T; delivered: () => void };

export class Channel<T> {
  private items: Entry<T>[] = [];
  private handedOut: (() => void)[] = [];
  private waiting: (() => void) | null = null;

  /** Queues `item`; resolves once the consumer has acknowledged it. */
  push(item: T): Promise<void> {
    return new Promise((delivered) => {
      this.items.push({ item, delivered });
      const wake = this.waiting;
      this.waiting = null;
      wake?.();
    });
  }

  /** Everything queued so far (possibly nothing). */
  drain(): T[] {
    const out = this.items;
    this.items = [];
    for (const entry of out) this.handedOut.push(entry.delivered);
    return out.map((entry) => entry.item);
  }

  /** The consumer has handled everything drained so far. */
  acknowledge(): void {
    for (const delivered of this.handedOut.splice(0)) delivered();
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
