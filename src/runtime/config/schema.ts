// Every key config.toml, the project's .yoke/config.toml and `-c key=value` may set: one
// spread per section, each section in its own file (a new section is one line here).
import type * as z from 'zod';
import { acpKeys } from './acp-keys.ts';
import { approvalKeys } from './approval-keys.ts';
import { codexKeys } from './codex-keys.ts';
import { contextKeys } from './context-keys.ts';
import { fleetKeys } from './fleet-keys.ts';
import { mcpKeys } from './mcp-keys.ts';
import { modelKeys } from './model-keys.ts';
import { sandboxKeys } from './sandbox-keys.ts';
import { table } from './table.ts';
import { toolKeys } from './tool-keys.ts';

/** The top-level keys. */
export const configKeys = {
  ...modelKeys,
  ...approvalKeys,
  ...sandboxKeys,
  ...toolKeys,
  ...contextKeys,
  ...mcpKeys,
  ...codexKeys,
  ...acpKeys,
  ...fleetKeys,
};

export const ConfigFile = table(configKeys);

/** One source's settings, validated; every key optional (defaults come at resolution). */
export type ConfigFile = z.infer<typeof ConfigFile>;
