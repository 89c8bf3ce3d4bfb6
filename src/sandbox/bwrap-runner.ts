// Running commands under bwrap: each one gets the policy of the moment (its hidden paths and
// .git looked up on disk again), its cgroups when Yoke is root, and yoke-sandbox-exec inside
// (rlimits and the connect() supervisor). The command line itself is bwrap.ts's.
import { join } from 'node:path';
import { bwrapArgv, checkBwrap } from './bwrap.ts';
import { findHidden } from './bwrap-mounts.ts';
import { leaseCgroups, oomKills, type CgroupLease, type CgroupSpec } from './cgroups.ts';
import { commandEnv, type EnvPolicyConfig } from './env-policy.ts';
import { limitHit } from './limit-report.ts';
import { existingProtected, existingSockets } from './path-resolve.ts';
import { protectedPaths, type SandboxPolicy } from './policy.ts';
import {
  defaultLimits,
  memoryCgroupFiles,
  probeMemoryLimit,
  probeProcessLimit,
  rlimitWrapper,
  type MemoryLimit,
  type ProcessLimit,
} from './process-limit.ts';
import { notStarted, type ProcessOutcome, type ProcessRunner } from './process-runner.ts';
import { findSandboxExec, sandboxExecPrefix } from './sandbox-exec.ts';

export type BwrapRunnerOptions = {
  bwrapPath?: string;
  /** Which variables a command keeps (secrets are dropped by default). */
  envPolicy?: EnvPolicyConfig;
  /** The environment commands start from when a spec has none (default: process.env). */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Processes (threads count) one command may have at once. */
  maxProcesses?: number;
  /** Memory of one command (process-limit.ts says how it is counted). */
  memoryBytes?: number;
  /** The largest file one command may write. */
  fileSizeBytes?: number;
  /** yoke-sandbox-exec; undefined: looked up beside the bundle; null: do without it. */
  sandboxExec?: string | null;
};

export type BwrapRunner = ProcessRunner & {
  /** How the process count is bounded here (see process-limit.ts). */
  processLimit: () => ProcessLimit;
  /** How memory is bounded here. */
  memoryLimit: () => MemoryLimit;
  /** Whether host unix sockets are refused (yoke-sandbox-exec is there). */
  socketFilter: boolean;
};

/**
 * A runner that sandboxes every command with bwrap under the current policy (`policy` may be a
 * getter, read at each run). danger-full-access runs go straight to `base` (with the env
 * policy still applied). If bwrap is missing, the command does not run: its outcome carries a
 * spawnError with the install hint — never an unsandboxed fallback.
 */
export function createBwrapRunner(
  policy: SandboxPolicy | (() => SandboxPolicy),
  base: ProcessRunner,
  options: BwrapRunnerOptions = {},
): BwrapRunner {
  const current = typeof policy === 'function' ? policy : () => policy;
  const bwrapPath = options.bwrapPath ?? 'bwrap';
  const defaults = defaultLimits();
  const pids = () => probeProcessLimit(options.maxProcesses ?? defaults.processes);
  const memory = () => probeMemoryLimit(options.memoryBytes ?? defaults.memoryBytes);
  const fileSizeBytes = options.fileSizeBytes ?? defaults.fileSizeBytes;
  const helper = options.sandboxExec === undefined ? findSandboxExec() : options.sandboxExec;
  const root = process.geteuid?.() === 0;
  return {
    name: 'bwrap',
    processLimit: pids,
    memoryLimit: memory,
    socketFilter: helper !== null,
    async run(spec, opts) {
      const active = current();
      const source = spec.env ?? options.hostEnv ?? process.env;
      if (active.type === 'danger-full-access')
        return base.run({ ...spec, env: commandEnv(source, options.envPolicy).env }, opts);
      const status = checkBwrap(bwrapPath);
      if (!status.ok) return refused(status.message);
      const tmp = active.type === 'workspace-write' ? active.tmpDir : '/tmp';
      const env = commandEnv(source, options.envPolicy, tmp).env;
      const procs = pids();
      const mem = memory();
      const roots = active.type === 'workspace-write' ? active.writableRoots : [];
      const sockets = existingSockets(active.unixSockets ?? []);
      const rlimits = {
        ...(procs.kind === 'rlimit' ? { max: procs.max } : {}),
        ...(mem.kind === 'rlimit' ? { data: mem.bytes } : {}),
        fsize: fileSizeBytes,
      };
      const inner = helper
        ? sandboxExecPrefix({
            ...(rlimits.max !== undefined ? { processes: rlimits.max } : {}),
            ...(rlimits.data !== undefined ? { dataBytes: rlimits.data } : {}),
            fileSizeBytes,
            networkAccess: active.networkAccess,
            sockets,
          })
        : rlimitWrapper(rlimits);
      // Looked up at every run: a .git created by the previous command is protected from now,
      // a credential file created since is hidden.
      const { hidden, holes } = active.read ? findHidden(active.read) : { hidden: [], holes: [] };
      let argv = bwrapArgv(active, spec, {
        bwrapPath,
        unshareUser: !root,
        protectedPaths: existingProtected(protectedPaths(active), roots),
        hidden,
        holes,
        sockets,
        innerPrefix: inner,
        tmpBytes: mem.bytes,
        ...(helper ? { sandboxExec: helper } : {}),
      });
      const cgroups: CgroupSpec[] = [
        ...(procs.kind === 'cgroup'
          ? [{ parent: procs.parent, files: { 'pids.max': String(procs.max) } }]
          : []),
        ...(mem.kind === 'cgroup' ? [{ parent: mem.parent, files: memoryCgroupFiles(mem) }] : []),
      ];
      let lease: CgroupLease | null = null;
      if (cgroups.length) {
        try {
          lease = leaseCgroups(cgroups);
        } catch (err) {
          return refused(`could not create the command's cgroup: ${(err as Error).message}`);
        }
        argv = [...lease.prefix, ...argv];
      }
      try {
        const outcome = startFailure(await base.run({ ...spec, argv, env }, opts));
        const memoryDir = mem.kind === 'cgroup' && lease ? join(mem.parent, lease.id) : null;
        const limit = limitHit(outcome, {
          memory: mem,
          oomKilled: memoryDir !== null && oomKills(memoryDir) > 0,
          fileSizeBytes,
          processes: procs.kind === 'none' ? null : procs.max,
        });
        return limit ? { ...outcome, limit } : outcome;
      } finally {
        // Everything in the cgroup died with the pid namespace; removing the (empty) cgroup may
        // take the kernel a few ms more, which the command's result need not wait for.
        void lease?.release();
      }
    },
  };
}

function refused(message: string): ProcessOutcome {
  return notStarted({ spawnError: message });
}

/** The "could not start the command" lines of bwrap and the wrappers, reported as the direct
 * runner would. */
const START_FAILURE =
  /^(?:bwrap: execvp [^\n]*|yoke-sandbox: execvp [^\n]*|prlimit: failed to execute [^\n]*|bwrap: Can't chdir to [^\n]*): (No such file or directory|Permission denied)\n?$/;

function startFailure(outcome: ProcessOutcome): ProcessOutcome {
  if (outcome.exitCode === 1 || outcome.exitCode === 126 || outcome.exitCode === 127) {
    const m = START_FAILURE.exec(outcome.output);
    if (m) {
      const code =
        m[1] === 'Permission denied'
          ? 'EACCES: permission denied'
          : 'ENOENT: no such file or directory';
      return { ...outcome, spawnError: `${code} (${outcome.output.trim()})` };
    }
  }
  return outcome;
}
