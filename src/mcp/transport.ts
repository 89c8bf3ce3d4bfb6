// The SDK's transports for a configured server: stdio (the command as a child process, its
// stderr kept for error messages, never shown) or streamable HTTP (bearer token and headers
// from the environment). The SDK is loaded on first use, so a Yoke without MCP servers never
// reads it.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type {
  ElicitRequestSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig } from './config.ts';
import { McpError } from './errors.ts';

export type OpenedTransport = {
  transport: Transport;
  pid: () => number | null;
  /** The last lines the server wrote to stderr (stdio), for error messages. */
  stderrTail: () => string;
};

const STDERR_KEEP = 2000;

type Sdk = {
  Client: typeof Client;
  StdioClientTransport: typeof StdioClientTransport;
  StreamableHTTPClientTransport: typeof StreamableHTTPClientTransport;
  ElicitRequestSchema: typeof ElicitRequestSchema;
  ToolListChangedNotificationSchema: typeof ToolListChangedNotificationSchema;
};

let sdk: Promise<Sdk> | null = null;

export function loadSdk(): Promise<Sdk> {
  sdk ??= Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]).then(([client, stdio, http, types]) => ({
    Client: client.Client,
    StdioClientTransport: stdio.StdioClientTransport,
    StreamableHTTPClientTransport: http.StreamableHTTPClientTransport,
    ElicitRequestSchema: types.ElicitRequestSchema,
    ToolListChangedNotificationSchema: types.ToolListChangedNotificationSchema,
  }));
  return sdk;
}

export async function openTransport(
  config: McpServerConfig,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<OpenedTransport> {
  const { StdioClientTransport, StreamableHTTPClientTransport } = await loadSdk();
  const t = config.transport;
  if (t.type === 'stdio') {
    const passed: Record<string, string> = {};
    for (const name of t.envVars) if (env[name] !== undefined) passed[name] = env[name]!;
    const transport = new StdioClientTransport({
      command: t.command,
      args: t.args,
      env: { ...passed, ...t.env },
      cwd: t.cwd ?? cwd,
      stderr: 'pipe',
    });
    let tail = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    return {
      transport,
      pid: () => transport.pid,
      stderrTail: () => tail.trim().split('\n').slice(-5).join(' | '),
    };
  }
  const headers: Record<string, string> = { ...t.httpHeaders };
  for (const [header, variable] of Object.entries(t.envHttpHeaders)) {
    const value = env[variable];
    if (value) headers[header] = value;
  }
  if (t.bearerTokenEnvVar) {
    const token = env[t.bearerTokenEnvVar];
    if (!token)
      throw new McpError(
        'mcp_unavailable',
        `${t.bearerTokenEnvVar} is not set (bearer_token_env_var of MCP server "${config.name}")`,
      );
    headers.Authorization = `Bearer ${token}`;
  }
  const transport = new StreamableHTTPClientTransport(new URL(t.url), {
    requestInit: { headers },
  });
  return { transport, pid: () => null, stderrTail: () => '' };
}
