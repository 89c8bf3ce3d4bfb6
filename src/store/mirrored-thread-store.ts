// A fleet worker's threads: the shared store (PostgreSQL) holds them; this process works on a
// copy in memory (SQLite `:memory:`), which the thread runtime reads synchronously as it does
// on one machine. Every write goes to both, in the same order, so the shared log is the one
// this process builds — a prefix of it while writes are in flight (store.ts). A thread this
// process did not start is imported from the shared store before it is loaded (`import`), and
// forgotten here once unloaded (`forget`): the shared store stays the only lasting copy.
import { openDb } from './db.ts';
import type { ThreadStorage } from './store.ts';
import { ThreadStore, type StoredEvent, type ThreadRow } from './thread-store.ts';

export class MirroredThreadStore extends ThreadStore {
  constructor(
    private readonly shared: ThreadStorage,
    private readonly log: (line: string) => void,
  ) {
    super(openDb(':memory:'));
  }

  override createThread(row: Omit<ThreadRow, 'archived'>): void {
    super.createThread(row);
    this.shared.createThread(row);
  }

  override append(threadId: string, turnId: string | null, kind: string, data: unknown): number {
    const seq = super.append(threadId, turnId, kind, data);
    const sharedSeq = this.shared.append(threadId, turnId, kind, data);
    // Both logs began as the same copy and take the same writes: the numbers agree.
    if (sharedSeq !== seq)
      this.log(`threads: thread ${threadId} event ${seq} went to the shared log as ${sharedSeq}`);
    return seq;
  }

  override touchThread(
    threadId: string,
    fields: { preview?: string; settings?: Record<string, unknown>; updatedAt?: number } = {},
  ): void {
    super.touchThread(threadId, fields);
    const { updatedAt: _, ...shared } = fields;
    this.shared.touchThread(threadId, shared);
  }

  override setName(threadId: string, name: string | null): void {
    super.setName(threadId, name);
    this.shared.setName(threadId, name);
  }

  override setArchived(threadId: string, archived: boolean): void {
    super.setArchived(threadId, archived);
    this.shared.setArchived(threadId, archived);
  }

  override deleteThread(threadId: string): void {
    super.deleteThread(threadId);
    this.shared.deleteThread(threadId);
  }

  override copyEvents(fromId: string, toId: string, uptoSeq: number | null): void {
    super.copyEvents(fromId, toId, uptoSeq);
    this.shared.copyEvents(fromId, toId, uptoSeq);
  }

  /** Replaces the copy here with the shared store's thread (read with `events`: seeded). */
  import(row: ThreadRow, events: readonly StoredEvent[]): void {
    this.forget(row.id);
    super.createThread(row);
    if (row.archived) super.setArchived(row.id, true);
    const insert = this.db.prepare(
      'INSERT INTO events (thread_id, seq, turn_id, kind, data, at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const e of events)
        insert.run(row.id, e.seq, e.turnId, e.kind, JSON.stringify(e.data), e.at);
    })();
    this.resetSeq(row.id);
  }

  /** Drops the copy here (the shared store keeps the thread). */
  forget(threadId: string): void {
    super.deleteThread(threadId);
    this.resetSeq(threadId);
  }

  /** Whether this process has a copy of the thread. */
  has(threadId: string): boolean {
    return this.getThread(threadId) !== null;
  }
}
