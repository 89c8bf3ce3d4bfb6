// The mounts bwrap makes over its read-only view of `/`: the writable roots, their read-only
// .git/.yoke, the hidden paths (an empty tmpfs over a directory, /dev/null over a file), the
// holes punched back into them, and the host unix sockets the policy lists. Every mount is
// placed by depth, parents first, so the deepest rule wins: a workspace inside a hidden
// directory is bound back in, and a hidden path inside the workspace is covered again.
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { depthOf, isWithin, readable, type ReadRules } from './read-rules.ts';

/** A hidden path as found on disk (real path). */
export type HiddenPath = { path: string; dir: boolean };

export type MountPlan = {
  /** Writable roots (real paths). */
  roots: readonly string[];
  /** .git/.yoke of the roots, bound read-only (`-try`: skipped when missing). */
  protectedPaths: readonly string[];
  /** Hidden paths that exist. */
  hidden: readonly HiddenPath[];
  /** Paths bound back read-only over a hidden one (`-try`). */
  holes: readonly string[];
  /** Host unix sockets the policy lets commands reach, bound in even under /run (`-try`). */
  sockets?: readonly string[];
};

/** Host directories replaced by an empty tmpfs inside the sandbox. */
export const HIDDEN_DIRS: readonly string[] = ['/tmp', '/run'];

type Mount = { path: string; rank: number; args: string[] };

/** bwrap arguments for the plan, in the order bwrap must apply them. Pure. */
export function mountArgs(plan: MountPlan): string[] {
  const hidden = neededHidden(plan);
  // A hole that a writable root already brings back needs no read-only bind (it would cover
  // the root's writable one).
  const hiddenPaths = hidden.map((h) => h.path);
  const holes = plan.holes.filter(
    (hole) =>
      !readable(
        { denied: hiddenPaths, allowed: plan.holes.filter((h) => h !== hole) },
        plan.roots,
        hole,
      ),
  );
  const mounts: Mount[] = [
    ...plan.roots.map((root) => ({ path: root, rank: 0, args: ['--bind', root, root] })),
    // `-try`: a .git that does not exist is skipped (bwrap would otherwise create it on the
    // host as a mount point).
    ...plan.protectedPaths.map((path) => ({
      path,
      rank: 1,
      args: ['--ro-bind-try', path, path],
    })),
    ...[...holes, ...(plan.sockets ?? [])].map((path) => ({
      path,
      rank: 2,
      args: ['--ro-bind-try', path, path],
    })),
    // Last on a tie: ~/.yoke is both a root's protected .yoke and hidden, and hidden wins.
    // Plain binds are `nodev`, so /dev/null goes in with --dev-bind: it reads as empty.
    ...hidden.map(({ path, dir }) => ({
      path,
      rank: 3,
      args: dir ? ['--tmpfs', path] : ['--dev-bind', '/dev/null', path],
    })),
  ];
  mounts.sort(
    (a, b) => depthOf(a.path) - depthOf(b.path) || a.rank - b.rank || a.path.localeCompare(b.path),
  );
  // A hidden directory's tmpfs stays writable until every mount point inside it is made.
  const readOnly = hidden.filter((h) => h.dir).flatMap((h) => ['--remount-ro', h.path]);
  return [...mounts.flatMap((m) => m.args), ...readOnly];
}

/**
 * The hidden paths that change anything: not a writable root itself, not inside /tmp or /run
 * (already fresh) unless a root brings it back, and not inside another hidden path with
 * nothing visible in between.
 */
function neededHidden(plan: MountPlan): HiddenPath[] {
  const all = plan.hidden.map((h) => h.path);
  return plan.hidden.filter(({ path }) => {
    if (plan.roots.includes(path)) return false;
    const inRoot = plan.roots.some((root) => isWithin(path, root));
    if (!inRoot && HIDDEN_DIRS.some((dir) => isWithin(path, dir))) return false;
    const others = { denied: all.filter((p) => p !== path), allowed: [...plan.holes] };
    return readable(others, plan.roots, path);
  });
}

/**
 * The hidden paths of `rules` that exist now, as real paths (a symlinked ~/.ssh hides its
 * target), and the holes that lie inside one of them. Reads the disk: called at every command,
 * so that a credential file created since the last one is hidden too.
 */
export function findHidden(rules: ReadRules): { hidden: HiddenPath[]; holes: string[] } {
  const hidden: HiddenPath[] = [];
  for (const path of rules.denied) {
    const found = lookUp(path);
    if (found) hidden.push(found);
  }
  const holes: string[] = [];
  for (const path of rules.allowed) {
    const found = lookUp(path);
    if (found && hidden.some((h) => h.path !== found.path && isWithin(found.path, h.path)))
      holes.push(found.path);
  }
  return { hidden, holes };
}

function lookUp(path: string): HiddenPath | null {
  try {
    lstatSync(path);
    const real = realpathSync(path);
    return { path: real, dir: statSync(real).isDirectory() };
  } catch {
    return null; // missing, or a dangling link: nothing to hide
  }
}
