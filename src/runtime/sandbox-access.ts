// What sandboxed commands of this server may read: the hidden paths of read-rules.ts for the
// user running Yoke and its YOKE_HOME, plus what config adds and the holes it punches.
import { SandboxError } from '../sandbox/errors.ts';
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
