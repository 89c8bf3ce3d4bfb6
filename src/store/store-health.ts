// Is the store file whole? Checked before and right after SQLite opens it, so that a damaged
// store is one clear error — what is wrong, where, how to recover — and never a fresh start
// over it. Yoke never leaves an empty yoke.db behind (SQLite writes the schema as soon as it
// creates one), so an empty file is a store that lost its data.
import { copyFileSync, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import type { Db } from './db.ts';

const MAGIC = 'SQLite format 3\0';

/** What is wrong with the file at `path` before SQLite reads it, or null (fine, or missing). */
export function fileProblem(path: string): string | null {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return null; // missing: a new store
  }
  if (size === 0) return 'the file is empty (0 bytes): it was truncated';
  const header = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 100 || header.toString('latin1', 0, 16) !== MAGIC)
    return `the file does not start with an SQLite header (${size} bytes)`;
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0)
    return `the header names an impossible page size (${raw})`;
  // The page count in the header is valid when its "version-valid-for" matches the change
  // counter. A WAL may hold pages past it; the file itself never has fewer.
  const pages = header.readUInt32BE(28);
  const valid = header.readUInt32BE(92) === header.readUInt32BE(24);
  if (valid && size < pages * pageSize)
    return `the file is cut short: ${size} bytes of the ${pages * pageSize} its header says`;
  return null;
}

/** `PRAGMA quick_check` (or the full `integrity_check`): null when fine, else what it found. */
export function checkIntegrity(db: Db, full = false): string | null {
  const pragma = full ? 'integrity_check' : 'quick_check';
  let lines: string[];
  try {
    const rows = db.pragma(`${pragma}(20)`) as Record<string, string>[];
    lines = rows.map((row) => String(Object.values(row)[0] ?? ''));
  } catch (err) {
    return `${pragma} failed: ${(err as Error).message}`;
  }
  if (lines.length === 1 && lines[0] === 'ok') return null;
  const more = lines.length > 3 ? ` (+${lines.length - 3} more)` : '';
  return `${pragma} found damage: ${lines.slice(0, 3).join('; ')}${more}`;
}

/**
 * Keeps a copy of a damaged store (and its -wal/-shm) beside it, named after the damaged
 * file's modification time, so repeated starts keep one copy. Answers the copy's path, or
 * null when it could not be made.
 */
export function keepDamagedCopy(path: string): string | null {
  try {
    const stamp = new Date(statSync(path).mtimeMs).toISOString().replace(/[:.]/g, '-');
    const copy = `${path}.damaged-${stamp}`;
    if (!existsSync(copy)) {
      for (const suffix of ['-wal', '-shm'])
        if (existsSync(path + suffix)) copyFileSync(path + suffix, copy + suffix);
      copyFileSync(path, copy);
    }
    return copy;
  } catch {
    return null;
  }
}

/** The one line a damaged store is reported with. */
export function damagedMessage(path: string, problem: string, copy: string | null): string {
  const kept = copy ? ` A copy of it is kept at ${copy}.` : '';
  return (
    `the Yoke store ${path} is damaged: ${problem}.${kept} To recover, restore a backup ` +
    `(yoke backup --restore FILE), or move it away to start an empty store ` +
    `(mv ${path} ${path}.old); \`yoke doctor\` checks it again.`
  );
}
