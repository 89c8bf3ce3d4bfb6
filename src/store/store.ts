// The store interface: threads with their append-only event logs, background tasks with their
// logs. Two backends implement it — SQLite under YOKE_HOME (the default, one machine) and
// PostgreSQL (a fleet: fronts and workers on many machines) — and one test suite runs on both.
//
// Writes are synchronous to call and applied in call order; reads are asynchronous and see
// every write made before them. SQLite commits a write before the call returns. PostgreSQL
// queues it and one writer commits the queue in order, in batches (docs/fleet.md says why):
// `afterWrites` runs a callback once everything written before it is committed — what a
// process tells others goes through it, so nothing is announced that is not stored.
//
// A log has one writer at a time. Sequence numbers are assigned by that writer (a thread must
// have been created or read by it first); a write that finds the log moved on without it — a
// process that lost its task to another worker — is refused and reported to `onConflict`,
// never merged.
import type { TaskLogRow, TaskQuery, TaskRow } from './task-store.ts';
import type { StoredEvent, ThreadQuery, ThreadRow } from './thread-store.ts';

export interface ThreadStorage {
  createThread(row: Omit<ThreadRow, 'archived'>): void;
  /** Appends one event; returns its sequence number. */
  append(threadId: string, turnId: string | null, kind: string, data: unknown): number;
  /** Marks the thread as changed now (call at turn boundaries, not per event). */
  touchThread(
    threadId: string,
    fields?: { preview?: string; settings?: Record<string, unknown> },
  ): void;
  setName(threadId: string, name: string | null): void;
  setArchived(threadId: string, archived: boolean): void;
  /** Removes the thread and its whole log for good. */
  deleteThread(threadId: string): void;
  /** Copies the events of `fromId` with seq <= `uptoSeq` (all when null) into thread `toId`. */
  copyEvents(fromId: string, toId: string, uptoSeq: number | null): void;

  getThread(id: string): Promise<ThreadRow | null>;
  /** The most recently updated thread, optionally only those started in `cwd`. */
  latestThread(cwd?: string): Promise<ThreadRow | null>;
  /** Most recently updated first, a page at a time (the cursor is opaque). */
  listThreads(query?: ThreadQuery): Promise<{ rows: ThreadRow[]; nextCursor: string | null }>;
  /** The whole log, oldest first; the reader may append after it. */
  events(threadId: string): Promise<StoredEvent[]>;
  /** Threads whose unfinished turn asked a question nobody has answered yet. */
  threadsWithOpenApprovals(): Promise<string[]>;
}

/** A task row with who holds it: `attempt` grows by one with every claim. */
export type ClaimedTask = TaskRow & { owner: string; attempt: number };

export interface TaskStorage {
  insert(row: Omit<TaskRow, 'seq' | 'updatedAt'>): Promise<TaskRow>;
  get(id: string): Promise<TaskRow | null>;
  /**
   * Takes a task over: from now on only this store's writes to it count (a worker that had it
   * before is refused). Null when there is no such task.
   */
  claim(id: string, owner: string): Promise<ClaimedTask | null>;
  update(id: string, status: string, state: unknown, at?: number): void;
  /** Newest first; the cursor is opaque (the last row's submission order). */
  list(query?: TaskQuery): Promise<{ rows: TaskRow[]; nextCursor: string | null }>;
  /** Tasks in these statuses, oldest first (recovery and the queue). */
  withStatus(statuses: readonly string[]): Promise<TaskRow[]>;
  /** Every repository tasks ran on. */
  repos(): Promise<string[]>;
  /** Appends to a task's log; answers the entry's position (from 1). */
  appendLog(taskId: string, data: (seq: number) => unknown, at?: number): TaskLogRow;
  /** Log entries after `afterSeq`, oldest first. */
  log(taskId: string, afterSeq?: number, limit?: number): Promise<TaskLogRow[]>;
}

export type StoreConflict = { entity: 'thread' | 'task'; id: string; message: string };

export interface Store {
  readonly backend: 'sqlite' | 'postgres';
  /** Where it is, for messages (a URL without its password). */
  readonly location: string;
  readonly threads: ThreadStorage;
  readonly tasks: TaskStorage;
  /** Resolves once every write made so far is committed (or refused). */
  flush(): Promise<void>;
  /** Runs `fn` once every write made so far is committed: at once when nothing waits. */
  afterWrites(fn: () => void): void;
  /** Writes refused because another process has taken the thread or task over. */
  onConflict(listener: (conflict: StoreConflict) => void): () => void;
  /** Writes still waiting to be committed, and since when the store has been unreachable. */
  health(): { pending: number; unreachableSinceMs: number | null };
  /** Flushes (for at most `timeoutMs`), then closes. */
  close(timeoutMs?: number): Promise<void>;
}
