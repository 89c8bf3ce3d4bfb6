// The store interface on PostgreSQL (a fleet): writes go through the process's one writer
// (pg-writer.ts), reads wait for this process's own writes, then ask the server. Sequence
// numbers of a log are assigned here, by its writer; a thread must have been created or read
// by this process before it appends, a task inserted or claimed.
import pg from 'pg';
import { StoreError } from './db.ts';
import { Listeners } from './listeners.ts';
import { PgWriter, describe, isTransient } from './pg-writer.ts';
import { migratePg } from './pg-schema.ts';
import { pgTaskReads, pgThreadReads, taskFromRaw, type RawTaskRow } from './pg-reads.ts';
import type { ClaimedTask, Store, StoreConflict, TaskStorage, ThreadStorage } from './store.ts';
import type { TaskLogRow, TaskRow } from './task-store.ts';
import { redactUrl, scrub } from './url.ts';

export type PgStoreOptions = {
  log?: (line: string) => void;
  /** Connections in the pool (default 4: one writes, the rest read). */
  connections?: number;
};

/** BIGINT columns hold milliseconds and sequence numbers: all well within a double. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export async function openPgStore(url: string, options: PgStoreOptions = {}): Promise<PgStore> {
  const location = redactUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.connections ?? 4,
    // Generous: under load a new connection's authentication can take seconds; a server that is
    // down refuses at once anyway.
    connectionTimeoutMillis: 20_000,
    idleTimeoutMillis: 10_000,
    types,
  });
  // An idle connection cut by a server restart: the next query reconnects (and the writer
  // logs the outage); it must not bring the process down.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    try {
      await migratePg(client);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    if (err instanceof StoreError) throw err;
    throw new StoreError(
      'store_open_failed',
      `cannot open the PostgreSQL store at ${location}: ${scrub(describe(err as Error), url)}`,
    );
  }
  return new PgStore(pool, url, options.log ?? ((line) => process.stderr.write(`yoke ${line}\n`)));
}

export class PgStore implements Store {
  readonly backend = 'postgres';
  readonly location: string;
  readonly threads: ThreadStorage;
  readonly tasks: TaskStorage;
  private readonly writer: PgWriter;
  private readonly conflicts = new Listeners<StoreConflict>();
  private readonly nextSeq = new Map<string, number>();
  private readonly nextLogSeq = new Map<string, number>();
  private readonly claims = new Map<string, number>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly url: string,
    log: (line: string) => void,
  ) {
    this.location = redactUrl(url);
    this.writer = new PgWriter(pool, {
      location: this.location,
      log: (line) => log(scrub(line, url)),
      conflict: (c) => this.conflicts.emit(c),
    });
    this.threads = { ...pgThreadReads(this.read), ...this.threadWrites() };
    this.tasks = { ...pgTaskReads(this.read), ...this.taskWrites() };
  }

  flush(): Promise<void> {
    return this.writer.flush();
  }

  afterWrites(fn: () => void): void {
    this.writer.afterWrites(fn);
  }

  onConflict(listener: (conflict: StoreConflict) => void): () => void {
    return this.conflicts.listen(listener);
  }

  health(): { pending: number; unreachableSinceMs: number | null } {
    return { pending: this.writer.pending, unreachableSinceMs: this.writer.unreachableSinceMs };
  }

  async close(timeoutMs = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const lost = await Promise.race([this.flush().then(() => false), gaveUp]);
    clearTimeout(timer);
    this.writer.stop();
    if (lost)
      process.stderr.write(
        `yoke store: closing with ${this.writer.pending} write(s) not stored in ${this.location}\n`,
      );
    await this.pool.end().catch(() => {});
  }

  /** Runs a read after this process's own pending writes, with a clear error when down. */
  private readonly read = async <R extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<R[]> => {
    if (!this.writer.idle) await this.writer.flush();
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (err) {
      const message = scrub(describe(err as Error), this.url);
      if (isTransient(err))
        throw new StoreError(
          'store_unavailable',
          `the PostgreSQL store at ${this.location} is unreachable: ${message}`,
        );
      throw err;
    }
  };

  private threadWrites(): Omit<
    ThreadStorage,
    'getThread' | 'latestThread' | 'listThreads' | 'threadsWithOpenApprovals'
  > {
    const thread = (id: string) => ({ type: 'thread' as const, id });
    return {
      createThread: (row) => {
        this.nextSeq.set(row.id, 0);
        this.writer.push({
          kind: 'sql',
          entity: thread(row.id),
          text: `INSERT INTO threads (id, created_at, updated_at, cwd, model, model_provider, name, preview, source, forked_from, settings)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          values: [
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
          ],
        });
      },
      append: (threadId, turnId, kind, data) => {
        const seq = this.nextSeq.get(threadId);
        if (seq === undefined)
          throw new StoreError(
            'store_unseeded',
            `thread ${threadId} must be read (or created) by this process before it appends`,
          );
        this.nextSeq.set(threadId, seq + 1);
        const row = { seq, turnId, kind, data: JSON.stringify(data), at: Date.now() };
        this.writer.push({ kind: 'events', threadId, firstSeq: seq, rows: [row] });
        return seq;
      },
      touchThread: (threadId, fields = {}) => {
        this.writer.push({
          kind: 'sql',
          entity: thread(threadId),
          text: `UPDATE threads SET updated_at = $2,
                   preview = CASE WHEN $3::text IS NOT NULL AND preview = '' THEN $3 ELSE preview END,
                   settings = COALESCE($4, settings)
                 WHERE id = $1`,
          values: [
            threadId,
            Date.now(),
            fields.preview ?? null,
            fields.settings === undefined ? null : JSON.stringify(fields.settings),
          ],
        });
      },
      setName: (threadId, name) =>
        this.writer.push({
          kind: 'sql',
          entity: thread(threadId),
          text: 'UPDATE threads SET name = $2 WHERE id = $1',
          values: [threadId, name],
        }),
      setArchived: (threadId, archived) =>
        this.writer.push({
          kind: 'sql',
          entity: thread(threadId),
          text: 'UPDATE threads SET archived = $2 WHERE id = $1',
          values: [threadId, archived],
        }),
      deleteThread: (threadId) => {
        this.nextSeq.delete(threadId);
        this.writer.push({
          kind: 'sql',
          entity: thread(threadId),
          text: 'DELETE FROM threads WHERE id = $1',
          values: [threadId],
        });
      },
      copyEvents: (fromId, toId, uptoSeq) => {
        this.nextSeq.delete(toId);
        this.writer.push({
          kind: 'sql',
          entity: thread(toId),
          text: `INSERT INTO events (thread_id, seq, turn_id, kind, data, at)
                 SELECT $1, seq, turn_id, kind, data, at FROM events
                 WHERE thread_id = $2 AND ($3::int IS NULL OR seq <= $3)`,
          values: [toId, fromId, uptoSeq],
        });
      },
      events: async (threadId) => {
        const events = await pgThreadReads(this.read).events(threadId);
        this.nextSeq.set(threadId, (events.at(-1)?.seq ?? -1) + 1);
        return events;
      },
    };
  }

  private taskWrites(): Omit<TaskStorage, keyof ReturnType<typeof pgTaskReads>> {
    return {
      insert: async (row): Promise<TaskRow> => {
        const [inserted] = await this.read<{ seq: number }>(
          `INSERT INTO tasks (id, created_at, updated_at, status, repo, spec, state)
           VALUES ($1, $2, $2, $3, $4, $5, $6) RETURNING seq`,
          [
            row.id,
            row.createdAt,
            row.status,
            row.repo,
            JSON.stringify(row.spec),
            JSON.stringify(row.state),
          ],
        );
        this.nextLogSeq.set(row.id, 1);
        return { ...row, seq: inserted!.seq, updatedAt: row.createdAt };
      },
      claim: async (id, owner): Promise<ClaimedTask | null> => {
        const [raw] = await this.read<RawClaim>(
          `UPDATE tasks SET owner = $2, attempt = attempt + 1 WHERE id = $1
           RETURNING *, (SELECT COALESCE(MAX(seq), 0) FROM task_log WHERE task_id = $1) AS last_log`,
          [id, owner],
        );
        if (!raw) return null;
        this.claims.set(id, raw.attempt);
        this.nextLogSeq.set(id, raw.last_log + 1);
        return { ...taskFromRaw(raw), owner, attempt: raw.attempt };
      },
      update: (id, status, state, at = Date.now()) => {
        const attempt = this.claims.get(id) ?? null;
        this.writer.pushTaskUpdate(id, {
          kind: 'sql',
          entity: { type: 'task', id },
          text: `UPDATE tasks SET status = $2, state = $3, updated_at = $4
                 WHERE id = $1 AND ($5::int IS NULL OR attempt = $5)`,
          values: [id, status, JSON.stringify(state), at, attempt],
          expect: 1,
          why: `task ${id} was taken over by another process (or is gone)`,
        });
      },
      appendLog: (taskId, data, at = Date.now()): TaskLogRow => {
        const seq = this.nextLogSeq.get(taskId);
        if (seq === undefined)
          throw new StoreError(
            'store_unseeded',
            `task ${taskId} must be inserted or claimed by this process before its log grows`,
          );
        this.nextLogSeq.set(taskId, seq + 1);
        const value = data(seq);
        this.writer.push({
          kind: 'taskLog',
          taskId,
          attempt: this.claims.get(taskId) ?? null,
          rows: [{ seq, at, data: JSON.stringify(value) }],
        });
        return { seq, at, data: value };
      },
    };
  }
}

type RawClaim = RawTaskRow & { last_log: number };
