// YOKE_HOME (default ~/.yoke) holds every thread, the bearer tokens and the exec-policy rules: only its owner may
// read it. It is created 0700, and at every start an existing home, its subfolders and the files
// in them lose every group/other permission (a warning says what changed). The checkouts under
// worktrees/ keep their modes: the 0700 folder around them already closes them to others.
//
// Not a process-wide umask: commands the agent runs, and the git checkouts of tasks, inherit
// the umask, and would leave 0600 files in the user's own repositories.
import { chmodSync, lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/** Folders whose contents are repositories, not Yoke's own files. */
const CHECKOUTS = new Set(['worktrees']);

export function yokeHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.YOKE_HOME || join(homedir(), '.yoke'));
}

/** Creates `home` 0700 if it is missing. */
export function createHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
}

/** The paths in `home` (itself included) that group or other users may access. */
export function homePermissionProblems(home: string): string[] {
  const open: string[] = [];
  walk(home, (path, s) => open.push(`${path} (${(s.mode & 0o777).toString(8)})`));
  return open;
}

/**
 * Takes group/other permissions away from `home` and what it holds (not following links);
 * a missing home is left alone. Answers the warnings to show: what was changed, and what could
 * not be (not ours).
 */
export function secureHome(home: string): string[] {
  const fixed: string[] = [];
  const failed: string[] = [];
  walk(home, (path, s) => {
    try {
      chmodSync(path, s.mode & 0o700);
      fixed.push(`${path} (was ${(s.mode & 0o777).toString(8)})`);
    } catch {
      failed.push(path);
    }
  });
  const warnings: string[] = [];
  const some = (paths: string[]) =>
    `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ` and ${paths.length - 3} more` : ''}`;
  if (fixed.length > 0)
    warnings.push(`other users could read Yoke's files; made them private to you: ${some(fixed)}`);
  if (failed.length > 0)
    warnings.push(`other users can read ${some(failed)} (not yours?); fix with chmod -R go-rwx`);
  return warnings;
}

/** Calls `open` for every path under `home` with group/other permission bits. */
function walk(home: string, open: (path: string, stat: Stats) => void): void {
  const visit = (path: string) => {
    let s: Stats;
    try {
      s = lstatSync(path);
    } catch {
      return; // missing, or gone while we looked
    }
    if (s.isSymbolicLink()) return;
    if ((s.mode & 0o077) !== 0) open(path, s);
    if (!s.isDirectory() || CHECKOUTS.has(relative(home, path))) return;
    let names: string[] = [];
    try {
      names = readdirSync(path);
    } catch {
      // unreadable: reported by its mode above when that is the cause
    }
    for (const name of names) visit(join(path, name));
  };
  visit(home);
}
