// Bounds on what one sandboxed command may use: processes, memory and the size of a file it
// writes. What bounds them depends on who runs Yoke (measured on Linux 6.x, bwrap 0.8):
// - processes: not root → RLIMIT_NPROC, set inside the sandbox. bwrap gives the command its own
//   user namespace, and since Linux 5.14 the count is kept per (user namespace, uid): the limit
//   counts the sandbox's own processes. Root → the kernel ignores RLIMIT_NPROC for uid 0 (also
//   inside a user namespace), so a pids cgroup per command bounds it (cgroups.ts). Neither →
//   nothing bounds the count; the timeout still kills the whole tree.
// - memory: root with a memory cgroup → the cgroup's limit, for the whole tree; the kernel kills
//   the command when it is passed, and the result says so. Otherwise → RLIMIT_DATA for each
//   process: private writable memory (heap, anonymous maps), not reserved address space (which
//   JVMs, V8 and Chromium take in gigabytes and RLIMIT_AS would count).
// - file size: RLIMIT_FSIZE, everywhere.
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { usableParent } from './cgroups.ts';

export type ProcessLimit =
  | { kind: 'rlimit'; max: number; wrapper: string[] }
  | { kind: 'cgroup'; max: number; parent: string }
  | { kind: 'none'; reason: string };

export type MemoryLimit =
  { kind: 'cgroup'; bytes: number; parent: string } | { kind: 'rlimit'; bytes: number };

export type SandboxLimits = {
  /** Processes (threads count) one command may have at once. */
  processes: number;
  /** Memory of one command (cgroup: its whole tree; RLIMIT_DATA: each process). */
  memoryBytes: number;
  /** The largest file one command may write. */
  fileSizeBytes: number;
};

export const DEFAULT_MAX_PROCESSES = 1024;
const MIB = 1024 * 1024;

/** Processes 1024; memory half of this machine's; files up to 4 GiB. */
export function defaultLimits(): SandboxLimits {
  return {
    processes: DEFAULT_MAX_PROCESSES,
    memoryBytes: Math.floor(totalmem() / 2 / MIB) * MIB,
    fileSizeBytes: 4 * 1024 * MIB,
  };
}

const cache = new Map<string, ProcessLimit | MemoryLimit>();
const root = () => process.geteuid?.() === 0;

/** How this process can bound a sandboxed command to `max` processes (probed once). */
export function probeProcessLimit(max = DEFAULT_MAX_PROCESSES): ProcessLimit {
  const key = `pids:${root()}:${max}`;
  let limit = cache.get(key) as ProcessLimit | undefined;
  if (!limit) {
    limit = root() ? pidsCgroup(max) : { kind: 'rlimit', max, wrapper: rlimitWrapper({ max }) };
    cache.set(key, limit);
  }
  return limit;
}

/** How this process can bound a sandboxed command's memory to `bytes` (probed once). */
export function probeMemoryLimit(bytes: number): MemoryLimit {
  const key = `memory:${root()}:${bytes}`;
  let limit = cache.get(key) as MemoryLimit | undefined;
  if (!limit) {
    limit = { kind: 'rlimit', bytes };
    if (root()) {
      for (const file of ['memory.max', 'memory.limit_in_bytes']) {
        const found = usableParent('memory', file, String(bytes));
        if ('parent' in found) {
          limit = { kind: 'cgroup', bytes, parent: found.parent };
          break;
        }
      }
    }
    cache.set(key, limit);
  }
  return limit;
}

function pidsCgroup(max: number): ProcessLimit {
  const found = usableParent('pids', 'pids.max', String(max));
  if ('parent' in found) return { kind: 'cgroup', max, parent: found.parent };
  return {
    kind: 'none',
    reason: `running as root, RLIMIT_NPROC does not apply and no pids cgroup is writable${
      found.reasons.length ? ` (${found.reasons.join('; ')})` : ''
    }`,
  };
}

/** The files a cgroup needs for `limit` (memory.max on v2, memory.limit_in_bytes on v1). */
export function memoryCgroupFiles(limit: Extract<MemoryLimit, { kind: 'cgroup' }>) {
  const v1 = limit.parent.startsWith('/sys/fs/cgroup/memory');
  return { [v1 ? 'memory.limit_in_bytes' : 'memory.max']: String(limit.bytes) };
}

/**
 * argv prefix, run inside the sandbox, that sets RLIMIT_NPROC (when `max`), RLIMIT_DATA (when
 * `data`) and RLIMIT_FSIZE (when `fsize`), soft and hard, then execs: the fallback when
 * yoke-sandbox-exec was not built.
 */
export function rlimitWrapper(
  limits: { max?: number; data?: number; fsize?: number },
  prlimit = findPrlimit(),
): string[] {
  const { max, data, fsize } = limits;
  if (prlimit)
    return [
      prlimit,
      ...(max !== undefined ? [`--nproc=${max}`] : []),
      ...(data !== undefined ? [`--data=${data}`] : []),
      ...(fsize !== undefined ? [`--fsize=${fsize}`] : []),
      '--',
    ];
  // bash's ulimit sets both limits too (-d and -f count KiB); the numbers come in as arguments
  // so that nothing is interpolated into the script.
  return [
    'bash',
    '-c',
    'for l in "$0" "$1" "$2"; do [ "$l" = - ] || ulimit $l || exit 126; done; exec "$@"',
    max !== undefined ? `-u ${max}` : '-',
    data !== undefined ? `-d ${Math.floor(data / 1024)}` : '-',
    fsize !== undefined ? `-f ${Math.floor(fsize / 1024)}` : '-',
  ];
}

function findPrlimit(): string | null {
  return ['/usr/bin/prlimit', '/bin/prlimit'].find((path) => existsSync(path)) ?? null;
}
