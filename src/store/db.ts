// Opening the SQLite database under YOKE_HOME, with WAL and the schema migrated. A store on
// disk is checked first (store-health.ts): a damaged one is a `store_damaged` error that says
// what, where and how to recover — never a fresh start over it.
import type Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrations.ts';
import { checkIntegrity, damagedMessage, fileProblem, keepDamagedCopy } from './store-health.ts';
import { openSqlite } from './sqlite.ts';

export type Db = Database.Database;

export class StoreError extends Error {
  constructor(
    readonly code:
      | 'store_open_failed'
      | 'store_corrupt'
      | 'store_damaged'
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

/**
 * Opens (creating if needed) the database at `path`; ':memory:' gives a throwaway store. A new
 * file is made readable by its owner only; an existing one must pass `PRAGMA quick_check`.
 */
export function openDb(path: string): Db {
  const onDisk = path !== ':memory:';
  const existed = onDisk && existsSync(path);
  if (existed) {
    const problem = fileProblem(path);
    if (problem) throw damaged(path, problem);
  }
  let db: Db;
  try {
    if (onDisk) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    db = openSqlite(path);
    if (onDisk && !existed) chmodSync(path, 0o600);
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
    const damage = existed ? checkIntegrity(db) : null;
    if (damage) throw damaged(path, damage);
    migrate(db);
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    const code = (err as { code?: string }).code ?? '';
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) throw damaged(path, (err as Error).message);
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

function damaged(path: string, problem: string): StoreError {
  return new StoreError('store_damaged', damagedMessage(path, problem, keepDamagedCopy(path)));
}
