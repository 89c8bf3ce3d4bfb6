// The reads of the PostgreSQL store: the same answers as the SQLite store's queries, in
// PostgreSQL's dialect (ILIKE for SQLite's case-blind LIKE, json operators on text columns).
import type pg from 'pg';
import { StoreError } from './db.ts';
import type { TaskStorage, ThreadStorage } from './store.ts';
import type { TaskLogRow, TaskRow } from './task-store.ts';
import {
  decodeCursor,
  encodeCursor,
  pageLimit,
  type StoredEvent,
  type ThreadRow,
} from './thread-store.ts';

export type Read = <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<R[]>;

export type RawTaskRow = {
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

export function taskFromRaw(raw: RawTaskRow): TaskRow {
  return {
    id: raw.id,
    seq: raw.seq,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    status: raw.status,
    repo: raw.repo,
    spec: JSON.parse(raw.spec) as unknown,
    state: JSON.parse(raw.state) as unknown,
  };
}

type RawThread = {
  id: string;
  created_at: number;
  updated_at: number;
  cwd: string;
  model: string | null;
  model_provider: string;
  name: string | null;
  preview: string;
  source: string;
  forked_from: string | null;
  archived: boolean;
  settings: string;
};

const threadFromRaw = (raw: RawThread): ThreadRow => ({
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
  archived: raw.archived,
  settings: JSON.parse(raw.settings) as Record<string, unknown>,
});

export function pgThreadReads(
  read: Read,
): Pick<
  ThreadStorage,
  'getThread' | 'latestThread' | 'listThreads' | 'events' | 'threadsWithOpenApprovals'
> {
  return {
    getThread: async (id) => {
      const [raw] = await read<RawThread>('SELECT * FROM threads WHERE id = $1', [id]);
      return raw ? threadFromRaw(raw) : null;
    },
    latestThread: async (cwd) => {
      const [raw] = await read<RawThread>(
        `SELECT * FROM threads WHERE NOT archived AND ($1::text IS NULL OR cwd = $1)
         ORDER BY updated_at DESC, id DESC LIMIT 1`,
        [cwd ?? null],
      );
      return raw ? threadFromRaw(raw) : null;
    },
    listThreads: async (query = {}) => {
      const where = ['archived = $1'];
      const args: unknown[] = [query.archived ?? false];
      const arg = (value: unknown) => {
        args.push(value);
        return `$${args.length}`;
      };
      if (query.cwd) where.push(`cwd = ${arg(query.cwd)}`);
      if (query.searchTerm) {
        const like = arg(`%${query.searchTerm.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
        where.push(`(preview ILIKE ${like} OR name ILIKE ${like})`);
      }
      if (query.cursor) {
        const [updatedAt, id] = decodeCursor(query.cursor);
        const u = arg(updatedAt);
        where.push(`(updated_at < ${u} OR (updated_at = ${u} AND id < ${arg(id)}))`);
      }
      const limit = pageLimit(query);
      const raws = await read<RawThread>(
        `SELECT * FROM threads WHERE ${where.join(' AND ')}
         ORDER BY updated_at DESC, id DESC LIMIT ${arg(limit + 1)}`,
        args,
      );
      const rows = raws.slice(0, limit).map(threadFromRaw);
      const last = rows.at(-1);
      const nextCursor = raws.length > limit && last ? encodeCursor(last.updatedAt, last.id) : null;
      return { rows, nextCursor };
    },
    events: async (threadId) => {
      const rows = await read<{
        seq: number;
        turn_id: string | null;
        kind: string;
        data: string;
        at: number;
      }>('SELECT seq, turn_id, kind, data, at FROM events WHERE thread_id = $1 ORDER BY seq', [
        threadId,
      ]);
      return rows.map((r): StoredEvent => {
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
    },
    threadsWithOpenApprovals: async () => {
      const rows = await read<{ id: string }>(
        `SELECT DISTINCT e.thread_id AS id FROM events e
         WHERE e.kind = 'approvalRequested'
           AND NOT EXISTS (SELECT 1 FROM events r WHERE r.thread_id = e.thread_id AND r.kind = 'approval'
                           AND r.data::json->>'approvalId' = e.data::json->>'approvalId')
           AND NOT EXISTS (SELECT 1 FROM events c WHERE c.thread_id = e.thread_id AND c.kind = 'turnCompleted'
                           AND c.turn_id = e.turn_id)`,
      );
      return rows.map((r) => r.id);
    },
  };
}

export function pgTaskReads(
  read: Read,
): Pick<TaskStorage, 'get' | 'list' | 'withStatus' | 'repos' | 'log'> {
  return {
    get: async (id) => {
      const [raw] = await read<RawTaskRow>('SELECT * FROM tasks WHERE id = $1', [id]);
      return raw ? taskFromRaw(raw) : null;
    },
    list: async (query = {}) => {
      const where: string[] = [];
      const args: unknown[] = [];
      const arg = (value: unknown) => {
        args.push(value);
        return `$${args.length}`;
      };
      if (query.statuses?.length) where.push(`status = ANY(${arg(query.statuses)}::text[])`);
      if (query.repo) where.push(`repo = ${arg(query.repo)}`);
      if (query.cursor) {
        const before = Number(query.cursor);
        if (!Number.isInteger(before) || before < 0)
          throw new StoreError('bad_cursor', `not a task list cursor: ${query.cursor}`);
        where.push(`seq < ${arg(before)}`);
      }
      const limit = Math.max(1, Math.min(query.limit || 50, 500));
      const raws = await read<RawTaskRow>(
        `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY seq DESC LIMIT ${arg(limit + 1)}`,
        args,
      );
      const rows = raws.slice(0, limit).map(taskFromRaw);
      return { rows, nextCursor: raws.length > limit ? String(rows.at(-1)!.seq) : null };
    },
    withStatus: async (statuses) => {
      if (statuses.length === 0) return [];
      const raws = await read<RawTaskRow>(
        'SELECT * FROM tasks WHERE status = ANY($1::text[]) ORDER BY seq',
        [statuses],
      );
      return raws.map(taskFromRaw);
    },
    repos: async () =>
      (await read<{ repo: string }>('SELECT DISTINCT repo FROM tasks')).map((r) => r.repo),
    log: async (taskId, afterSeq = 0, limit = 1000): Promise<TaskLogRow[]> => {
      const raws = await read<{ seq: number; at: number; data: string }>(
        'SELECT seq, at, data FROM task_log WHERE task_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [taskId, afterSeq, limit],
      );
      return raws.map((r) => ({ seq: r.seq, at: r.at, data: JSON.parse(r.data) as unknown }));
    },
  };
}
