// Curated subsets of the tool catalogue (a Toolshed). A toolset is a named list of tool name
// patterns; a thread, a task or a blueprint node names a toolset, patterns, or both (then a
// tool must match both). Only the matching tools are sent to the model and only they can be
// called. A pattern that names nothing is refused up front with the reason.
//
//   toolset = "reviewer"                  # the default for threads (optional)
//   [toolsets.reviewer]
//   tools = ["read_file", "grep", "mcp__github__get_*"]
//   description = "reads code and issues, changes nothing"
import * as z from 'zod';
import { McpError } from './errors.ts';
import { isMcpName, matchesAny, matchesPattern, MCP_PREFIX } from './names.ts';

export type Toolset = { tools: string[]; description: string | null };
export type Toolsets = Record<string, Toolset>;

export type ToolSelection = { toolset?: string | null; tools?: readonly string[] | null };

/** What exists, to check patterns against. */
export type KnownTools = {
  builtin: readonly string[];
  /** Configured MCP servers (enabled or not). */
  servers: readonly string[];
  /** The model-facing names of a server's tools, or null while they are not known yet. */
  toolsOf: (server: string) => readonly string[] | null;
};

/** The toolset named `name` (its own key only: never `__proto__` and kin), or undefined. */
export function toolsetOf(toolsets: Toolsets, name: string): Toolset | undefined {
  return Object.hasOwn(toolsets, name) ? toolsets[name] : undefined;
}

/** What exists and the named toolsets: what a tool selection is checked against. */
export type ToolShed = KnownTools & { toolsets: Toolsets };

/** A shed of built-in tools only (no MCP servers, no toolsets). */
export function builtinShed(builtin: readonly string[]): ToolShed {
  return { builtin, servers: [], toolsOf: () => null, toolsets: {} };
}

/** Why a selection cannot be used (an unknown toolset, a pattern naming nothing), or null. */
export function selectionProblem(selection: ToolSelection, shed: ToolShed): string | null {
  try {
    resolveSelection(selection, shed.toolsets, shed);
    return null;
  } catch (err) {
    if (err instanceof McpError) return err.message;
    throw err;
  }
}

const Entry = z
  .object({ tools: z.array(z.string().min(1)).min(1), description: z.string().optional() })
  .strict();

/** `[toolsets]` from the user's config, then the project's (which adds or replaces toolsets). */
export function parseToolsets(user: unknown, project: unknown = undefined): Toolsets {
  const out: Toolsets = {};
  for (const [where, value] of [
    ['config.toml', user],
    ['.yoke/config.toml', project],
  ] as const) {
    if (value === undefined || value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new McpError('mcp_config_invalid', `${where}: toolsets must be a table of toolsets`);
    for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
      const parsed = Entry.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
        throw new McpError(
          'mcp_config_invalid',
          `${where}: [toolsets.${name}]: ${at}${issue.message} (expected tools = ["pattern", …])`,
        );
      }
      out[name] = { tools: parsed.data.tools, description: parsed.data.description ?? null };
    }
  }
  return out;
}

/**
 * The patterns a selection stands for (null: every tool). Throws McpError('toolset_invalid')
 * for an unknown toolset or a pattern that names nothing.
 */
export function resolveSelection(
  selection: ToolSelection,
  toolsets: Toolsets,
  known: KnownTools,
): string[][] | null {
  const lists: string[][] = [];
  if (selection.toolset) {
    const set = toolsetOf(toolsets, selection.toolset);
    if (!set) {
      const names = Object.keys(toolsets).join(', ') || 'none configured';
      throw new McpError(
        'toolset_invalid',
        `unknown toolset "${selection.toolset}" (toolsets: ${names})`,
      );
    }
    checkPatterns(set.tools, known, `toolset "${selection.toolset}"`);
    lists.push(set.tools);
  }
  if (selection.tools) {
    checkPatterns(selection.tools, known, 'tools');
    lists.push([...selection.tools]);
  }
  return lists.length ? lists : null;
}

/** The tools a resolved selection lets through, in their order. */
export function selectTools<T extends { name: string }>(
  tools: readonly T[],
  patterns: readonly (readonly string[])[] | null,
): T[] {
  if (!patterns) return [...tools];
  return tools.filter((tool) => patterns.every((list) => matchesAny(list, tool.name)));
}

/** Whether one tool name passes a resolved selection. */
export function selected(name: string, patterns: readonly (readonly string[])[] | null): boolean {
  return !patterns || patterns.every((list) => matchesAny(list, name));
}

/**
 * Whether `pattern` may match a tool of MCP server `server` whose tools are not known: an
 * `mcp__` pattern by its server part, another pattern when it matches a tool name of it.
 */
export function mayNameServer(pattern: string, server: string): boolean {
  if (!isMcpName(pattern)) return matchesPattern(pattern, `${MCP_PREFIX}${server}__tool`);
  const rest = pattern.slice(MCP_PREFIX.length);
  const cut = rest.indexOf('__');
  return matchesPattern(cut === -1 ? rest : rest.slice(0, cut), server);
}

export function checkPatterns(patterns: readonly string[], known: KnownTools, what: string): void {
  for (const pattern of patterns) {
    const problem = problemOf(pattern, known);
    if (problem) throw new McpError('toolset_invalid', `${what}: ${problem}`);
  }
}

function problemOf(pattern: string, known: KnownTools): string | null {
  if (!isMcpName(pattern)) {
    if (known.builtin.some((name) => matchesPattern(pattern, name))) return null;
    return `"${pattern}" matches no tool (built-in tools: ${known.builtin.join(', ')}; MCP tools are mcp__SERVER__TOOL)`;
  }
  const rest = pattern.slice(MCP_PREFIX.length);
  const cut = rest.indexOf('__');
  const serverPart = cut === -1 ? rest : rest.slice(0, cut);
  const servers = known.servers.filter((s) => matchesPattern(serverPart, s));
  if (servers.length === 0) {
    const configured = known.servers.join(', ') || 'none';
    return `"${pattern}" names MCP server "${serverPart}", which is not configured (configured: ${configured})`;
  }
  // A server whose tools are known must have a tool the pattern matches.
  const lists = servers.map((s) => known.toolsOf(s));
  if (lists.some((list) => list === null)) return null;
  if (lists.some((list) => list!.some((name) => matchesPattern(pattern, name)))) return null;
  return `"${pattern}" matches no tool of MCP server ${servers.map((s) => `"${s}"`).join(', ')} (its tools: ${lists.flat().join(', ') || 'none'})`;
}
