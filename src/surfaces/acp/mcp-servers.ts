// The editor's MCP servers (session/new, session/load) as Yoke's MCP configuration: each one
// becomes an `[mcp_servers.NAME]` entry of that session's thread, started by Yoke's MCP client
// (src/mcp) like a configured server. stdio and streamable HTTP; the old SSE transport is not
// offered (initialize says so), and one that comes anyway is left out with the reason.
import type * as acp from '@agentclientprotocol/sdk';
import { mcpServerOf, type McpServersConfig } from '../../runtime/thread-ports.ts';

export type EditorServers = { servers: McpServersConfig; skipped: string[] };

export function editorMcpServers(list: readonly acp.McpServer[]): EditorServers {
  const table: Record<string, Record<string, unknown>> = {};
  const skipped: string[] = [];
  for (const server of list) {
    const name = uniqueName(server.name, table);
    if ('type' in server && server.type === 'sse') {
      skipped.push(`${server.name}: SSE servers are not supported (use streamable HTTP)`);
      continue;
    }
    if ('type' in server && server.type === 'http') {
      table[name] = {
        url: server.url,
        http_headers: Object.fromEntries(server.headers.map((h) => [h.name, h.value])),
      };
      continue;
    }
    const stdio = server as acp.McpServerStdio;
    table[name] = {
      command: stdio.command,
      args: stdio.args,
      env: Object.fromEntries(stdio.env.map((v) => [v.name, v.value])),
    };
  }
  // Checked one by one: a bad entry leaves the others running.
  const servers: McpServersConfig = {};
  for (const [name, entry] of Object.entries(table)) {
    try {
      servers[name] = mcpServerOf(name, entry, 'the editor');
    } catch (err) {
      skipped.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { servers, skipped };
}

/** A server name Yoke accepts (it becomes part of tool names), unique in the session. */
function uniqueName(wanted: string, taken: Record<string, unknown>): string {
  const base = wanted.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'server';
  let name = base;
  for (let n = 2; name in taken; n++) name = `${base}_${n}`;
  return name;
}
