// Threads as append-only event logs. The store knows event kinds only as strings and their
// data only as JSON; the runtime decides what they mean and rebuilds state by replaying them.
import type Database from 'better-sqlite3';
import { StoreError, type Db } from './db.ts';

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

  constructor(readonly db: Db) {
    this.insertEvent = db.prepare(
      'INSERT INTO events (thread_id, seq, turn_id, kind, data, at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.touch = db.prepare('UPDATE threads SET updated_at = ? WHERE id = ?');
  }

  createThread(row: Omit<ThreadRow, 'archived'>): void {
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
      );
    this.nextSeq.set(row.id, 0);
  }

  /** Appends one event; returns its sequence number. */
  append(threadId: string, turnId: string | null, kind: string, data: unknown): number {
    const seq = this.seqFor(threadId);
    const at = Date.now();
    this.insertEvent.run(threadId, seq, turnId, kind, JSON.stringify(data), at);
    this.nextSeq.set(threadId, seq + 1);
    return seq;
  }

  /** Marks the thread as changed now (call at turn boundaries, not per event). */
  touchThread(
    threadId: string,
    fields: { preview?: string; settings?: Record<string, unknown> } = {},
  ): void {
    const now = Date.now();
    this.touch.run(now, threadId);
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
