// Config keys of the sandbox commands run in.
//
//   sandbox_mode = "workspace-write"     # read-only | workspace-write | danger-full-access
//   [sandbox_workspace_write]
//   network_access = false
//   writable_roots = ["/path/also/writable"]
//   deny_read = ["~/work/secrets"]        # hidden from commands, on top of the defaults
//   allow_read = ["~/.npmrc"]             # holes in the hidden paths (your config only)
//   allow_unix_sockets = ["/run/app.sock"]   # host sockets commands may connect to
import * as z from 'zod';
import { SandboxMode } from '../../protocol/thread.ts';
import { nonEmpty, table } from './table.ts';

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

export const sandboxKeys = {
  sandbox_mode: SandboxMode,
  sandbox_workspace_write: SandboxWorkspaceWriteKeys,
};
