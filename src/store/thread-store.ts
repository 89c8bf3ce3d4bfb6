// Threads as append-only event logs. The store knows event kinds only as strings and their
// data only as JSON; the runtime decides what they mean and rebuilds state by replaying them.
import type Database from 'better-sqlite3';
import { StoreError, writing, type Db } from './db.ts';
import type { StoreConflict } from './store.ts';

export type ThreadRow = {
  id: string;
  createdAt: number;
  updatedAt: number;
  cwd: string;
  model: string | null;
  modelProvider: string;
  name: string | null;
  preview: string;
  source: string;
  forkedFrom: string | null;
  archived: boolean;
  settings: Record<string, unknown>;
};

export type ThreadQuery = {
  cwd?: string;
  archived?: boolean;
  searchTerm?: string;
  cursor?: string;
  limit?: number;
};

export type StoredEvent = {
  seq: number;
  turnId: string | null;
  kind: string;
  data: unknown;
  at: number;
};

type RawThread = Omit<
  ThreadRow,
  'archived' | 'settings' | 'createdAt' | 'updatedAt' | 'modelProvider' | 'forkedFrom'
> & {
  created_at: number;
  updated_at: number;
  model_provider: string;
  forked_from: string | null;
  archived: number;
  settings: string;
};

export class ThreadStore {
  private readonly insertEvent: Database.Statement;
  private readonly touch: Database.Statement;
  private readonly nextSeq = new Map<string, number>();

  constructor(
    readonly db: Db,
    private readonly conflict: (c: StoreConflict) => void = () => {},
  ) {
    this.insertEvent = db.prepare(
      'INSERT INTO events (thread_id, seq, turn_id, kind, data, at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.touch = db.prepare('UPDATE threads SET updated_at = ? WHERE id = ?');
  }

  createThread(row: Omit<ThreadRow, 'archived'>): void {
    writing(this.db, () =>
      this.db
        .prepare(
          `INSERT INTO threads (id, created_at, updated_at, cwd, model, model_provider, name, preview, source, forked_from, settings)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          row.id,
          row.createdAt,
          row.updatedAt,
          row.cwd,
          row.model,
          row.modelProvider,
          row.name,
          row.preview,
          row.source,
          row.forkedFrom,
          JSON.stringify(row.settings),
        ),
    );
    this.nextSeq.set(row.id, 0);
  }

  /** Appends one event; returns its sequence number. */
  append(threadId: string, turnId: string | null, kind: string, data: unknown): number {
    const seq = this.seqFor(threadId);
    const at = Date.now();
    const json = JSON.stringify(data);
    writing(this.db, () => {
      try {
        this.insertEvent.run(threadId, seq, turnId, kind, json, at);
      } catch (err) {
        // Another process appended to this log since this one read it: its writer now.
        if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw err;
        this.conflict({
          entity: 'thread',
          id: threadId,
          message: `thread ${threadId} has an event ${seq} this process did not write`,
        });
      }
    });
    this.nextSeq.set(threadId, seq + 1);
    return seq;
  }

  /** Marks the thread as changed at `updatedAt` (default now; at turn boundaries, not per event). */
  touchThread(
    threadId: string,
    fields: { preview?: string; settings?: Record<string, unknown>; updatedAt?: number } = {},
  ): void {
    writing(this.db, () => {
      this.touch.run(fields.updatedAt ?? Date.now(), threadId);
      if (fields.preview !== undefined) {
        this.db
          .prepare("UPDATE threads SET preview = ? WHERE id = ? AND preview = ''")
          .run(fields.preview, threadId);
      }
      if (fields.settings !== undefined) {
        this.db
          .prepare('UPDATE threads SET settings = ? WHERE id = ?')
          .run(JSON.stringify(fields.settings), threadId);
      }
    });
  }

  setName(threadId: string, name: string | null): void {
    writing(this.db, () =>
      this.db.prepare('UPDATE threads SET name = ? WHERE id = ?').run(name, threadId),
    );
  }

  /** Removes the thread and its log (events go with it: ON DELETE CASCADE). */
  deleteThread(threadId: string): void {
    writing(this.db, () => this.db.prepare('DELETE FROM threads WHERE id = ?').run(threadId));
  }

  setArchived(threadId: string, archived: boolean): void {
    const flag = archived ? 1 : 0;
    writing(this.db, () =>
      this.db.prepare('UPDATE threads SET archived = ? WHERE id = ?').run(flag, threadId),
    );
  }

  /**
   * Threads, most recently updated first, one page at a time. The cursor is opaque to
   * clients: the (updatedAt, id) of the last row of the previous page.
   */
  listThreads(query: ThreadQuery = {}): { rows: ThreadRow[]; nextCursor: string | null } {
    const where = ['archived = ?'];
    const args: (string | number)[] = [query.archived ? 1 : 0];
    if (query.cwd) {
      where.push('cwd = ?');
      args.push(query.cwd);
    }
    if (query.searchTerm) {
      where.push("(preview LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')");
      const like = `%${query.searchTerm.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      args.push(like, like);
    }
    if (query.cursor) {
      const [updatedAt, id] = decodeCursor(query.cursor);
      where.push('(updated_at < ? OR (updated_at = ? AND id < ?))');
      args.push(updatedAt, updatedAt, id);
    }
    const limit = pageLimit(query);
    const raws = this.db
      .prepare(
        `SELECT * FROM threads WHERE ${where.join(' AND ')} ORDER BY updated_at DESC, id DESC LIMIT ?`,
      )
      .all(...args, limit + 1) as RawThread[];
    const rows = raws.slice(0, limit).map(fromRaw);
    const last = rows.at(-1);
    const nextCursor = raws.length > limit && last ? encodeCursor(last.updatedAt, last.id) : null;
    return { rows, nextCursor };
  }

  /** Copies the events of `fromId` with seq <= `uptoSeq` (all when null) into thread `toId`. */
  copyEvents(fromId: string, toId: string, uptoSeq: number | null): void {
    writing(this.db, () =>
      this.db
        .prepare(
          `INSERT INTO events (thread_id, seq, turn_id, kind, data, at)
         SELECT ?, seq, turn_id, kind, data, at FROM events WHERE thread_id = ? AND (? IS NULL OR seq <= ?)`,
        )
        .run(toId, fromId, uptoSeq, uptoSeq),
    );
    this.nextSeq.delete(toId);
  }

  /** Threads whose unfinished turn asked a question nobody has answered yet. */
  threadsWithOpenApprovals(): string[] {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT e.thread_id AS id FROM events e
         WHERE e.kind = 'approvalRequested'
           AND NOT EXISTS (SELECT 1 FROM events r WHERE r.thread_id = e.thread_id AND r.kind = 'approval'
                           AND json_extract(r.data, '$.approvalId') = json_extract(e.data, '$.approvalId'))
           AND NOT EXISTS (SELECT 1 FROM events c WHERE c.thread_id = e.thread_id AND c.kind = 'turnCompleted'
                           AND c.turn_id = e.turn_id)`,
      )
      .all() as { id: string }[];
    return rows.map((r) => r.id);
  }

  getThread(id: string): ThreadRow | null {
    const raw = this.db.prepare('SELECT * FROM threads WHERE id = ?').get(id) as
      RawThread | undefined;
    return raw ? fromRaw(raw) : null;
  }

  /** The most recently updated thread, optionally only those started in `cwd`. */
  latestThread(cwd?: string): ThreadRow | null {
    const raw = (
      cwd
        ? this.db
            .prepare(
              'SELECT * FROM threads WHERE archived = 0 AND cwd = ? ORDER BY updated_at DESC, id DESC LIMIT 1',
            )
            .get(cwd)
        : this.db
            .prepare(
              'SELECT * FROM threads WHERE archived = 0 ORDER BY updated_at DESC, id DESC LIMIT 1',
            )
            .get()
    ) as RawThread | undefined;
    return raw ? fromRaw(raw) : null;
  }

  events(threadId: string): StoredEvent[] {
    const rows = this.db
      .prepare('SELECT seq, turn_id, kind, data, at FROM events WHERE thread_id = ? ORDER BY seq')
      .all(threadId) as {
      seq: number;
      turn_id: string | null;
      kind: string;
      data: string;
      at: number;
    }[];
    return rows.map((r) => {
      let data: unknown;
      try {
        data = JSON.parse(r.data);
      } catch {
        throw new StoreError(
          'store_corrupt',
          `event ${r.seq} of thread ${threadId} is not valid JSON`,
        );
      }
      return { seq: r.seq, turnId: r.turn_id, kind: r.kind, data, at: r.at };
    });
  }

  /** Forgets where a log ends here (it is read again from the table at the next append). */
  protected resetSeq(threadId: string): void {
    this.nextSeq.delete(threadId);
  }

  private seqFor(threadId: string): number {
    let seq = this.nextSeq.get(threadId);
    if (seq === undefined) {
      const row = this.db
        .prepare('SELECT MAX(seq) AS m FROM events WHERE thread_id = ?')
        .get(threadId) as {
        m: number | null;
      };
      seq = row.m === null ? 0 : row.m + 1;
    }
    return seq;
  }
}

function fromRaw(raw: RawThread): ThreadRow {
  return {
    id: raw.id,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    cwd: raw.cwd,
    model: raw.model,
    modelProvider: raw.model_provider,
    name: raw.name,
    preview: raw.preview,
    source: raw.source,
    forkedFrom: raw.forked_from,
    archived: raw.archived === 1,
    settings: JSON.parse(raw.settings) as Record<string, unknown>,
  };
}

/** How many threads a page of `query` holds (both stores, and pages merged from both). */
export function pageLimit(query: ThreadQuery): number {
  return Math.max(1, Math.min(query.limit ?? 50, 500));
}

export function encodeCursor(updatedAt: number, id: string): string {
  return Buffer.from(JSON.stringify([updatedAt, id])).toString('base64url');
}

export function decodeCursor(cursor: string): [number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw new StoreError(
    'bad_cursor',
    `invalid cursor "${cursor}"; pass back a nextCursor from a previous page`,
  );
}
