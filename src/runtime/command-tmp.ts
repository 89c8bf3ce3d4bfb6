// The private temp dirs of sandboxed commands (TMPDIR inside the sandbox): one per loaded
// thread, one per task command. Each is named after the process that made it — its pid and
// start time — so that a later Yoke can tell a leftover of a dead process (removed at start)
// from one still in use (kept), even after the pid was reused.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'yoke-cmd-';
/** Dirs of the old, ownerless naming (yoke-cmd-XXXXXX) are removed once this old. */
const LEGACY_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/** A fresh private temp dir for commands, owned by this process. */
export function makeCommandTmp(parent = tmpdir()): string {
  return mkdtempSync(join(parent, `${PREFIX}${process.pid}.${startTime(process.pid) ?? 0}-`));
}

/** Removes a command temp dir and everything in it (missing is fine). */
export function removeCommandTmp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Who a command temp dir belongs to: a live process, a dead one, or nobody (old naming). */
export type TmpOwner = 'live' | 'dead' | 'unnamed';

/** The command temp dirs under `parent` (names), each with whose it is. */
export function listCommandTmp(parent = tmpdir()): { name: string; owner: TmpOwner }[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(PREFIX))
    .map((name) => {
      const owner = /^yoke-cmd-(\d+)\.(\d+)-/.exec(name);
      if (!owner) return { name, owner: 'unnamed' as const };
      const pid = Number(owner[1]);
      const live = pid === process.pid || sameProcess(pid, owner[2]!);
      return { name, owner: live ? ('live' as const) : ('dead' as const) };
    });
}

let swept = false;

/** sweepCommandTmp(), once per process (a process may make many thread managers). */
export function sweepCommandTmpOnce(): void {
  if (swept) return;
  swept = true;
  sweepCommandTmp();
}

/**
 * Removes the command temp dirs under `parent` whose owning process is gone; old-style dirs
 * without an owner once they are a week old. Returns how many were removed.
 */
export function sweepCommandTmp(parent = tmpdir(), now = Date.now()): number {
  let removed = 0;
  for (const { name, owner } of listCommandTmp(parent)) {
    if (owner === 'live') continue;
    const dir = join(parent, name);
    if (owner === 'unnamed') {
      try {
        if (now - statSync(dir).mtimeMs <= LEGACY_AGE_MS) continue;
      } catch {
        continue;
      }
    }
    try {
      rmSync(dir, { recursive: true, force: true });
      removed++;
    } catch {
      // Another user's (the sticky /tmp keeps it theirs), or gone meanwhile.
    }
  }
  return removed;
}

/** Is `pid` alive and the process that started at `start` (0: start unknown)? */
function sameProcess(pid: number, start: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime(pid);
  return start === '0' || now === null || now === start;
}

/** The start time of `pid` in clock ticks since boot (Linux), or null when unknown. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
