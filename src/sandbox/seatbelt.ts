// The macOS backend: a Seatbelt profile (SBPL) generated from the same policy, applied with
// `sandbox-exec -p PROFILE -DNAME=VALUE … -- argv`. Paths go in as -D parameters, not into the
// profile text, so no path needs escaping and the profile text depends only on the policy's
// shape. Deny by default; reading is allowed everywhere except the hidden paths (as on Linux),
// writing only under the writable roots minus their .git and .yoke and hidden paths, the
// network only when the policy allows it, host unix sockets only when the policy lists them.
import { existsSync } from 'node:fs';
import { commandEnv, type EnvPolicyConfig } from './env-policy.ts';
import { SandboxError } from './errors.ts';
import { findHidden } from './bwrap-mounts.ts';
import { existingProtected } from './path-resolve.ts';
import { PROTECTED_NAMES, protectedPaths, type SandboxPolicy } from './policy.ts';
import { seatbeltReadRules, seatbeltSocketRules } from './seatbelt-read.ts';
import {
  notStarted,
  type ProcessOutcome,
  type ProcessRunner,
  type ProcessSpec,
} from './process-runner.ts';

export const SANDBOX_EXEC = '/usr/bin/sandbox-exec';

export type SeatbeltProfile = {
  profile: string;
  /** -D parameters the profile refers to with (param "NAME"). */
  params: Record<string, string>;
};

const BASE = `(version 1)
(deny default)

; processes: start and fork; signal and inspect only processes of this sandbox
(allow process-exec)
(allow process-fork)
(allow signal (target same-sandbox))
(allow process-info* (target same-sandbox))

; reading is allowed everywhere; writing is granted below
(allow file-read*)
(allow file-write-data
  (literal "/dev/null")
  (literal "/dev/zero")
  (literal "/dev/dtracehelper")
  (regex #"^/dev/tty")
  (regex #"^/dev/fd/"))
(allow file-ioctl (regex #"^/dev/tty"))
(allow pseudo-tty)

; what the C library and common tools need to run at all
(allow sysctl-read)
(allow user-preference-read)
(allow ipc-posix-sem)
(allow ipc-posix-shm)
(allow mach-lookup
  (global-name "com.apple.system.opendirectoryd.libinfo")
  (global-name "com.apple.system.logger")
  (global-name "com.apple.system.notification_center")
  (global-name "com.apple.logd")
  (global-name "com.apple.system.DirectoryService.libinfo_v1")
  (global-name "com.apple.CoreServices.coreservicesd")
  (global-name "com.apple.lsd.mapdb"))
`;

const NETWORK = `
; network (the policy allows it)
(allow network-outbound)
(allow network-inbound)
(allow system-socket)
(allow mach-lookup
  (global-name "com.apple.SystemConfiguration.configd")
  (global-name "com.apple.dnssd.service")
  (global-name "com.apple.trustd.agent"))
`;

/**
 * The profile for `policy`. Pure. Seatbelt checks real paths, so `extraProtected` adds the
 * targets of .git/.yoke symlinks (existingProtected()) and `realHidden` those of hidden
 * symlinks; the literal .git/.yoke of every root are always denied, existing or not.
 */
export function seatbeltProfile(
  policy: SandboxPolicy,
  extraProtected: readonly string[] = [],
  realHidden: readonly string[] = [],
): SeatbeltProfile {
  if (policy.type === 'danger-full-access')
    throw new SandboxError('policy_invalid', 'danger-full-access has no sandbox to build');
  const params: Record<string, string> = {};
  let text = BASE;
  const read = policy.read
    ? seatbeltReadRules(
        policy.read,
        policy.type === 'workspace-write' ? policy.writableRoots : [],
        realHidden,
        params,
      )
    : { text: '', writeExclusions: [] };
  text += read.text;
  if (policy.type === 'workspace-write') {
    const roots: string[] = [];
    const excluded: string[] = [];
    policy.writableRoots.forEach((root, i) => {
      const name = `WRITABLE_ROOT_${i}`;
      params[name] = root;
      roots.push(`(subpath (param "${name}"))`);
      PROTECTED_NAMES.forEach((protectedName, j) => {
        params[`${name}_RO_${j}`] = `${root === '/' ? '' : root}/${protectedName}`;
        excluded.push(`(require-not (subpath (param "${name}_RO_${j}")))`);
      });
    });
    const literal = protectedPaths(policy);
    extraProtected
      .filter((path) => !literal.includes(path))
      .forEach((path, k) => {
        params[`PROTECTED_${k}`] = path;
        excluded.push(`(require-not (subpath (param "PROTECTED_${k}")))`);
      });
    excluded.push(...read.writeExclusions);
    // One rule: under any root, and under no root's .git/.yoke (nested roots included) or
    // hidden path, so the answer does not depend on how Seatbelt orders rules.
    text +=
      "\n; the writable roots, minus every root's .git and .yoke\n(allow file-write*\n" +
      `  (require-all\n    (require-any ${roots.join(' ')})\n    ${excluded.join('\n    ')}))\n`;
  }
  if (policy.networkAccess) text += NETWORK;
  // With the network off, deny-by-default already refuses every socket connection.
  if (policy.networkAccess || policy.unixSockets?.length)
    text += seatbeltSocketRules(policy.unixSockets ?? [], params);
  return { profile: text, params };
}

/** The sandbox-exec command line for `spec` under `policy`. Pure. */
export function seatbeltArgv(
  policy: SandboxPolicy,
  spec: Pick<ProcessSpec, 'argv'>,
  extraProtected: readonly string[] = [],
  realHidden: readonly string[] = [],
): string[] {
  const { profile, params } = seatbeltProfile(policy, extraProtected, realHidden);
  return [
    SANDBOX_EXEC,
    '-p',
    profile,
    ...Object.entries(params).map(([name, value]) => `-D${name}=${value}`),
    '--',
    ...spec.argv,
  ];
}

export function seatbeltAvailable(): boolean {
  return existsSync(SANDBOX_EXEC);
}

export type SeatbeltRunnerOptions = {
  envPolicy?: EnvPolicyConfig;
  hostEnv?: Readonly<Record<string, string | undefined>>;
};

/**
 * Sandboxes every command with sandbox-exec under the current policy (a getter is read at each
 * run); danger-full-access goes straight to `base`. Missing sandbox-exec: the command does not
 * run (spawnError), never an unsandboxed fallback.
 */
export function createSeatbeltRunner(
  policy: SandboxPolicy | (() => SandboxPolicy),
  base: ProcessRunner,
  options: SeatbeltRunnerOptions = {},
): ProcessRunner {
  const current = typeof policy === 'function' ? policy : () => policy;
  return {
    name: 'seatbelt',
    async run(spec, opts): Promise<ProcessOutcome> {
      const active = current();
      const source = spec.env ?? options.hostEnv ?? process.env;
      if (active.type === 'danger-full-access')
        return base.run({ ...spec, env: commandEnv(source, options.envPolicy).env }, opts);
      if (!seatbeltAvailable())
        return notStarted({ spawnError: `the sandbox needs ${SANDBOX_EXEC}, which is missing` });
      const tmp = active.type === 'workspace-write' ? active.tmpDir : undefined;
      const env = commandEnv(source, options.envPolicy, tmp).env;
      const roots = active.type === 'workspace-write' ? active.writableRoots : [];
      const extra = existingProtected(protectedPaths(active), roots);
      const hidden = active.read ? findHidden(active.read).hidden.map((h) => h.path) : [];
      return base.run({ ...spec, argv: seatbeltArgv(active, spec, extra, hidden), env }, opts);
    },
  };
}
