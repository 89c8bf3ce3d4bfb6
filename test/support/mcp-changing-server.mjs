// A stdio MCP server (built with the SDK) whose tool list changes while it runs: `add_tool`
// registers a read-only tool with the name it is given, and the SDK tells the client with
// notifications/tools/list_changed. Run with plain node: `node mcp-changing-server.mjs`.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';

const server = new McpServer({ name: 'changing', version: '1.0.0' });
server.registerTool(
  'add_tool',
  {
    description: 'Adds a tool with the given name to this server.',
    inputSchema: { name: z.string() },
  },
  async ({ name }) => {
    server.registerTool(
      name,
      {
        description: `A tool added while the server ran (${name}).`,
        annotations: { readOnlyHint: true },
      },
      async () => ({ content: [{ type: 'text', text: `${name} ran` }] }),
    );
    return { content: [{ type: 'text', text: `added ${name}` }] };
  },
);
await server.connect(new StdioServerTransport());
