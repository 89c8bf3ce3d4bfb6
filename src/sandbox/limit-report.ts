// Saying which sandbox limit ended a command, so that the model reads "killed: memory limit
// 2 GiB" instead of guessing from a bare exit status. A cgroup's OOM count is exact; the
// rlimits leave only the command's own words and its status, read conservatively.
import type { ProcessOutcome } from './process-runner.ts';

export type LimitFacts = {
  /** The memory limit and how it is enforced. */
  memory: { bytes: number; kind: 'cgroup' | 'rlimit' };
  /** The OOM killer struck in the command's memory cgroup. */
  oomKilled: boolean;
  fileSizeBytes: number;
  /** RLIMIT_NPROC or pids.max; null when nothing bounds the count. */
  processes: number | null;
};

/** SIGXFSZ is 25 on Linux; a shell reports a child killed by it as 128 + 25. */
const XFSZ_STATUS = 153;
const NO_MEMORY =
  /cannot allocate|out of memory|memory exhausted|MemoryError|std::bad_alloc|failed to allocate|allocation failed/i;
const NO_FORK = /fork: (retry: )?Resource temporarily unavailable|Cannot fork/;

/** The limit that most likely ended the command, as the model should read it; null if none. */
export function limitHit(outcome: ProcessOutcome, facts: LimitFacts): string | null {
  if (outcome.spawnError || outcome.aborted) return null;
  const failed = outcome.exitCode !== 0;
  if (facts.oomKilled)
    return `killed: memory limit ${formatBytes(facts.memory.bytes)} (sandbox_limits.memory_mb)`;
  if (
    outcome.signal === 'SIGXFSZ' ||
    outcome.exitCode === XFSZ_STATUS ||
    (failed && /File size limit exceeded|File too large/.test(outcome.output))
  )
    return `file size limit ${formatBytes(facts.fileSizeBytes)} reached: a write past it failed or was killed (sandbox_limits.file_size_mb)`;
  if (failed && facts.memory.kind === 'rlimit' && NO_MEMORY.test(outcome.output))
    return `memory limit ${formatBytes(facts.memory.bytes)} per process reached, most likely: an allocation failed (sandbox_limits.memory_mb)`;
  if (failed && facts.processes !== null && NO_FORK.test(outcome.output))
    return `process limit ${facts.processes} reached: a fork failed (sandbox_limits.processes)`;
  return null;
}

/** 2147483648 → "2 GiB", 268435456 → "256 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}
