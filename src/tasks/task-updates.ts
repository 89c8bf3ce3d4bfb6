// Telling listeners about task changes, batched: a state change goes out on the next turn of
// the event loop, output within OUTPUT_FLUSH_MS — so a chatty command does not send its whole
// task thousands of times, and a status change with its log entry is one notification.
import type { Task, TaskLogEntry } from '../protocol/methods-task.ts';
import { toWire, type TaskRecord } from './task-model.ts';

export type TaskUpdate = { task: Task; entries: TaskLogEntry[] };

const OUTPUT_FLUSH_MS = 50;

export class TaskUpdates {
  private readonly listeners = new Set<(update: TaskUpdate) => void>();
  private readonly pending = new Map<string, { task: TaskRecord; entries: TaskLogEntry[] }>();
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;

  constructor(private readonly log: (line: string) => void) {}

  listen(listener: (update: TaskUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The task changed (already stored), with a new log entry or none. */
  changed(task: TaskRecord, entry: TaskLogEntry | null): void {
    const pending = this.pending.get(task.id) ?? { task, entries: [] };
    pending.task = task;
    if (entry) pending.entries.push(entry);
    this.pending.set(task.id, pending);
    if (entry?.type === 'output') this.timer ??= setTimeout(() => this.flush(), OUTPUT_FLUSH_MS);
    else this.immediate ??= setImmediate(() => this.flush());
  }

  /** An update made elsewhere (another process, already stored): sent as it is, at once. */
  relay(update: TaskUpdate): void {
    for (const listener of this.listeners) {
      try {
        listener(update);
      } catch (err) {
        this.log(`a task listener failed: ${(err as Error).message}`);
      }
    }
  }

  /** Sends everything pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    const batch = [...this.pending.values()];
    this.pending.clear();
    for (const { task, entries } of batch) this.relay({ task: toWire(task), entries });
  }
}
