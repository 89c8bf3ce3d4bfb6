// The PostgreSQL schema, versioned like the SQLite one: migrations applied in order at start,
// under an advisory lock so that a fleet's processes starting together migrate once. Event and
// task data are stored as text exactly as written (JSONB would reorder keys, and a thread's
// history must replay byte for byte: it is the prompt-cache prefix).
import type pg from 'pg';
import { StoreError } from './db.ts';

const MIGRATIONS: string[] = [
  // 1: threads with their append-only event logs; tasks with theirs.
  `CREATE TABLE threads (
     id TEXT PRIMARY KEY,
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL,
     cwd TEXT NOT NULL,
     model TEXT,
     model_provider TEXT NOT NULL,
     name TEXT,
     preview TEXT NOT NULL DEFAULT '',
     source TEXT NOT NULL,
     forked_from TEXT,
     archived BOOLEAN NOT NULL DEFAULT false,
     settings TEXT NOT NULL DEFAULT '{}'
   );
   CREATE INDEX threads_by_update ON threads (updated_at DESC, id DESC);
   CREATE TABLE events (
     thread_id TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     turn_id TEXT,
     kind TEXT NOT NULL,
     data TEXT NOT NULL,
     at BIGINT NOT NULL,
     PRIMARY KEY (thread_id, seq)
   );
   CREATE INDEX events_approvals ON events (thread_id) WHERE kind = 'approvalRequested';
   CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL,
     status TEXT NOT NULL,
     repo TEXT NOT NULL,
     spec TEXT NOT NULL,
     state TEXT NOT NULL,
     owner TEXT,
     attempt INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX tasks_by_status ON tasks (status, seq);
   CREATE TABLE task_log (
     task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     at BIGINT NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (task_id, seq)
   );`,
];

/** Any 64-bit number of our own: the lock migrations are applied under. */
const MIGRATION_LOCK = 0x796f6b65;

export async function migratePg(client: pg.PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS yoke_schema (version INTEGER NOT NULL)');
    const row = (await client.query<{ version: number }>('SELECT version FROM yoke_schema'))
      .rows[0];
    const current = row?.version ?? 0;
    if (!row) await client.query('INSERT INTO yoke_schema (version) VALUES (0)');
    if (current > MIGRATIONS.length) {
      throw new StoreError(
        'store_too_new',
        `the store was written by a newer Yoke (schema ${current}, this one knows ${MIGRATIONS.length}); upgrade Yoke`,
      );
    }
    for (let v = current; v < MIGRATIONS.length; v++) await client.query(MIGRATIONS[v]!);
    await client.query('UPDATE yoke_schema SET version = $1', [MIGRATIONS.length]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
