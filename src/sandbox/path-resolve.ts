// The file-system side of path decisions: where a write would really land once symlinks are
// followed. Kept apart from policy.ts so that the decision (canWrite) stays a pure function of
// two strings, and this file is the only one that asks the disk.
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** Symlink hops before giving up (the kernel's own limit is 40). */
const MAX_LINKS = 40;

/**
 * The absolute path a write to `path` would reach: every existing ancestor with its symlinks
 * resolved, then the components that do not exist yet. A dangling symlink is followed to its
 * target, because writing through it creates the target — `ws/evil -> /etc/x` lands in /etc.
 */
export function realpathForWrite(path: string, cwd = process.cwd(), depth = 0): string {
  const parts = resolveInput(path, cwd);
  let current = '/';
  let hops = 0;
  const pending = [...parts];
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      current = dirname(current);
      continue;
    }
    const next = join(current, part);
    const kind = linkKind(next);
    if (kind === 'missing') {
      const rest = pending.filter((p) => p !== '' && p !== '.');
      // Nothing below a missing directory exists, so the rest is taken as written — unless it
      // climbs back out with `..`: `mkdir -p` would fold that and land on an existing path,
      // maybe a symlink, so resolve the folded path again.
      if (rest.includes('..') && depth < MAX_LINKS)
        return realpathForWrite(resolve(next, ...rest), '/', depth + 1);
      return join(next, ...rest);
    }
    if (kind === 'link') {
      if (++hops > MAX_LINKS) return next; // a loop: the write fails with ELOOP anyway
      const target = readlinkSync(next);
      pending.unshift(...target.split('/'));
      current = isAbsolute(target) ? '/' : current;
      continue;
    }
    current = next;
  }
  return current;
}

/** realpath of a path that must exist (writable roots, the workspace). */
export function realpathExisting(path: string, cwd = process.cwd()): string {
  return realpathSync(resolve(cwd, path));
}

function resolveInput(path: string, cwd: string): string[] {
  // Not path.resolve: it would fold `link/..` lexically, which is not what the kernel does.
  const absolute = isAbsolute(path) ? path : `${cwd}/${path}`;
  return absolute.split('/');
}

function linkKind(path: string): 'missing' | 'link' | 'other' {
  try {
    return lstatSync(path).isSymbolicLink() ? 'link' : 'other';
  } catch {
    return 'missing';
  }
}

/**
 * Of `paths` (the .git/.yoke of each writable root), those that exist, as real paths. A symlink
 * is followed: its target is what must stay read-only — unless the target lies outside every
 * writable root, where it is read-only (or hidden) anyway and binding it could even fail.
 */
export function existingProtected(paths: readonly string[], roots: readonly string[]): string[] {
  const out = new Set<string>();
  for (const path of paths) {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      continue; // missing, or a dangling link
    }
    if (roots.some((root) => real === root || real.startsWith(`${root}/`))) out.add(real);
  }
  return [...out];
}

/** Of `paths` (unix sockets the policy lets commands reach), those that exist, as real paths. */
export function existingSockets(paths: readonly string[]): string[] {
  const out = new Set<string>();
  for (const path of paths) {
    try {
      out.add(realpathSync(path));
    } catch {
      // Not there (yet): nothing to bind.
    }
  }
  return [...out];
}
