// yoke-sandbox-exec (native/sandbox-exec.c): what runs first inside bwrap. It sets the rlimits
// and installs the seccomp filter whose supervisor decides every connect(): host unix sockets
// (tmux, docker, ssh-agent…) are refused unless the policy lists them. Built by
// `npm run build` next to yoke-spawnd; without a C compiler it is missing, and sandboxed
// commands run with a loud warning that host sockets are reachable.
import { findNativeHelper } from './native-helper.ts';

/** Where bwrap puts the helper inside the sandbox (on the fresh /run tmpfs). */
export const SANDBOX_EXEC_INSIDE = '/run/yoke-sandbox-exec';

export const NO_SANDBOX_EXEC_WARNING =
  'yoke-sandbox-exec was not built (it needs a C compiler: `apt-get install gcc`, then ' +
  '`npm run build`), so sandboxed commands can connect to unix sockets of the host (tmux, ' +
  'docker, ssh-agent), which are ways out of the sandbox';

/** The helper (YOKE_SANDBOX_EXEC names another, or `off`); null when it was not built. */
export function findSandboxExec(env: NodeJS.ProcessEnv = process.env): string | null {
  return findNativeHelper('yoke-sandbox-exec', 'YOKE_SANDBOX_EXEC', env);
}

export type SandboxExecOptions = {
  /** RLIMIT_NPROC (not root). */
  processes?: number;
  /** RLIMIT_DATA (no memory cgroup). */
  dataBytes?: number;
  fileSizeBytes: number;
  networkAccess: boolean;
  /** Host unix sockets the command may connect to (real paths, bound into the sandbox). */
  sockets: readonly string[];
};

/** The argv prefix that runs a command under the helper inside the sandbox. Pure. */
export function sandboxExecPrefix(options: SandboxExecOptions): string[] {
  return [
    SANDBOX_EXEC_INSIDE,
    ...(options.processes !== undefined ? ['--nproc', String(options.processes)] : []),
    ...(options.dataBytes !== undefined ? ['--data', String(options.dataBytes)] : []),
    '--fsize',
    String(options.fileSizeBytes),
    '--sockets',
    ...(options.networkAccess ? [] : ['--net-off']),
    ...options.sockets.flatMap((path) => ['--allow-socket', path]),
    '--',
  ];
}
