// Who waits for which task to end (`cancel` on a fleet front, tests, benchmarks).
import type { Task } from '../protocol/methods-task.ts';
import { TERMINAL } from './task-model.ts';

export class SettledWaiters {
  private readonly waiting = new Map<string, ((task: Task) => void)[]>();

  /** Resolves with the task once it has ended; `read` says how it is now. */
  async wait(id: string, read: () => Promise<Task>): Promise<Task> {
    // Waiting before looking: an end reported meanwhile is not missed.
    let waiter: (task: Task) => void = () => {};
    const ended = new Promise<Task>((resolve) => (waiter = resolve));
    this.waiting.set(id, [...(this.waiting.get(id) ?? []), waiter]);
    const forget = () =>
      this.waiting.set(
        id,
        (this.waiting.get(id) ?? []).filter((w) => w !== waiter),
      );
    let now: Task;
    try {
      now = await read();
    } catch (err) {
      forget();
      throw err;
    }
    if (!TERMINAL.has(now.status)) return ended;
    forget();
    return now;
  }

  /** The task ended: its waiters hear it. */
  ended(task: Task): void {
    const waiters = this.waiting.get(task.id) ?? [];
    this.waiting.delete(task.id);
    for (const resolve of waiters) resolve(task);
  }
}
