// Schema migrations, applied in order; PRAGMA user_version records how far a store has come.
import type Database from 'better-sqlite3';
import { StoreError } from './db.ts';

const MIGRATIONS: string[] = [
  // 1: threads and their append-only event logs.
  `CREATE TABLE threads (
     id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     cwd TEXT NOT NULL,
     model TEXT,
     model_provider TEXT NOT NULL,
     name TEXT,
     preview TEXT NOT NULL DEFAULT '',
     source TEXT NOT NULL,
     forked_from TEXT,
     archived INTEGER NOT NULL DEFAULT 0,
     settings TEXT NOT NULL DEFAULT '{}'
   );
   CREATE INDEX threads_by_update ON threads (updated_at DESC, id DESC);
   CREATE TABLE events (
     thread_id TEXT NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     turn_id TEXT,
     kind TEXT NOT NULL,
     data TEXT NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (thread_id, seq)
   ) WITHOUT ROWID;`,
  // 2: background tasks — the immutable submission (spec), the mutable progress (state), and
  // each task's append-only log. `seq` orders the queue (FIFO) across restarts.
  `CREATE TABLE tasks (
     id TEXT PRIMARY KEY,
     seq INTEGER NOT NULL UNIQUE,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     status TEXT NOT NULL,
     repo TEXT NOT NULL,
     spec TEXT NOT NULL,
     state TEXT NOT NULL
   );
   CREATE INDEX tasks_by_status ON tasks (status, seq);
   CREATE TABLE task_log (
     task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     at INTEGER NOT NULL,
     data TEXT NOT NULL,
     PRIMARY KEY (task_id, seq)
   ) WITHOUT ROWID;`,
  // 3: who holds a task (a fleet worker, or this daemon) and how often it was claimed: a write
  // from an older claim is refused.
  `ALTER TABLE tasks ADD COLUMN owner TEXT;
   ALTER TABLE tasks ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;`,
];

/** The schema version this Yoke writes. */
export const LATEST_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new StoreError(
      'store_too_new',
      `the store was written by a newer Yoke (schema ${current}, this one knows ${MIGRATIONS.length}); upgrade Yoke`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
