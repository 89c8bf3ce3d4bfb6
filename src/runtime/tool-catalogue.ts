// The central catalogue of a configuration's tools (a Toolshed), for people who curate
// toolsets: every built-in tool and every tool of every configured MCP server — name, server,
// description, read-only or not — optionally narrowed to one toolset; and one MCP tool call by
// hand. The servers run only for the command and stop after it.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { McpHub } from '../mcp/hub.ts';
import { selectTools, toolsetOf } from '../mcp/toolsets.ts';
import { builtinTools } from '../tools/registry.ts';
import type { ResolvedConfig } from './config.ts';
import { RuntimeError } from './errors.ts';

export type CatalogueRow = {
  name: string;
  /** The MCP server, or null for a built-in tool. */
  server: string | null;
  description: string;
  readOnly: boolean;
};

export type ServerProblem = { server: string; state: string; error: string | null };

export async function toolCatalogue(
  config: ResolvedConfig,
  options: { toolset?: string | null; cwd?: string } = {},
): Promise<{ rows: CatalogueRow[]; problems: ServerProblem[] }> {
  const patterns = toolsetPatterns(config, options.toolset ?? null);
  const hub = hubOf(config, options.cwd);
  try {
    await hub.startAll();
    const rows: CatalogueRow[] = [
      ...builtinTools().map((t) => ({
        name: t.name,
        server: null,
        description: t.description,
        readOnly: !t.mutating,
      })),
      ...hub.catalogue().map((e) => ({
        name: e.name,
        server: e.server,
        description: e.description,
        readOnly: e.readOnly,
      })),
    ];
    const problems = hub.servers
      .filter((c) => c.state !== 'connected')
      .map((c) => ({ server: c.name, state: c.state, error: c.error }));
    return { rows: selectTools(rows, patterns), problems };
  } finally {
    await hub.close();
  }
}

/** Calls `mcp__SERVER__TOOL` with `args`, as the configuration allows it (no approval). */
export async function callToolByHand(
  config: ResolvedConfig,
  name: string,
  args: unknown,
  options: { cwd?: string; signal?: AbortSignal } = {},
): Promise<CallToolResult> {
  const hub = hubOf(config, options.cwd);
  try {
    await hub.startAll();
    const entry = hub.entry(name);
    if (!entry) {
      const failed = hub.servers.filter((c) => c.error).map((c) => c.error);
      throw new RuntimeError(
        'input_invalid',
        `no MCP tool ${name} (run \`yoke tools list\`)${failed.length ? `; ${failed.join('; ')}` : ''}`,
      );
    }
    return await hub
      .server(entry.server)
      .callTool(entry.tool, args, options.signal ? { signal: options.signal } : {});
  } finally {
    await hub.close();
  }
}

function hubOf(config: ResolvedConfig, cwd = process.cwd()): McpHub {
  return new McpHub({ servers: config.mcpServers, cwd, env: process.env });
}

function toolsetPatterns(config: ResolvedConfig, toolset: string | null): string[][] | null {
  if (!toolset) return null;
  const set = toolsetOf(config.toolsets, toolset);
  if (!set)
    throw new RuntimeError(
      'input_invalid',
      `unknown toolset "${toolset}" (toolsets: ${Object.keys(config.toolsets).join(', ') || 'none configured'})`,
    );
  return [set.tools];
}
