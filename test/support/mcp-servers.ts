// Real MCP servers for tests: the npm servers (devDependencies) run as stdio commands, and a
// small streamable-HTTP server built with the SDK, started by the test on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import * as z from 'zod';

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** `command`/`args` of @modelcontextprotocol/server-everything over stdio. */
export function everythingServer(): { command: string; args: string[] } {
  const entry = join(packageDir('@modelcontextprotocol/server-everything'), 'dist', 'index.js');
  return { command: process.execPath, args: [entry, 'stdio'] };
}

/** `command`/`args` of @modelcontextprotocol/server-filesystem, allowed into `roots`. */
export function filesystemServer(...roots: string[]): { command: string; args: string[] } {
  const entry = join(packageDir('@modelcontextprotocol/server-filesystem'), 'dist', 'index.js');
  return { command: process.execPath, args: [entry, ...roots] };
}

/**
 * `command`/`args` of a server whose tool list changes while it runs (`add_tool`); with `keep`,
 * the tools it added are kept in that file and there again when it starts.
 */
export function changingServer(keep?: string): { command: string; args: string[] } {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'mcp-changing-server.mjs');
  return { command: process.execPath, args: keep ? [script, keep] : [script] };
}

/** TOML for one `[mcp_servers.NAME]` stdio entry. */
export function stdioToml(
  name: string,
  server: { command: string; args: string[] },
  extra = '',
): string {
  return `[mcp_servers.${name}]\ncommand = ${JSON.stringify(server.command)}\nargs = ${JSON.stringify(server.args)}\n${extra}\n`;
}

export type HttpMcpServer = {
  url: string;
  requests: number;
  /** The headers of the last request. */
  headers: Record<string, string | string[] | undefined>;
  close(): Promise<void>;
};

/**
 * A streamable-HTTP MCP server on 127.0.0.1 (stateless: a server per request), with a
 * read-only `lookup` tool and a mutating `record` tool. With `token`, requests without
 * `Authorization: Bearer <token>` get 401.
 */
export async function startHttpMcpServer(options: { token?: string } = {}): Promise<HttpMcpServer> {
  const recorded: string[] = [];
  const build = () => {
    const server = new McpServer({ name: 'test-http', version: '1.0.0' });
    server.registerTool(
      'lookup',
      {
        description: 'Looks up a word and returns its definition.',
        inputSchema: { word: z.string() },
        annotations: { readOnlyHint: true },
      },
      async ({ word }) => ({ content: [{ type: 'text', text: `${word}: a word (over HTTP)` }] }),
    );
    server.registerTool(
      'record',
      {
        description: 'Records a note on the server.',
        inputSchema: { note: z.string() },
        annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
      },
      async ({ note }) => {
        recorded.push(note);
        return { content: [{ type: 'text', text: `recorded ${recorded.length} notes` }] };
      },
    );
    return server;
  };
  const state = { requests: 0, headers: {} as HttpMcpServer['headers'] };
  const http: Server = createServer((req, res) => {
    state.requests++;
    state.headers = req.headers;
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      const server = build();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      void server
        .connect(transport)
        .then(() => transport.handleRequest(req, res, body))
        .catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get requests() {
      return state.requests;
    },
    get headers() {
      return state.headers;
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
