// Bounding the number of processes a sandboxed command may have, so a fork bomb stays small.
//
// What works depends on who runs Yoke (measured on Linux 6.18, bwrap 0.8):
// - not root: RLIMIT_NPROC, set inside the sandbox. bwrap gives the command its own user
//   namespace, and since Linux 5.14 the count is kept per (user namespace, uid): the limit
//   counts the sandbox's own processes, not every process of the user on the machine.
// - root: the kernel ignores RLIMIT_NPROC for uid 0 (also inside a user namespace, where the
//   uid still maps to 0). A pids cgroup is what bounds it: a child cgroup per command with
//   `pids.max`, which the command enters before bwrap starts. /sys is read-only in the sandbox
//   and the command has no capabilities, so it cannot leave.
// - neither available: nothing bounds the count; the timeout still kills the whole tree.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

export type ProcessLimit =
  | { kind: 'rlimit'; max: number; wrapper: string[] }
  | { kind: 'cgroup'; max: number; parent: string }
  | { kind: 'none'; reason: string };

export const DEFAULT_MAX_PROCESSES = 1024;

const cache = new Map<string, ProcessLimit>();

/** How this process can bound a sandboxed command to `max` processes (probed once). */
export function probeProcessLimit(max = DEFAULT_MAX_PROCESSES): ProcessLimit {
  const root = process.geteuid?.() === 0;
  const key = `${root}:${max}`;
  let limit = cache.get(key);
  if (!limit) {
    limit = root ? cgroupLimit(max) : { kind: 'rlimit', max, wrapper: rlimitWrapper(max) };
    cache.set(key, limit);
  }
  return limit;
}

/** argv prefix, run inside the sandbox, that sets RLIMIT_NPROC (soft and hard) then execs. */
export function rlimitWrapper(max: number, prlimit = findPrlimit()): string[] {
  if (prlimit) return [prlimit, `--nproc=${max}`, '--'];
  // bash's ulimit sets both limits too; "$0" carries the number so nothing is interpolated.
  return ['bash', '-c', 'ulimit -u "$0" && exec "$@"', String(max)];
}

function findPrlimit(): string | null {
  return ['/usr/bin/prlimit', '/bin/prlimit'].find((path) => existsSync(path)) ?? null;
}

function cgroupLimit(max: number): ProcessLimit {
  const reasons: string[] = [];
  for (const parent of cgroupCandidates()) {
    try {
      sweepStale(parent);
      const probe = join(parent, `yoke-sbx-${process.pid}-probe`);
      mkdirSync(probe, { recursive: true });
      try {
        writeFileSync(join(probe, 'pids.max'), String(max));
      } finally {
        rmdirSync(probe);
      }
      return { kind: 'cgroup', max, parent };
    } catch (err) {
      reasons.push(`${parent}: ${(err as Error).message}`);
    }
  }
  return {
    kind: 'none',
    reason: `running as root, RLIMIT_NPROC does not apply and no pids cgroup is writable${
      reasons.length ? ` (${reasons.join('; ')})` : ''
    }`,
  };
}

/** The pids controller directories of this process's own cgroup: v1, then v2. */
function cgroupCandidates(): string[] {
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
    if (controllers!.split(',').includes('pids')) out.push(join('/sys/fs/cgroup/pids', path));
  }
  for (const line of lines) {
    if (!line.startsWith('0::')) continue;
    const path = line.slice(3);
    for (const mount of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
      const dir = join(mount, path);
      if (v2PidsDelegated(dir, path === '/')) out.push(dir);
    }
  }
  return out;
}

/** v2: child cgroups of `dir` get a pids controller only if its subtree_control enables it. */
function v2PidsDelegated(dir: string, hierarchyRoot: boolean): boolean {
  try {
    if (!readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('pids'))
      return false;
    const control = join(dir, 'cgroup.subtree_control');
    if (readFileSync(control, 'utf8').split(/\s+/).includes('pids')) return true;
    // Enabling it is only possible at the root of the hierarchy (elsewhere processes live in
    // `dir` itself); touch nothing else of the host's cgroup set-up.
    if (!hierarchyRoot) return false;
    writeFileSync(control, '+pids');
    return true;
  } catch {
    return false;
  }
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

export type CgroupLease = {
  /** argv prefix (run on the host) that moves the command into the cgroup, then execs. */
  prefix: string[];
  /** Kills anything left in the cgroup and removes it. */
  release: () => Promise<void>;
};

/** A fresh cgroup with `pids.max` for one command. Throws if it cannot be made. */
export function leaseCgroup(limit: Extract<ProcessLimit, { kind: 'cgroup' }>): CgroupLease {
  const dir = join(limit.parent, `yoke-sbx-${process.pid}-${nextCgroup++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'pids.max'), String(limit.max));
  return {
    // The shell writes its own pid, so everything it execs and forks is counted; if it cannot
    // enter the cgroup it stops there (`&&`), and the command never runs unbounded.
    prefix: ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs')],
    release: () => removeCgroup(dir),
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
