// Config keys of the sandbox commands run in.
//
//   sandbox_mode = "workspace-write"     # read-only | workspace-write | danger-full-access
//   [sandbox_workspace_write]
//   network_access = false
//   writable_roots = ["/path/also/writable"]
import * as z from 'zod';
import { SandboxMode } from '../../protocol/thread.ts';
import { nonEmpty, table } from './table.ts';

export const SandboxWorkspaceWriteKeys = table({
  network_access: z.boolean(),
  writable_roots: z.array(nonEmpty),
});

export const sandboxKeys = {
  sandbox_mode: SandboxMode,
  sandbox_workspace_write: SandboxWorkspaceWriteKeys,
};
