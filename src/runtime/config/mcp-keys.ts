// Config keys of MCP servers and toolsets, in Codex's shape (see src/mcp/config.ts for every
// key of a server and how a project narrows it):
//
//   [mcp_servers.github]                 # a stdio server: command, args, env, env_vars, cwd
//   command = "npx"
//   args = ["-y", "@modelcontextprotocol/server-github"]
//   enabled_tools = ["get_*"]            # also disabled_tools, startup_timeout_sec,
//   tool_timeout_sec = 60                # tool_timeout_sec, enabled
//
//   [mcp_servers.docs]                   # streamable HTTP: url, bearer_token_env_var,
//   url = "https://example.com/mcp"      # http_headers, env_http_headers
//
//   toolset = "reviewer"                 # the toolset of threads that name none
//   [toolsets.reviewer]
//   tools = ["read_file", "grep", "mcp__github__get_*"]
//
// A server entry is checked here as a table; its keys and their values are checked when the
// sources are combined (parseMcpServers), because a project's entry is read against yours.
import * as z from 'zod';
import { namedTables, nonEmpty } from './table.ts';

export const mcpKeys = {
  mcp_servers: namedTables(z.record(z.string(), z.unknown())),
  toolsets: namedTables(
    z.strictObject({ tools: z.array(nonEmpty).min(1), description: z.string().optional() }),
  ),
  toolset: nonEmpty,
};
