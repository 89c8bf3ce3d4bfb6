// What sandboxed commands of this server may read: the hidden paths of read-rules.ts for the
// user running Yoke and its YOKE_HOME, plus what config adds and the holes it punches.
import { SandboxError } from '../sandbox/errors.ts';
import { probeProcessLimit } from '../sandbox/process-limit.ts';
import { findSandboxExec, NO_SANDBOX_EXEC_WARNING } from '../sandbox/sandbox-exec.ts';
import { readRules, type ReadRules } from '../sandbox/read-rules.ts';
import type { ResolvedConfig } from './config.ts';
import { RuntimeError } from './errors.ts';

/** Throws RuntimeError('config_invalid') for an entry that is not absolute or `~/…`. */
export function sandboxReadRules(config: ResolvedConfig): ReadRules {
  const access = config.sandboxAccess;
  try {
    return readRules({
      home: access.userHome,
      yokeHome: config.home,
      deny: access.denyRead,
      allow: access.allowRead,
    });
  } catch (err) {
    if (err instanceof SandboxError)
      throw new RuntimeError('config_invalid', `sandbox_workspace_write: ${err.message}`);
    throw err;
  }
}

/**
 * What the user should hear at start about this machine's sandbox (Linux): host sockets
 * reachable without yoke-sandbox-exec, no bound on the number of processes.
 */
export function sandboxWarnings(config: ResolvedConfig): string[] {
  if (process.platform !== 'linux' || config.sandboxMode === 'danger-full-access') return [];
  const warnings: string[] = [];
  if (!findSandboxExec()) warnings.push(NO_SANDBOX_EXEC_WARNING);
  const pids = probeProcessLimit(config.sandboxLimits.processes);
  if (pids.kind === 'none')
    warnings.push(
      `sandboxed commands have no process limit here (${pids.reason}); a fork bomb is only stopped by the timeout`,
    );
  return warnings;
}
