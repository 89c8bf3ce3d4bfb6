// Opening the SQLite database under YOKE_HOME, with WAL and the schema migrated.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrations.ts';

export type Db = Database.Database;

export class StoreError extends Error {
  constructor(
    readonly code:
      | 'store_open_failed'
      | 'store_corrupt'
      | 'thread_not_found'
      | 'task_not_found'
      | 'store_too_new'
      | 'bad_cursor'
      /** The store's server cannot be reached (PostgreSQL down, network cut). */
      | 'store_unavailable'
      /** A log append by a process that has not read the log (a bug in the caller). */
      | 'store_unseeded'
      /** A write the store refused (a full disk, a read-only file). */
      | 'store_write_failed',
    message: string,
  ) {
    super(message);
  }
}

/** Opens (creating if needed) the database at `path`; ':memory:' gives a throwaway store. */
export function openDb(path: string): Db {
  let db: Db;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (err) {
    throw new StoreError(
      'store_open_failed',
      `cannot open the Yoke store at ${path}: ${(err as Error).message}`,
    );
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError(
      'store_corrupt',
      `the Yoke store at ${path} is unusable: ${(err as Error).message}`,
    );
  }
  return db;
}

/**
 * Runs a write on `db`; SQLite's failures (a full disk, a read-only file, I/O errors) become
 * one StoreError naming the store. SQLite rolls the statement back, so nothing is written half.
 */
export function writing<T>(db: Db, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('SQLITE_')) throw err;
    throw new StoreError(
      'store_write_failed',
      `cannot write the Yoke store ${db.name}: ${(err as Error).message}`,
    );
  }
}
