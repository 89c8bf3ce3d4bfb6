// The tools one thread offers the model: the built-in ones in their fixed order, then the MCP
// tools of the process's servers and of the thread's own (an editor's, through its ports),
// narrowed by the thread's tool patterns. It holds the thread's ports: what the file tools read
// and write through.
// The MCP tools keep the order they were first offered in: sorted by name at the first
// request, and a tool that appears later (a server that came up late, a changed tool list) is
// appended after them, never sorted in, so the tool list stays a stable prompt-cache prefix.
// The order is kept in the thread's log, so a thread resumed after a restart offers its tools
// in the same order.
import type { EngineEvent } from '../engine/events.ts';
import type { CatalogueEntry } from '../mcp/catalogue.ts';
import type { McpConnection } from '../mcp/connection.ts';
import { McpHub } from '../mcp/hub.ts';
import { mcpTool } from '../mcp/mcp-tool.ts';
import { MCP_PREFIX } from '../mcp/names.ts';
import { mayNameServer, selected, toolsetOf, type Toolsets } from '../mcp/toolsets.ts';
import type { ThreadItem } from '../protocol/items.ts';
import type { FileAccess, Tool } from '../tools/types.ts';
import { uuidv7 } from './ids.ts';
import type { LogEvent } from './thread-log.ts';
import type { ThreadPorts } from './thread-ports.ts';

export class ThreadTools {
  /** The MCP tool names in the order this thread offers them. */
  private order: string[];
  private readonly save: (order: string[]) => void;
  private readonly made = new Map<string, { key: unknown; tool: Tool }>();
  /** The thread's own MCP servers (null: none). */
  private own: McpHub | null = null;
  /** Where the file tools read and write (null: the disk). */
  files: FileAccess | null = null;

  constructor(
    private readonly builtin: readonly Tool[],
    private readonly hub: McpHub,
    /** The thread's tool patterns (each list must match); null: every tool. */
    private readonly patterns: () => readonly (readonly string[])[] | null,
    /** The order stored for the thread, and where a longer one is stored. */
    stored: { order: readonly string[]; save: (order: string[]) => void } = {
      order: [],
      save: () => {},
    },
  ) {
    this.order = [...stored.order];
    this.save = stored.save;
  }

  /**
   * Starts the servers the thread may use that are not running (failed ones again) and waits
   * for them, each at most its startup timeout. Immediate when they run already.
   */
  async ready(): Promise<void> {
    await Promise.all(this.hubs().map((hub) => hub.startAll()));
  }

  /**
   * The thread's ports from now: its files, and its own MCP servers (replacing those it had;
   * unchanged ones keep running), started at once. Resolves when each server is up or has
   * failed (≤ its timeout), with why those that failed did.
   */
  async attach(ports: ThreadPorts, cwd: string): Promise<string[]> {
    this.files = ports.files ?? null;
    const servers = ports.mcpServers ?? {};
    if (!this.own && Object.keys(servers).length === 0) return [];
    this.own ??= new McpHub({ servers: {}, cwd, env: process.env });
    await this.own.reload(servers);
    await this.own.startAll();
    return this.own.servers.flatMap((c) => (c.error ? [c.error] : []));
  }

  /** Stops the thread's own MCP servers (the thread is unloaded). */
  close(): Promise<void> {
    const own = this.own;
    this.own = null;
    return own?.close() ?? Promise.resolve();
  }

  private hubs(): McpHub[] {
    return [this.own, this.hub].filter((h): h is McpHub => h !== null && h.size > 0);
  }

  /**
   * A turn's events once the MCP servers it may use are up (each waited on ≤ its timeout),
   * after an `error` item for each of them that failed to start: the turn goes on without it.
   */
  async *after(events: () => AsyncIterable<EngineEvent>): AsyncGenerator<EngineEvent> {
    await this.ready();
    for (const c of this.servers())
      if (c.state === 'failed' && this.needs(c.name)) {
        const item: ThreadItem = {
          type: 'error',
          id: uuidv7(),
          message: `${c.error ?? `MCP server "${c.name}" failed to start`}; this turn goes on without it, and it starts again on its next use`,
          mcpServer: c.name,
        };
        yield { type: 'itemStarted', item };
        yield { type: 'itemCompleted', item };
      }
    yield* events();
  }

  /**
   * Why the model may not call `name` when it is a tool of an MCP server that is not running
   * (failed to start, disabled); null otherwise (the engine's own "unknown tool" then).
   */
  unknownTool(name: string): string | null {
    if (!name.startsWith(MCP_PREFIX)) return null;
    const server = this.servers()
      .filter((c) => name.startsWith(`${MCP_PREFIX}${c.name}__`))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (!server || server.state === 'connected' || !this.needs(server.name)) return null;
    if (server.state === 'disabled')
      return `"${name}" is a tool of MCP server "${server.name}", which is disabled in config.toml`;
    const why = server.error ?? `MCP server "${server.name}" has not started`;
    return `"${name}" is a tool of MCP server "${server.name}", which is not available: ${why}`;
  }

  /** The servers the thread may use (its own first: they win over configured ones). */
  private servers(): McpConnection[] {
    const own = this.own?.servers ?? [];
    const names = new Set(own.map((c) => c.name));
    return [...own, ...this.hub.servers.filter((c) => !names.has(c.name))];
  }

  /** Whether the thread's tool patterns may let a tool of `server` through. */
  private needs(server: string): boolean {
    const patterns = this.patterns();
    return !patterns || patterns.every((list) => list.some((p) => mayNameServer(p, server)));
  }

  /** The tools for the next model request. */
  tools(): Tool[] {
    const patterns = this.patterns();
    const builtin = this.builtin.filter((t) => selected(t.name, patterns));
    const hubs = this.hubs();
    if (hubs.length === 0) return builtin;
    // The thread's own server wins over a configured one of the same name.
    const owner = new Map<string, McpHub>();
    const entries: CatalogueEntry[] = [];
    for (const hub of hubs)
      for (const e of hub.catalogue()) {
        if (owner.has(e.name) || !selected(e.name, patterns)) continue;
        if (hub !== this.own && this.own?.servers.some((c) => c.name === e.server)) continue;
        owner.set(e.name, hub);
        entries.push(e);
      }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const known = new Set(this.order);
    const fresh = entries.filter((e) => !known.has(e.name)).map((e) => e.name);
    if (fresh.length) {
      this.order = [...this.order, ...fresh];
      this.save(this.order);
    }
    const byName = new Map(entries.map((e) => [e.name, e]));
    const mcp: Tool[] = [];
    for (const name of this.order) {
      const entry = byName.get(name);
      if (!entry) continue;
      // The same Tool object while the entry is the same: its model-facing spec is cached.
      let made = this.made.get(name);
      if (made?.key !== entry) {
        made = { key: entry, tool: mcpTool(entry, owner.get(name)!) as Tool };
        this.made.set(name, made);
      }
      mcp.push(made.tool);
    }
    return [...builtin, ...mcp];
  }
}

/** A thread's stored MCP tool order, and how a longer one is stored (in its log). */
export function toolOrder(
  state: { mcpToolOrder: string[] },
  journal: { record(turnId: null, event: LogEvent): void },
): { order: readonly string[]; save: (order: string[]) => void } {
  return {
    order: state.mcpToolOrder,
    save: (mcpToolOrder) => journal.record(null, { kind: 'context', data: { mcpToolOrder } }),
  };
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
