// Background tasks in SQLite: one row per task (its submission as `spec`, its progress as
// `state`, both JSON the task runner owns) and an append-only log per task. Every change is
// written before it is announced, so a daemon that dies loses nothing it has reported.
import type Database from 'better-sqlite3';
import { StoreError, type Db } from './db.ts';
import type { ClaimedTask, StoreConflict } from './store.ts';

export type TaskRow = {
  id: string;
  /** Submission order: the queue is FIFO by this. */
  seq: number;
  createdAt: number;
  updatedAt: number;
  status: string;
  repo: string;
  spec: unknown;
  state: unknown;
};

export type TaskQuery = {
  statuses?: readonly string[];
  repo?: string;
  cursor?: string;
  limit?: number;
};

export type TaskLogRow = { seq: number; at: number; data: unknown };

type RawTask = {
  id: string;
  seq: number;
  created_at: number;
  updated_at: number;
  status: string;
  repo: string;
  spec: string;
  state: string;
  owner: string | null;
  attempt: number;
};

const fromRaw = (raw: RawTask): TaskRow => ({
  id: raw.id,
  seq: raw.seq,
  createdAt: raw.created_at,
  updatedAt: raw.updated_at,
  status: raw.status,
  repo: raw.repo,
  spec: JSON.parse(raw.spec) as unknown,
  state: JSON.parse(raw.state) as unknown,
});

export class TaskStore {
  private readonly insertLog: Database.Statement;
  private readonly lastSeq: Database.Statement;
  private readonly updateRow: Database.Statement;
  private readonly selectRow: Database.Statement;
  /** Tasks this store has claimed, with the attempt its writes must match. */
  private readonly claims = new Map<string, number>();

  constructor(
    readonly db: Db,
    private readonly conflict: (c: StoreConflict) => void = () => {},
  ) {
    this.insertLog = db.prepare(
      `INSERT INTO task_log (task_id, seq, at, data)
       SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM tasks WHERE id = ? AND (? IS NULL OR attempt = ?))`,
    );
    this.lastSeq = db.prepare('SELECT MAX(seq) AS seq FROM task_log WHERE task_id = ?');
    this.updateRow = db.prepare(
      'UPDATE tasks SET status = ?, state = ?, updated_at = ? WHERE id = ? AND (? IS NULL OR attempt = ?)',
    );
    this.selectRow = db.prepare('SELECT * FROM tasks WHERE id = ?');
  }

  insert(row: Omit<TaskRow, 'seq' | 'updatedAt'>): TaskRow {
    const insert = this.db.transaction(() => {
      const max = this.db.prepare('SELECT MAX(seq) AS seq FROM tasks').get() as {
        seq: number | null;
      };
      const seq = (max.seq ?? 0) + 1;
      this.db
        .prepare(
          `INSERT INTO tasks (id, seq, created_at, updated_at, status, repo, spec, state)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          row.id,
          seq,
          row.createdAt,
          row.createdAt,
          row.status,
          row.repo,
          JSON.stringify(row.spec),
          JSON.stringify(row.state),
        );
      return seq;
    });
    return { ...row, seq: insert(), updatedAt: row.createdAt };
  }

  get(id: string): TaskRow | null {
    const raw = this.selectRow.get(id) as RawTask | undefined;
    return raw ? fromRaw(raw) : null;
  }

  claim(id: string, owner: string): ClaimedTask | null {
    const raw = this.db
      .prepare('UPDATE tasks SET owner = ?, attempt = attempt + 1 WHERE id = ? RETURNING *')
      .get(owner, id) as RawTask | undefined;
    if (!raw) return null;
    this.claims.set(id, raw.attempt);
    return { ...fromRaw(raw), owner, attempt: raw.attempt };
  }

  /** Refused (and reported) when the task is gone or another claim has taken it since ours. */
  update(id: string, status: string, state: unknown, at = Date.now()): void {
    const mine = this.claims.get(id) ?? null;
    const changed = this.updateRow.run(status, JSON.stringify(state), at, id, mine, mine).changes;
    if (changed === 0) this.refuse(id);
  }

  private refuse(id: string): void {
    const row = this.db.prepare('SELECT attempt FROM tasks WHERE id = ?').get(id) as
      { attempt: number } | undefined;
    const message = row
      ? `task ${id} was taken over (attempt ${row.attempt}; this process held ${this.claims.get(id)})`
      : `no task ${id} in the store`;
    this.conflict({ entity: 'task', id, message });
  }

  /** Newest first; the cursor is opaque (the last row's submission order). */
  list(query: TaskQuery = {}): { rows: TaskRow[]; nextCursor: string | null } {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.statuses?.length) {
      where.push(`status IN (${query.statuses.map(() => '?').join(', ')})`);
      args.push(...query.statuses);
    }
    if (query.repo) {
      where.push('repo = ?');
      args.push(query.repo);
    }
    if (query.cursor) {
      const before = Number(query.cursor);
      if (!Number.isInteger(before) || before < 0)
        throw new StoreError('bad_cursor', `not a task list cursor: ${query.cursor}`);
      where.push('seq < ?');
      args.push(before);
    }
    const limit = Math.max(1, Math.min(query.limit || 50, 500));
    const sql = `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY seq DESC LIMIT ?`;
    const raws = this.db.prepare(sql).all(...args, limit + 1) as RawTask[];
    const rows = raws.slice(0, limit).map(fromRaw);
    return { rows, nextCursor: raws.length > limit ? String(rows.at(-1)!.seq) : null };
  }

  /** Tasks in these statuses, oldest first (recovery and the queue). */
  withStatus(statuses: readonly string[]): TaskRow[] {
    if (statuses.length === 0) return [];
    const raws = this.db
      .prepare(
        `SELECT * FROM tasks WHERE status IN (${statuses.map(() => '?').join(', ')}) ORDER BY seq`,
      )
      .all(...statuses) as RawTask[];
    return raws.map(fromRaw);
  }

  /** Every repository tasks ran on (for sweeping stale worktree registrations). */
  repos(): string[] {
    const rows = this.db.prepare('SELECT DISTINCT repo FROM tasks').all() as { repo: string }[];
    return rows.map((r) => r.repo);
  }

  /** Appends to a task's log; answers the entry's position (from 1). */
  appendLog(taskId: string, data: (seq: number) => unknown, at = Date.now()): TaskLogRow {
    const append = this.db.transaction(() => {
      const last = this.lastSeq.get(taskId) as { seq: number | null };
      const seq = (last.seq ?? 0) + 1;
      const value = data(seq);
      const mine = this.claims.get(taskId) ?? null;
      const args = [taskId, seq, at, JSON.stringify(value), taskId, mine, mine];
      if (this.insertLog.run(...args).changes === 0) this.refuse(taskId);
      return { seq, at, data: value };
    });
    return append();
  }

  /** Log entries after `afterSeq`, oldest first. */
  log(taskId: string, afterSeq = 0, limit = 1000): TaskLogRow[] {
    const raws = this.db
      .prepare(
        'SELECT seq, at, data FROM task_log WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      )
      .all(taskId, afterSeq, limit) as { seq: number; at: number; data: string }[];
    return raws.map((r) => ({ seq: r.seq, at: r.at, data: JSON.parse(r.data) as unknown }));
  }
}
