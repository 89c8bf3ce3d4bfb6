// A stdio MCP server (built with the SDK) whose tool list changes while it runs: `add_tool`
// registers a read-only tool with the name it is given, and the SDK tells the client with
// notifications/tools/list_changed. With a file argument, the added names are kept in that
// file and registered again when the server starts. Run with plain node.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import * as z from 'zod';

const keep = process.argv[2];
const server = new McpServer({ name: 'changing', version: '1.0.0' });
const addTool = (name) =>
  server.registerTool(
    name,
    {
      description: `A tool added while the server ran (${name}).`,
      annotations: { readOnlyHint: true },
    },
    async () => ({ content: [{ type: 'text', text: `${name} ran` }] }),
  );
server.registerTool(
  'add_tool',
  {
    description: 'Adds a tool with the given name to this server.',
    inputSchema: { name: z.string() },
  },
  async ({ name }) => {
    addTool(name);
    if (keep) appendFileSync(keep, `${name}\n`);
    return { content: [{ type: 'text', text: `added ${name}` }] };
  },
);
if (keep && existsSync(keep))
  for (const name of readFileSync(keep, 'utf8').split('\n').filter(Boolean)) addTool(name);
await server.connect(new StdioServerTransport());
