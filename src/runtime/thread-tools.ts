// The tools one thread offers the model: the built-in ones in their fixed order, then the MCP
// tools of the process's servers (mcp__SERVER__TOOL), narrowed by the thread's tool patterns.
// The MCP tools keep the order they were first offered in: sorted by name at the first
// request, and a tool that appears later (a server that came up late, a changed tool list) is
// appended after them, never sorted in, so the tool list stays a stable prompt-cache prefix.
import type { McpHub } from '../mcp/hub.ts';
import { mcpTool } from '../mcp/mcp-tool.ts';
import { selected, toolsetOf, type Toolsets } from '../mcp/toolsets.ts';
import type { Tool } from '../tools/types.ts';

export class ThreadTools {
  /** The MCP tool names in the order this thread offers them. */
  private order: string[] = [];
  private readonly made = new Map<string, { key: unknown; tool: Tool }>();

  constructor(
    private readonly builtin: readonly Tool[],
    private readonly hub: McpHub,
    /** The thread's tool patterns (each list must match); null: every tool. */
    private readonly patterns: () => readonly (readonly string[])[] | null,
  ) {}

  /**
   * Starts the servers the thread may use that are not running (failed ones again) and waits
   * for them, each at most its startup timeout. Immediate when they run already.
   */
  ready(): Promise<void> {
    if (this.hub.size === 0) return Promise.resolve();
    return this.hub.startAll();
  }

  /** A turn's events once the MCP servers it may use are up (each waited on ≤ its timeout). */
  async *after<T>(events: () => AsyncIterable<T>): AsyncGenerator<T> {
    await this.ready();
    yield* events();
  }

  /** The tools for the next model request. */
  tools(): Tool[] {
    const patterns = this.patterns();
    const builtin = this.builtin.filter((t) => selected(t.name, patterns));
    if (this.hub.size === 0) return builtin;
    const entries = this.hub.catalogue().filter((e) => selected(e.name, patterns));
    const known = new Set(this.order);
    const fresh = entries.filter((e) => !known.has(e.name)).map((e) => e.name);
    if (fresh.length) this.order = [...this.order, ...fresh];
    const byName = new Map(entries.map((e) => [e.name, e]));
    const mcp: Tool[] = [];
    for (const name of this.order) {
      const entry = byName.get(name);
      if (!entry) continue;
      // The same Tool object while the entry is the same: its model-facing spec is cached.
      let made = this.made.get(name);
      if (made?.key !== entry) {
        made = { key: entry, tool: mcpTool(entry, this.hub) as Tool };
        this.made.set(name, made);
      }
      mcp.push(made.tool);
    }
    return [...builtin, ...mcp];
  }
}

/** The lists a thread's tools must match: its toolset's patterns and its own (null: all). */
export function toolPatterns(
  settings: { tools?: string[]; toolset?: string },
  deps: { toolsets: Toolsets },
): string[][] | null {
  const lists: string[][] = [];
  // A toolset removed from the config since lets nothing through, rather than everything.
  if (settings.toolset) lists.push(toolsetOf(deps.toolsets, settings.toolset)?.tools ?? []);
  if (settings.tools) lists.push(settings.tools);
  return lists.length ? lists : null;
}
