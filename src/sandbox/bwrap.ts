// The Linux backend: bubblewrap. Each command runs as `bwrap <mounts> -- argv` through the base
// runner (spawnd), so it keeps spawnd's cheap starts, its process group and its kill-on-timeout.
//
// Inside: / read-only; fresh /dev, /proc, /tmp and /run (host temp files and sockets such as
// docker.sock or an ssh agent stay out of reach); the writable roots bound read-write, with
// their .git and .yoke bound read-only on top; the hidden paths (credentials, $YOKE_HOME) empty
// (bwrap-mounts.ts); no network unless the policy allows it; own pid,
// ipc and uts namespaces; no capabilities. bwrap sets PR_SET_NO_NEW_PRIVS itself (verified:
// NoNewPrivs is 1 inside as root and as a user), so setuid binaries cannot raise privileges.
// With --unshare-pid, bwrap's pid 1 dies with bwrap (--die-with-parent), and the kernel kills
// every process of the namespace: killing bwrap's process group on a timeout takes the whole
// tree down, even what the command moved to a new session.
import { execFile, spawnSync } from 'node:child_process';
import { HIDDEN_DIRS, mountArgs, type HiddenPath } from './bwrap-mounts.ts';
import { BWRAP_INSTALL_HINT, SandboxError } from './errors.ts';
import { isWithin, protectedPaths, type SandboxPolicy } from './policy.ts';
import type { ProcessSpec } from './process-runner.ts';
import { SANDBOX_EXEC_INSIDE } from './sandbox-exec.ts';

export type BwrapArgvOptions = {
  bwrapPath?: string;
  /** Run inside the sandbox before the command (the RLIMIT_NPROC wrapper). */
  innerPrefix?: readonly string[];
  /** Give the sandbox its own user namespace (non-root: bwrap needs it, and RLIMIT_NPROC then counts only the sandbox). */
  unshareUser?: boolean;
  /**
   * The .git/.yoke paths to bind read-only, as existingProtected() found them (real paths,
   * symlinks followed). Default: every root's .git and .yoke with `--ro-bind-try`.
   */
  protectedPaths?: readonly string[];
  /** The policy's hidden paths as findHidden() found them on disk (default: none). */
  hidden?: readonly HiddenPath[];
  /** Paths bound back over hidden ones (real paths). */
  holes?: readonly string[];
  /** The host unix sockets the policy allows, that exist (real paths). */
  sockets?: readonly string[];
  /** yoke-sandbox-exec on the host, bound in at SANDBOX_EXEC_INSIDE. */
  sandboxExec?: string;
  /** Size of the private /tmp (tmpfs pages are memory; default: the kernel's, half of RAM). */
  tmpBytes?: number;
};

/** The bwrap command line for `spec` under `policy`. Pure. */
export function bwrapArgv(
  policy: SandboxPolicy,
  spec: Pick<ProcessSpec, 'argv' | 'cwd'>,
  options: BwrapArgvOptions = {},
): string[] {
  if (policy.type === 'danger-full-access')
    throw new SandboxError('policy_invalid', 'danger-full-access has no sandbox to build');
  const roots = policy.type === 'workspace-write' ? policy.writableRoots : [];
  const argv = [options.bwrapPath ?? 'bwrap', '--die-with-parent', '--new-session'];
  if (options.unshareUser) argv.push('--unshare-user');
  argv.push('--unshare-pid', '--unshare-ipc', '--unshare-uts');
  if (!policy.networkAccess) argv.push('--unshare-net');
  argv.push('--cap-drop', 'ALL');
  argv.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc');
  for (const dir of HIDDEN_DIRS) {
    if (dir === '/tmp' && options.tmpBytes !== undefined)
      argv.push('--size', String(options.tmpBytes));
    argv.push('--tmpfs', dir);
  }
  if (options.sandboxExec) argv.push('--ro-bind', options.sandboxExec, SANDBOX_EXEC_INSIDE);
  // With the network on, DNS may need systemd-resolved's resolv.conf, which lives in /run.
  if (policy.networkAccess)
    argv.push('--ro-bind-try', '/run/systemd/resolve', '/run/systemd/resolve');
  // A read-only cwd below a hidden directory must still be there (a workspace under /tmp in
  // read-only mode). /tmp itself is always the private one, whatever the cwd.
  if (
    HIDDEN_DIRS.some((d) => isWithin(spec.cwd, d) && spec.cwd !== d) &&
    !roots.some((r) => isWithin(spec.cwd, r))
  )
    argv.push('--ro-bind', spec.cwd, spec.cwd);
  argv.push(
    ...mountArgs({
      roots,
      protectedPaths: options.protectedPaths ?? protectedPaths(policy),
      hidden: options.hidden ?? [],
      holes: options.holes ?? [],
      sockets: options.sockets ?? [],
    }),
  );
  argv.push('--chdir', spec.cwd, '--', ...(options.innerPrefix ?? []), ...spec.argv);
  return argv;
}

export type BwrapStatus = { ok: true; version: string } | { ok: false; message: string };

const statusCache = new Map<string, BwrapStatus>();
const prefetching = new Map<string, Promise<void>>();

/**
 * Can bwrap build a sandbox here? Runs `bwrap --version` and a tiny sandbox (which also catches
 * kernels or AppArmor set-ups that refuse user namespaces) once per binary, then caches.
 */
export function checkBwrap(bwrapPath = 'bwrap'): BwrapStatus {
  const cached = statusCache.get(bwrapPath);
  if (cached) return cached;
  const run = (args: string[]): ProbeRun => {
    const r = spawnSync(bwrapPath, args, { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error };
  };
  const version = run(['--version']);
  const status = probeStatus(bwrapPath, version, version.error ? null : run(probeArgs()));
  statusCache.set(bwrapPath, status);
  return status;
}

/**
 * Runs the same check in the background, without blocking (about 25 ms of two processes): a
 * server calls it once it has answered initialize, so its first thread/start finds the answer
 * cached. A checkBwrap that comes first runs the check itself. Resolves once the answer is cached.
 */
export function prefetchBwrapCheck(bwrapPath = 'bwrap'): Promise<void> {
  const running = prefetching.get(bwrapPath);
  if (running) return running;
  if (statusCache.has(bwrapPath)) return Promise.resolve();
  const run = (args: string[]) =>
    new Promise<ProbeRun>((resolve) => {
      execFile(
        bwrapPath,
        args,
        { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS },
        (error, stdout, stderr) =>
          resolve({
            status: error ? (typeof error.code === 'number' ? error.code : null) : 0,
            stdout,
            stderr,
            // A command that ran and failed is a status, not a failure to run.
            error: error && typeof error.code !== 'number' ? error : undefined,
          }),
      );
    });
  const done = (async () => {
    const version = await run(['--version']);
    const status = probeStatus(bwrapPath, version, version.error ? null : await run(probeArgs()));
    if (!statusCache.has(bwrapPath)) statusCache.set(bwrapPath, status);
  })();
  prefetching.set(bwrapPath, done);
  return done;
}

const PROBE_TIMEOUT_MS = 10_000;

type ProbeRun = {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error | undefined;
};

function probeArgs(): string[] {
  const root = process.geteuid?.() === 0;
  return [
    ...(root ? [] : ['--unshare-user']),
    '--unshare-pid',
    '--unshare-net',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--',
    'true',
  ];
}

/** What `bwrap --version` and the tiny sandbox (null: not tried) say about this machine. */
function probeStatus(bwrapPath: string, version: ProbeRun, probe: ProbeRun | null): BwrapStatus {
  if (version.error || !probe) {
    const missing = (version.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    return {
      ok: false,
      message: missing
        ? `the sandbox needs bubblewrap, and \`${bwrapPath}\` was not found: ${BWRAP_INSTALL_HINT}`
        : `bubblewrap (${bwrapPath}) could not run: ${version.error?.message}`,
    };
  }
  if (probe.status !== 0) {
    const why = (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim();
    return {
      ok: false,
      message:
        `bubblewrap is installed but cannot create a sandbox here (${why}). Unprivileged user ` +
        'namespaces may be disabled: check `sysctl kernel.unprivileged_userns_clone`, ' +
        '`user.max_user_namespaces`, and on Ubuntu 24.04+ `kernel.apparmor_restrict_unprivileged_userns`',
    };
  }
  return { ok: true, version: version.stdout.trim() };
}

/** Throws SandboxError('sandbox_unavailable') with the install hint when bwrap cannot run. */
export function requireBwrap(bwrapPath = 'bwrap'): string {
  const status = checkBwrap(bwrapPath);
  if (!status.ok) throw new SandboxError('sandbox_unavailable', status.message);
  return status.version;
}
