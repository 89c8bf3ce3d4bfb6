// Config keys of the sandbox commands run in.
//
//   sandbox_mode = "workspace-write"     # read-only | workspace-write | danger-full-access
//   [sandbox_workspace_write]
//   network_access = false
//   writable_roots = ["/path/also/writable"]
//   deny_read = ["~/work/secrets"]        # hidden from commands, on top of the defaults
//   allow_read = ["~/.npmrc"]             # holes in the hidden paths (your config only)
//   allow_unix_sockets = ["/run/app.sock"]   # host sockets commands may connect to
//   [sandbox_limits]                      # per command; a project may only lower them
//   memory_mb = 4096                      # default: half of this machine's memory
//   file_size_mb = 4096
//   processes = 1024
//   [shell_environment_policy]            # Codex's shape; what commands' environment holds
//   inherit = "core"                      # core (known-safe set) | all | none
//   ignore_default_excludes = false       # true: keep names/values that look like credentials
//   exclude = ["NPM_*"]                   # globs, case-insensitive
//   set = { CI = "1" }
//   include_only = ["PATH", "HOME"]       # when given, only these survive
import * as z from 'zod';
import { SandboxMode } from '../../protocol/thread.ts';
import { int, nonEmpty, table } from './table.ts';

/** An absolute path or one under HOME (`~/…`). */
const hostPath = z
  .string()
  .regex(/^(\/|~\/|~$)/, 'expected an absolute path or one starting with ~/');

export const SandboxWorkspaceWriteKeys = table({
  network_access: z.boolean(),
  writable_roots: z.array(nonEmpty),
  deny_read: z.array(hostPath),
  allow_read: z.array(hostPath),
  allow_unix_sockets: z.array(z.string().regex(/^\//, 'expected an absolute path')),
});

export const SandboxLimitsKeys = table({
  memory_mb: int(16, 64 * 1024 * 1024),
  file_size_mb: int(1, 64 * 1024 * 1024),
  processes: int(8, 4 * 1024 * 1024),
});

export const ShellEnvironmentPolicyKeys = table({
  inherit: z.enum(['core', 'all', 'none']),
  ignore_default_excludes: z.boolean(),
  exclude: z.array(nonEmpty),
  set: z.record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a variable name'),
    z.string(),
  ),
  include_only: z.array(nonEmpty),
});

export const sandboxKeys = {
  sandbox_mode: SandboxMode,
  sandbox_workspace_write: SandboxWorkspaceWriteKeys,
  sandbox_limits: SandboxLimitsKeys,
  shell_environment_policy: ShellEnvironmentPolicyKeys,
};
