// `yoke mcp-server`: serves Yoke's MCP tools on stdio (stdout carries only MCP messages; notes
// go to stderr). The daemon is reached on the first tool call, and started then if none runs.
import type { YokeClient } from '../../client/client.ts';
import { yokeHome } from '../../runtime/yoke-home.ts';
import { command, helpText, parseCommand, UsageError } from '../cli/args.ts';
import { connectDaemon } from '../cli/daemon.ts';
import { yokeMcpServer } from './server.ts';

export const MCP_SERVER = command({
  name: 'mcp-server',
  usage: ['yoke mcp-server'],
  description:
    'Serves Yoke as an MCP server on stdio: yoke_task_submit, yoke_task_status,\n' +
    'yoke_task_result (background tasks) and yoke_thread_start, yoke_thread_reply (an agent\n' +
    'turn and its answer). Uses the running daemon (`yoke serve`) or starts one, as `yoke task`\n' +
    'does. Add it to an MCP host as: command = "yoke", args = ["mcp-server"].',
  options: {},
});

export async function mcpServerCommand(
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
): Promise<number> {
  const { positionals, help } = parseCommand(MCP_SERVER, argv);
  if (help) {
    io.stdout.write(helpText(MCP_SERVER));
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('yoke mcp-server takes no arguments');
  const home = yokeHome(io.env);
  let connected: Promise<YokeClient> | null = null;
  const client = () => {
    connected ??= connectDaemon(home, (line) => io.stderr.write(`yoke: ${line}\n`)).then(
      ({ client }) => {
        client.onClose(() => (connected = null));
        return client;
      },
      (err: unknown) => {
        connected = null;
        throw err;
      },
    );
    return connected;
  };
  const server = await yokeMcpServer(client);
  // Loaded here, not at the top: see yokeMcpServer.
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
  await server.connect(transport);
  process.stdin.on('end', () => void server.close());
  await closed;
  if (connected) (await (connected as Promise<YokeClient>).catch(() => null))?.close();
  return 0;
}
