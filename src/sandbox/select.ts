// Choosing the backend for a platform and a policy: bwrap on Linux, Seatbelt on macOS, `none`
// only when the user chose danger-full-access (or `--sandbox none`). A sandboxed policy whose
// backend is missing is an error with the install hint — never a quiet run without a sandbox.
import { requireBwrap } from './bwrap.ts';
import { createBwrapRunner } from './bwrap-runner.ts';
import type { EnvPolicyConfig } from './env-policy.ts';
import { SandboxError } from './errors.ts';
import { createNoneRunner, NO_SANDBOX_WARNING } from './none.ts';
import type { SandboxPolicy } from './policy.ts';
import { notStarted, type ProcessRunner } from './process-runner.ts';
import type { ProcessLimit, SandboxLimits } from './process-limit.ts';
import { NO_SANDBOX_EXEC_WARNING } from './sandbox-exec.ts';
import { createSeatbeltRunner, SANDBOX_EXEC, seatbeltAvailable } from './seatbelt.ts';

export type SandboxBackend = 'bwrap' | 'seatbelt' | 'none';

export type CreateSandboxRunnerInput = {
  /** The policy, or a getter read at every run (the policy can change between turns). */
  policy: SandboxPolicy | (() => SandboxPolicy);
  /** Starts processes (spawnd or direct); the sandbox wraps its argv. */
  base: ProcessRunner;
  /** `auto` picks by platform and policy; `none` is `--sandbox none`. */
  mode?: 'auto' | SandboxBackend;
  platform?: NodeJS.Platform;
  envPolicy?: EnvPolicyConfig;
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** Per-command limits (config `sandbox_limits`); unset ones take process-limit.ts defaults. */
  limits?: Partial<SandboxLimits>;
  bwrapPath?: string;
  /** yoke-sandbox-exec; undefined: looked up beside the bundle; null: do without it. */
  sandboxExec?: string | null;
};

export type SandboxRunner = {
  runner: ProcessRunner;
  backend: SandboxBackend;
  /** Print this, loudly, when set. */
  warning?: string;
  /** Linux: how a fork bomb is bounded (kind `none` comes with a warning too). */
  processLimit?: ProcessLimit;
};

/** Throws SandboxError('sandbox_unavailable') when the policy needs a backend that is missing. */
export function createSandboxRunner(input: CreateSandboxRunnerInput): SandboxRunner {
  const get =
    typeof input.policy === 'function' ? input.policy : () => input.policy as SandboxPolicy;
  const platform = input.platform ?? process.platform;
  const mode = input.mode ?? 'auto';
  const shared = {
    ...(input.envPolicy ? { envPolicy: input.envPolicy } : {}),
    ...(input.hostEnv ? { hostEnv: input.hostEnv } : {}),
  };
  const sandboxed = get().type !== 'danger-full-access';

  // A fixed danger-full-access policy needs no backend at all.
  if (mode === 'none' || (mode === 'auto' && typeof input.policy !== 'function' && !sandboxed)) {
    const { runner, warning } = createNoneRunner(input.base, shared);
    return { runner, backend: 'none', warning };
  }
  const backend: SandboxBackend =
    mode === 'auto'
      ? platform === 'linux'
        ? 'bwrap'
        : platform === 'darwin'
          ? 'seatbelt'
          : 'none'
      : mode;

  if (backend === 'bwrap') {
    // Checked now only if the policy needs it now; a later switch to a sandboxed policy
    // reports the same message as the command's spawnError.
    if (sandboxed) requireBwrap(input.bwrapPath);
    const limits = input.limits ?? {};
    const runner = createBwrapRunner(get, input.base, {
      ...shared,
      ...(input.bwrapPath ? { bwrapPath: input.bwrapPath } : {}),
      ...(limits.processes ? { maxProcesses: limits.processes } : {}),
      ...(limits.memoryBytes ? { memoryBytes: limits.memoryBytes } : {}),
      ...(limits.fileSizeBytes ? { fileSizeBytes: limits.fileSizeBytes } : {}),
      ...(input.sandboxExec !== undefined ? { sandboxExec: input.sandboxExec } : {}),
    });
    const processLimit = runner.processLimit();
    const warnings = [
      sandboxed ? null : NO_SANDBOX_WARNING,
      sandboxed && processLimit.kind === 'none'
        ? `warning: sandboxed commands have no process limit here (${processLimit.reason}); a fork bomb is only stopped by the timeout`
        : null,
      sandboxed && !runner.socketFilter ? `warning: ${NO_SANDBOX_EXEC_WARNING}` : null,
    ].filter((w): w is string => w !== null);
    return {
      runner,
      backend,
      processLimit,
      ...(warnings.length ? { warning: warnings.join('\n') } : {}),
    };
  }
  if (backend === 'seatbelt') {
    if (sandboxed && !seatbeltAvailable())
      throw new SandboxError(
        'sandbox_unavailable',
        `the macOS sandbox needs ${SANDBOX_EXEC}, which is missing`,
      );
    const runner = createSeatbeltRunner(get, input.base, shared);
    return { runner, backend, ...(sandboxed ? {} : { warning: NO_SANDBOX_WARNING }) };
  }
  const missing = `no sandbox backend for ${platform}: choose danger-full-access (--sandbox none) to run without one`;
  if (sandboxed) throw new SandboxError('sandbox_unavailable', missing);
  const none = createNoneRunner(input.base, shared);
  // The policy may turn sandboxed later: then commands must not run, rather than run bare.
  const runner: ProcessRunner = {
    name: 'none',
    run: async (spec, opts) =>
      get().type === 'danger-full-access'
        ? none.runner.run(spec, opts)
        : notStarted({ spawnError: missing }),
  };
  return { runner, backend: 'none', warning: none.warning };
}
