// The MCP servers of a process as the App Server shows them, in Codex's shapes: each server's
// state, tools and resources (mcpServerStatus/list), a tool call and a resource read by hand,
// and a reload of [mcp_servers] from the config files that restarts only what changed.
import type { McpConnection } from '../mcp/connection.ts';
import { selected } from '../mcp/toolsets.ts';
import { toolEnabled } from '../mcp/catalogue.ts';
import type { ParamsOf, ResultOf } from '../protocol/methods.ts';
import type { McpServerStatus } from '../protocol/methods-mcp.ts';
import { loadConfig } from './config.ts';
import { RuntimeError } from './errors.ts';
import type { ThreadManager } from './thread-manager.ts';
import { toolPatterns } from './thread-tools.ts';

type StatusParams = ParamsOf<'mcpServerStatus/list'>;

/** Starts the servers not running yet (each waited on ≤ its timeout), then lists them. */
export async function mcpServerStatuses(
  manager: ThreadManager,
  params: StatusParams,
): Promise<ResultOf<'mcpServerStatus/list'>> {
  const hub = manager.mcp;
  await hub.startAll();
  let servers = hub.servers;
  if (params.serverName) servers = servers.filter((c) => c.name === params.serverName);
  const start = cursorOf(params.cursor);
  const end = params.limit ? start + params.limit : servers.length;
  const page = servers.slice(start, end);
  const full = params.detail !== 'toolsAndAuthOnly';
  const data = await Promise.all(page.map((c) => statusOf(manager, c, full)));
  return { data, nextCursor: end < servers.length ? String(end) : null };
}

async function statusOf(
  manager: ThreadManager,
  c: McpConnection,
  full: boolean,
): Promise<McpServerStatus> {
  const entries = manager.mcp.catalogue().filter((e) => e.server === c.name);
  const t = c.config.transport;
  const info = c.serverInfo;
  const listed = full ? await c.listResources() : { resources: [], templates: [] };
  return {
    name: c.name,
    runtimeStatus: c.state,
    pluginId: null,
    httpOrigin: t.type === 'http' ? new URL(t.url).origin : null,
    serverInfo: info
      ? {
          name: info.name,
          title: info.title ?? null,
          version: info.version,
          description: null,
          icons: info.icons ?? null,
          websiteUrl: info.websiteUrl ?? null,
        }
      : null,
    serverCapabilities: c.capabilities,
    toolListMeta: null,
    tools: Object.fromEntries(
      c.tools.filter((tool) => toolEnabled(c.config, tool.name)).map((tool) => [tool.name, tool]),
    ),
    toolsError: c.error,
    resources: listed.resources,
    resourceTemplates: listed.templates,
    authStatus: t.type === 'http' && t.bearerTokenEnvVar ? 'bearerToken' : 'unsupported',
    qualifiedNames: Object.fromEntries(entries.map((e) => [e.tool, e.name])),
  };
}

/**
 * mcpServer/tool/call: a tool of a server, by hand, as the thread may call it (its toolset and
 * the server's enabled/disabled tools apply). No approval: the client asked for it.
 */
export async function callMcpTool(
  manager: ThreadManager,
  params: ParamsOf<'mcpServer/tool/call'>,
): Promise<ResultOf<'mcpServer/tool/call'>> {
  const session = manager.loaded(params.threadId) ?? manager.resumeThread(params.threadId);
  const connection = server(manager, params.server);
  await connection.start().catch(() => undefined);
  const entry = manager.mcp
    .catalogue()
    .find((e) => e.server === params.server && e.tool === params.tool);
  if (!entry)
    throw new RuntimeError(
      'input_invalid',
      `MCP server "${params.server}" has no tool "${params.tool}"${connection.error ? ` (${connection.error})` : ''}`,
    );
  if (!selected(entry.name, toolPatterns(session.settings, manager.toolShed)))
    throw new RuntimeError(
      'input_invalid',
      `${entry.name} is not among the tools of thread ${session.id} (its toolset or tools)`,
    );
  const result = await connection.callTool(params.tool, params.arguments ?? {}).catch((err) => {
    throw new RuntimeError('input_invalid', (err as Error).message);
  });
  return {
    content: result.content,
    ...(result.structuredContent !== undefined
      ? { structuredContent: result.structuredContent }
      : {}),
    ...(result.isError !== undefined ? { isError: result.isError } : {}),
    ...(result._meta !== undefined ? { _meta: result._meta } : {}),
  };
}

export async function readMcpResource(
  manager: ThreadManager,
  params: ParamsOf<'mcpServer/resource/read'>,
): Promise<ResultOf<'mcpServer/resource/read'>> {
  const result = await server(manager, params.server)
    .readResource(params.uri)
    .catch((err) => {
      throw new RuntimeError('input_invalid', (err as Error).message);
    });
  return { contents: result.contents, originCallId: null };
}

/**
 * config/mcpServer/reload: [mcp_servers] and [toolsets] read again from the config files
 * (flags and -c of the running process do not apply); changed servers restart on next use.
 */
export async function reloadMcpServers(manager: ThreadManager, cwd = process.cwd()) {
  const config = loadConfig({ cwd, env: { ...process.env, YOKE_HOME: manager.config.home } });
  await manager.reloadMcp(config.mcpServers, config.toolsets);
  return {};
}

function server(manager: ThreadManager, name: string): McpConnection {
  const found = manager.mcp.servers.find((c) => c.name === name);
  if (!found) {
    const known = manager.mcp.servers.map((c) => c.name).join(', ') || 'none';
    throw new RuntimeError('input_invalid', `no MCP server "${name}" (configured: ${known})`);
  }
  return found;
}

function cursorOf(cursor: string | null | undefined): number {
  if (!cursor) return 0;
  if (!/^\d+$/.test(cursor))
    throw new RuntimeError('bad_cursor', `not an mcpServerStatus/list cursor: ${cursor}`);
  return Number(cursor);
}
