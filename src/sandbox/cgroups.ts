// Per-command cgroups, for bounds the kernel enforces on a whole process tree: the number of
// processes (pids) and memory. Used when Yoke runs as root, where RLIMIT_NPROC does not apply
// and a cgroup can be made; the command enters its cgroup before bwrap starts, and inside the
// sandbox /sys is read-only and there are no capabilities, so it cannot leave.
//
// cgroup v1 keeps each controller in its own hierarchy (/sys/fs/cgroup/pids/…,
// /sys/fs/cgroup/memory/…); v2 has one (/sys/fs/cgroup/…), where a child gets a controller only
// if its parent's cgroup.subtree_control enables it.
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Controller = 'pids' | 'memory';

/** The directories of this process's own cgroup where `controller` can be used: v1, then v2. */
export function controllerDirs(controller: Controller): string[] {
  let lines: string[];
  try {
    lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of lines) {
    const [, controllers, path] = line.split(':');
    if (path === undefined) continue;
    if (controllers!.split(',').includes(controller))
      out.push(join('/sys/fs/cgroup', controller, path));
  }
  for (const line of lines) {
    if (!line.startsWith('0::')) continue;
    const path = line.slice(3);
    for (const mount of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
      const dir = join(mount, path);
      if (v2Delegated(dir, controller, path === '/')) out.push(dir);
    }
  }
  return out;
}

/** v2: child cgroups of `dir` get `controller` only if its subtree_control enables it. */
function v2Delegated(dir: string, controller: Controller, hierarchyRoot: boolean): boolean {
  try {
    if (!readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes(controller))
      return false;
    const control = join(dir, 'cgroup.subtree_control');
    if (readFileSync(control, 'utf8').split(/\s+/).includes(controller)) return true;
    // Enabling it is only possible at the root of the hierarchy (elsewhere processes live in
    // `dir` itself); touch nothing else of the host's cgroup set-up.
    if (!hierarchyRoot) return false;
    writeFileSync(control, `+${controller}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first of `controllerDirs(controller)` where a child cgroup can be made and `file` written
 * (`value`); sweeps cgroups a dead Yoke process left there. Reasons for the ones that failed.
 */
export function usableParent(
  controller: Controller,
  file: string,
  value: string,
): { parent: string } | { reasons: string[] } {
  const reasons: string[] = [];
  for (const parent of controllerDirs(controller)) {
    try {
      sweepStale(parent);
      const probe = join(parent, `yoke-sbx-${process.pid}-probe`);
      mkdirSync(probe, { recursive: true });
      try {
        writeFileSync(join(probe, file), value);
      } finally {
        rmdirSync(probe);
      }
      return { parent };
    } catch (err) {
      reasons.push(`${parent}: ${(err as Error).message}`);
    }
  }
  return { reasons };
}

/** Removes empty cgroups that an earlier Yoke process (now gone) left behind. */
function sweepStale(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const owner = /^yoke-sbx-(\d+)-/.exec(name);
    if (!owner || alive(Number(owner[1]))) continue;
    try {
      rmdirSync(join(parent, name));
    } catch {
      // Not empty yet, or already gone.
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let nextCgroup = 1;

/** One cgroup to make: under `parent`, with `files` written (e.g. pids.max). */
export type CgroupSpec = { parent: string; files: Record<string, string> };

export type CgroupLease = {
  /** argv prefix (run on the host) that moves the command into the cgroups, then execs. */
  prefix: string[];
  /** The cgroups' name, the same under every parent. */
  id: string;
  /** Kills anything left in the cgroups and removes them. */
  release: () => Promise<void>;
};

/** Fresh cgroups for one command (one per distinct parent). Throws if one cannot be made. */
export function leaseCgroups(specs: readonly CgroupSpec[]): CgroupLease {
  const id = `yoke-sbx-${process.pid}-${nextCgroup++}`;
  const byParent = new Map<string, Record<string, string>>();
  for (const spec of specs)
    byParent.set(spec.parent, { ...byParent.get(spec.parent), ...spec.files });
  const dirs: string[] = [];
  try {
    for (const [parent, files] of byParent) {
      const dir = join(parent, id);
      mkdirSync(dir);
      dirs.push(dir);
      for (const [file, value] of Object.entries(files)) writeFileSync(join(dir, file), value);
    }
  } catch (err) {
    for (const dir of dirs) rmdirSync(dir);
    throw err;
  }
  const procs = dirs.map((dir) => join(dir, 'cgroup.procs'));
  return {
    // The shell writes its own pid into every cgroup, so everything it execs and forks is
    // counted; if it cannot enter one it stops there, and the command never runs unbounded.
    prefix: [
      '/bin/sh',
      '-c',
      'n=$0; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 126; shift; n=$((n - 1)); done; exec "$@"',
      String(procs.length),
      ...procs,
    ],
    id,
    release: () => Promise.all(dirs.map(removeCgroup)).then(() => undefined),
  };
}

async function removeCgroup(dir: string): Promise<void> {
  // bwrap's pid 1 took the namespace down with it; whatever is still listed is on its way out.
  // There is no event for "cgroup empty" here, so poll briefly (bounded), then give up: an
  // empty cgroup left behind is swept by the next Yoke process.
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    }
    killAll(dir);
    // unref: a cgroup being tidied away must not keep Yoke running.
    await new Promise((resolve) => setTimeout(resolve, 10).unref());
  }
}

function killAll(dir: string): void {
  let pids: string[];
  try {
    pids = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** How many times the kernel's OOM killer struck in the memory cgroup `dir` (v2 or v1). */
export function oomKills(dir: string): number {
  for (const file of ['memory.events', 'memory.oom_control']) {
    try {
      const m = /^oom_kill (\d+)$/m.exec(readFileSync(join(dir, file), 'utf8'));
      if (m) return Number(m[1]);
    } catch {
      // Not this version's file.
    }
  }
  return 0;
}
