// The one writer of a process's PostgreSQL writes. Callers queue writes synchronously; the
// writer commits everything queued so far as one transaction, then runs the callbacks queued
// among them (`afterWrites`), then takes the next batch. So the log in PostgreSQL is always a
// prefix of what the process wrote, in order, and a callback never runs before the writes
// queued ahead of it are stored.
//
// Unreachable (a restart, a network cut): the batch is kept and retried with backoff, the
// outage logged once when it starts and once when it ends. A guarded write that finds the row
// taken by another process (a thread log that moved on, a task claimed since) is dropped with
// every later write to that thread or task, and reported: that process is the owner now.
import type pg from 'pg';
import type { StoreConflict } from './store.ts';

export type Entity = { type: 'thread' | 'task'; id: string };

export type WriteOp =
  | {
      kind: 'sql';
      entity: Entity | null;
      text: string;
      values: unknown[];
      /** Fewer rows than this changed: refused (a conflict on `entity`). */
      expect?: number;
      why?: string;
      superseded?: boolean;
    }
  | { kind: 'events'; threadId: string; firstSeq: number; rows: EventRow[] }
  | { kind: 'taskLog'; taskId: string; attempt: number | null; rows: LogRow[] }
  | { kind: 'barrier'; fn: () => void };

export type EventRow = {
  seq: number;
  turnId: string | null;
  kind: string;
  data: string;
  at: number;
};
export type LogRow = { seq: number; at: number; data: string };

export type WriterOptions = {
  /** Where the store is, for messages (no password). */
  location: string;
  log: (line: string) => void;
  conflict: (conflict: StoreConflict) => void;
};

const key = (e: Entity) => `${e.type}:${e.id}`;
const entityOf = (op: WriteOp): Entity | null =>
  op.kind === 'sql'
    ? op.entity
    : op.kind === 'events'
      ? { type: 'thread', id: op.threadId }
      : op.kind === 'taskLog'
        ? { type: 'task', id: op.taskId }
        : null;

const INSERT_EVENTS = `INSERT INTO events (thread_id, seq, turn_id, kind, data, at)
  SELECT $1, u.seq, u.turn_id, u.kind, u.data, u.at
  FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS u(seq, turn_id, kind, data, at)
  WHERE (SELECT COALESCE(MAX(seq), -1) FROM events WHERE thread_id = $1) = $7`;

const INSERT_LOG = `INSERT INTO task_log (task_id, seq, at, data)
  SELECT $1, u.seq, u.at, u.data FROM unnest($2::int[], $3::bigint[], $4::text[]) AS u(seq, at, data)
  WHERE EXISTS (SELECT 1 FROM tasks WHERE id = $1 AND ($5::int IS NULL OR attempt = $5))
  ON CONFLICT DO NOTHING`;

export class PgWriter {
  private queue: WriteOp[] = [];
  private inFlight = 0;
  private running = false;
  private readonly fenced = new Set<string>();
  /** The pending (not yet in flight) update of each task: a newer one replaces it. */
  private readonly pendingUpdate = new Map<string, WriteOp & { kind: 'sql' }>();
  private unreachableSince: number | null = null;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: WriterOptions,
  ) {}

  get pending(): number {
    return this.queue.filter((op) => op.kind !== 'barrier').length + this.inFlight;
  }

  get unreachableSinceMs(): number | null {
    return this.unreachableSince;
  }

  /** Nothing queued and nothing in flight. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.running;
  }

  isFenced(entity: Entity): boolean {
    return this.fenced.has(key(entity));
  }

  push(op: WriteOp): void {
    const entity = entityOf(op);
    if (entity && this.fenced.has(key(entity))) return;
    const last = this.queue.at(-1);
    if (op.kind === 'events' && last?.kind === 'events' && last.threadId === op.threadId) {
      last.rows.push(...op.rows);
    } else if (op.kind === 'taskLog' && last?.kind === 'taskLog' && last.taskId === op.taskId) {
      last.rows.push(...op.rows);
    } else {
      this.queue.push(op);
    }
    this.schedule();
  }

  /** A task's whole new status and state: replaces one still waiting in the queue. */
  pushTaskUpdate(taskId: string, op: WriteOp & { kind: 'sql' }): void {
    const waiting = this.pendingUpdate.get(taskId);
    if (waiting) waiting.superseded = true;
    this.pendingUpdate.set(taskId, op);
    this.push(op);
  }

  afterWrites(fn: () => void): void {
    if (this.idle) return fn();
    this.queue.push({ kind: 'barrier', fn });
  }

  flush(): Promise<void> {
    return new Promise((resolve) => this.afterWrites(resolve));
  }

  /** Stops retrying after the current attempt (close with an outage in progress). */
  stop(): void {
    this.closed = true;
  }

  private schedule(): void {
    if (this.running) return;
    this.running = true;
    // Let the writes of the current tick gather into one batch.
    setImmediate(() => void this.pump());
  }

  private async pump(): Promise<void> {
    while (this.queue.length && !this.closed) {
      const batch = this.queue;
      this.queue = [];
      for (const op of batch) if (op.kind === 'sql' && op.entity?.type === 'task') this.drop(op);
      const writes = batch.filter(
        (op) => op.kind !== 'barrier' && !(op.kind === 'sql' && op.superseded),
      );
      this.inFlight = writes.length;
      if (writes.length) await this.commitWithRetry(writes);
      this.inFlight = 0;
      for (const op of batch) {
        if (op.kind !== 'barrier') continue;
        try {
          op.fn();
        } catch (err) {
          this.options.log(`store: a callback after writing failed: ${(err as Error).message}`);
        }
      }
    }
    this.running = false;
    if (this.queue.length && !this.closed) this.schedule();
  }

  private drop(op: WriteOp & { kind: 'sql' }): void {
    if (op.entity && this.pendingUpdate.get(op.entity.id) === op)
      this.pendingUpdate.delete(op.entity.id);
  }

  private async commitWithRetry(writes: WriteOp[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const refused = await this.transaction(writes);
        this.reachable();
        for (const [k, c] of refused) {
          this.fenced.add(k);
          this.options.log(`store: ${c.message}; its later writes from this process are dropped`);
          this.options.conflict(c);
        }
        return;
      } catch (err) {
        if (this.closed) return;
        if (isTransient(err)) {
          this.unreachable(err as Error, writes.length);
          await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
          continue;
        }
        if (isRace(err)) continue;
        // A write PostgreSQL will never take (a bug, bad data): find it, drop it loudly.
        await this.commitOneByOne(writes);
        return;
      }
    }
  }

  private async commitOneByOne(writes: WriteOp[]): Promise<void> {
    for (const op of writes) {
      try {
        await this.commitWithRetryOnce(op);
      } catch (err) {
        const entity = entityOf(op);
        const message = `a write${entity ? ` to ${entity.type} ${entity.id}` : ''} was refused by PostgreSQL: ${(err as Error).message}`;
        if (entity) {
          this.fenced.add(key(entity));
          this.options.conflict({ entity: entity.type, id: entity.id, message });
        }
        this.options.log(`store: ${message}`);
      }
    }
  }

  private async commitWithRetryOnce(op: WriteOp): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const refused = await this.transaction([op]);
        for (const [k, c] of refused) {
          this.fenced.add(k);
          this.options.conflict(c);
        }
        return;
      } catch (err) {
        if (this.closed || !(isTransient(err) || isRace(err))) throw err;
        await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)));
      }
    }
  }

  /** Runs the writes in one transaction; answers the entities whose guarded write was refused. */
  private async transaction(writes: WriteOp[]): Promise<Map<string, StoreConflict>> {
    const refused = new Map<string, StoreConflict>();
    const client = await this.pool.connect();
    let broken = false;
    try {
      const single = writes.length === 1;
      if (!single) await client.query('BEGIN');
      for (const op of writes) {
        const entity = entityOf(op);
        if (entity && (refused.has(key(entity)) || this.fenced.has(key(entity)))) continue;
        const why = await this.apply(client, op);
        if (why && entity)
          refused.set(key(entity), { entity: entity.type, id: entity.id, message: why });
      }
      if (!single) await client.query('COMMIT');
      return refused;
    } catch (err) {
      broken = isTransient(err);
      if (!broken) await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Applies one write; answers why it was refused, or null. */
  private async apply(client: pg.PoolClient, op: WriteOp): Promise<string | null> {
    switch (op.kind) {
      case 'sql': {
        const r = await client.query(op.text, op.values);
        return op.expect !== undefined && (r.rowCount ?? 0) < op.expect
          ? (op.why ?? 'a write was refused')
          : null;
      }
      case 'events': {
        const r = await client.query(INSERT_EVENTS, [
          op.threadId,
          op.rows.map((e) => e.seq),
          op.rows.map((e) => e.turnId),
          op.rows.map((e) => e.kind),
          op.rows.map((e) => e.data),
          op.rows.map((e) => e.at),
          op.firstSeq - 1,
        ]);
        return (r.rowCount ?? 0) < op.rows.length
          ? `thread ${op.threadId} has events this process did not write (it expected to append at ${op.firstSeq})`
          : null;
      }
      case 'taskLog': {
        const r = await client.query(INSERT_LOG, [
          op.taskId,
          op.rows.map((e) => e.seq),
          op.rows.map((e) => e.at),
          op.rows.map((e) => e.data),
          op.attempt,
        ]);
        return (r.rowCount ?? 0) < op.rows.length
          ? `task ${op.taskId} was taken over by another process (or is gone)`
          : null;
      }
      case 'barrier':
        return null;
    }
  }

  private unreachable(err: Error, waiting: number): void {
    if (this.unreachableSince !== null) return;
    this.unreachableSince = Date.now();
    this.options.log(
      `store: PostgreSQL at ${this.options.location} is unreachable (${describe(err)}); ` +
        `${waiting + this.queue.length} write(s) wait and are retried until it is back`,
    );
  }

  private reachable(): void {
    if (this.unreachableSince === null) return;
    const seconds = ((Date.now() - this.unreachableSince) / 1000).toFixed(1);
    this.unreachableSince = null;
    this.options.log(
      `store: PostgreSQL at ${this.options.location} is reachable again after ${seconds} s; ` +
        'the waiting writes are stored',
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Connection-level failures: the server is down, restarting, or the network is cut. */
export function isTransient(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  if (/^(08|57P)/.test(code)) return true;
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)
  )
    return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(
    e.message ?? '',
  );
}

/** Another process wrote the same row at the same moment; the guards sort it out on retry. */
const isRace = (err: unknown) =>
  ['23505', '40001', '40P01'].includes((err as { code?: string }).code ?? '');

export function describe(err: Error): string {
  const code = (err as { code?: string }).code;
  return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
}
