// Backups of the store: SQLite's online backup API copies a live store page by page (other
// Yoke processes may keep writing meanwhile), and a restore puts a checked backup in place,
// keeping the store it replaces beside it.
import type Database from 'better-sqlite3';
import { chmodSync, copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { openDb, StoreError } from './db.ts';
import { checkIntegrity, fileProblem } from './store-health.ts';
import { LATEST_VERSION } from './migrations.ts';
import { openSqlite } from './sqlite.ts';

export type StoreSummary = { threads: number; tasks: number; bytes: number };

/** Copies the store at `storePath` to `file` (which must not exist); answers what it holds. */
export async function backupStore(storePath: string, file: string): Promise<StoreSummary> {
  if (!existsSync(storePath))
    throw new StoreError('store_open_failed', `there is no store at ${storePath} to back up`);
  if (existsSync(file))
    throw new StoreError('store_open_failed', `${file} exists; choose a new file for the backup`);
  const db = openDb(storePath);
  try {
    await db.backup(file);
  } catch (err) {
    rmSync(file, { force: true });
    throw new StoreError(
      'store_open_failed',
      `backup to ${file} failed: ${(err as Error).message}`,
    );
  } finally {
    db.close();
  }
  chmodSync(file, 0o600);
  return checkBackup(file);
}

/** Opens `file` read-only and answers what it holds; throws when it is not a sound Yoke store. */
export function checkBackup(file: string): StoreSummary {
  const problem = fileProblem(file);
  if (problem) throw new StoreError('store_corrupt', `${file}: ${problem}`);
  if (!existsSync(file)) throw new StoreError('store_open_failed', `${file} does not exist`);
  let db: Database.Database;
  try {
    db = openSqlite(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new StoreError('store_corrupt', `${file}: ${(err as Error).message}`);
  }
  try {
    const damage = checkIntegrity(db, true);
    if (damage) throw new StoreError('store_corrupt', `${file}: ${damage}`);
    const version = Number(db.pragma('user_version', { simple: true }));
    if (version < 1) throw new StoreError('store_corrupt', `${file} is not a Yoke store`);
    if (version > LATEST_VERSION)
      throw new StoreError(
        'store_too_new',
        `${file} was written by a newer Yoke (schema ${version}, this one knows ${LATEST_VERSION})`,
      );
    const count = (table: string) =>
      Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);
    return { threads: count('threads'), tasks: count('tasks'), bytes: statSync(file).size };
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError('store_corrupt', `${file}: ${(err as Error).message}`);
  } finally {
    db.close();
  }
}

/**
 * Puts the backup `file` in place of the store at `storePath` (no Yoke process may have it
 * open). The store it replaces, with its -wal and -shm, moves to `<store>.before-restore-<time>`;
 * answers that path (null when there was none) and what the restored store holds.
 */
export function restoreStore(
  storePath: string,
  file: string,
): { previous: string | null; summary: StoreSummary } {
  const summary = checkBackup(file);
  let previous: string | null = null;
  if (existsSync(storePath)) {
    previous = `${storePath}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of ['-wal', '-shm'])
      if (existsSync(storePath + suffix)) renameSync(storePath + suffix, previous + suffix);
    renameSync(storePath, previous);
  }
  const temp = `${storePath}.restoring`;
  copyFileSync(file, temp);
  chmodSync(temp, 0o600);
  renameSync(temp, storePath);
  return { previous, summary };
}
