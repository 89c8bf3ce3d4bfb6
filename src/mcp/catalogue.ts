// The tool catalogue: every tool of every connected server, as the model would see it —
// `mcp__SERVER__TOOL`, its description and input schema, and whether it is a safe read —
// after each server's enabled_tools / disabled_tools. Sorted by name, so the order is the same
// whenever the same tools exist (a stable prompt-cache prefix across restarts).
import type { Tool as SdkTool } from '@modelcontextprotocol/sdk/types.js';
import { isReadOnly, type McpHints } from '../sandbox/mcp-policy.ts';
import type { McpServerConfig } from './config.ts';
import { matchesAny, qualifiedName } from './names.ts';

export type CatalogueEntry = {
  /** The name the model sees: `mcp__SERVER__TOOL`. */
  name: string;
  server: string;
  /** The tool's own name on its server. */
  tool: string;
  title: string | null;
  description: string;
  /** JSON Schema of the arguments (always an object schema). */
  inputSchema: Record<string, unknown>;
  hints: McpHints;
  readOnly: boolean;
};

/** Whether the server's config lets the model have `tool`. */
export function toolEnabled(config: McpServerConfig, tool: string): boolean {
  if (config.enabledTools && !matchesAny(config.enabledTools, tool)) return false;
  if (config.projectEnabledTools && !matchesAny(config.projectEnabledTools, tool)) return false;
  return !matchesAny(config.disabledTools, tool);
}

/** The entries of one server's tools (enabled ones only). */
export function entriesOf(config: McpServerConfig, tools: readonly SdkTool[]): CatalogueEntry[] {
  const entries: CatalogueEntry[] = [];
  const taken = new Set<string>();
  for (const tool of [...tools].sort((a, b) => cmp(a.name, b.name))) {
    if (!toolEnabled(config, tool.name)) continue;
    let name = qualifiedName(config.name, tool.name);
    // Two tools whose names differ only in characters a function name cannot hold.
    for (let n = 2; taken.has(name); n++) name = qualifiedName(config.name, `${tool.name}_${n}`);
    taken.add(name);
    const a = (tool.annotations ?? {}) as Record<string, unknown>;
    const hints: McpHints = {
      ...(typeof a.readOnlyHint === 'boolean' ? { readOnly: a.readOnlyHint } : {}),
      ...(typeof a.destructiveHint === 'boolean' ? { destructive: a.destructiveHint } : {}),
      ...(typeof a.openWorldHint === 'boolean' ? { openWorld: a.openWorldHint } : {}),
    };
    entries.push({
      name,
      server: config.name,
      tool: tool.name,
      title: tool.title ?? (typeof a.title === 'string' ? a.title : null),
      description: tool.description ?? tool.title ?? tool.name,
      inputSchema: objectSchema(tool.inputSchema),
      hints,
      readOnly: isReadOnly(hints),
    });
  }
  return entries;
}

export function sortEntries(entries: CatalogueEntry[]): CatalogueEntry[] {
  return entries.sort((a, b) => cmp(a.name, b.name));
}

/** Code-point order, the same on every machine (no locale). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An input schema the providers accept: an object schema with properties. */
function objectSchema(schema: unknown): Record<string, unknown> {
  const s = (schema && typeof schema === 'object' ? schema : {}) as Record<string, unknown>;
  const { $schema: _ignored, ...rest } = s;
  return { ...rest, type: 'object', properties: rest.properties ?? {} };
}
