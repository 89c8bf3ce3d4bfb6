// `yoke acp`: serves the Agent Client Protocol on stdin/stdout for an editor (Zed, JetBrains,
// Neovim, Emacs…), backed by an App Server in this process. Diagnostics go to stderr.
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import { loadConfig, requireModelAccess } from '../../runtime/config.ts';
import { CLI_VERSION } from '../../runtime/version.ts';
import { startAppServerHost } from '../app-server-host.ts';
import { command, COMMON_OPTIONS, helpText, parseCommand, UsageError } from '../cli/args.ts';
import { createAcpAgent } from './agent.ts';
import { MODE_IDS, type ModeId } from './modes.ts';

export const ACP = command({
  name: 'acp',
  usage: ['yoke acp [OPTIONS]'],
  description:
    'Serves the Agent Client Protocol on stdin/stdout: editors such as Zed run Yoke as their agent.\n' +
    'Sessions are Yoke threads (stored as usual); the editor asks for approvals.',
  options: {
    model: { type: 'string', short: 'm', value: 'MODEL', help: 'model to use (default: config)' },
    provider: { type: 'string', value: 'NAME', help: 'model provider from config.toml' },
    mode: {
      type: 'string',
      value: 'MODE',
      choices: MODE_IDS,
      help: `the mode new sessions start in: ${MODE_IDS.join(' | ')} (default: ask)`,
    },
    config: COMMON_OPTIONS.config,
  },
});

type Io = {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
};

export async function acpCommand(argv: string[], io: Io): Promise<number> {
  const { values: args, positionals, help } = parseCommand(ACP, argv);
  if (help) {
    io.stdout.write(helpText(ACP));
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`yoke acp takes no arguments: ${positionals[0]}`);
  const config = loadConfig({
    env: io.env,
    cwd: process.cwd(),
    overrides: args.config ?? [],
    flags: {
      ...(args.model !== undefined ? { model: args.model } : {}),
      ...(args.provider !== undefined ? { provider: args.provider } : {}),
    },
  });
  const log = (line: string) => void io.stderr.write(`yoke acp: ${line}\n`);
  for (const warning of config.warnings) log(`warning: ${warning}`);
  let authProblem: string | null = null;
  try {
    requireModelAccess(config);
  } catch (err) {
    authProblem = err instanceof Error ? err.message : String(err);
    log(authProblem);
  }

  const host = startAppServerHost({ config });
  try {
    const yoke = await host.connect(
      { name: 'yoke_acp', title: 'yoke acp', version: CLI_VERSION },
      { log },
    );
    const agent = createAcpAgent({
      yoke,
      version: CLI_VERSION,
      mode: (args.mode ?? 'ask') as ModeId,
      authProblem,
      log,
      attach: (threadId, ports) =>
        host.manager.loaded(threadId)?.attach(ports) ?? Promise.resolve([]),
      // The last source that sets it wins (user config, project config, -c).
      editorTerminal: config.layers.reduce<boolean>(
        (on, layer) => layer.values.acp?.editor_terminal ?? on,
        false,
      ),
    });
    const stream = acp.ndJsonStream(
      Writable.toWeb(io.stdout as Writable) as WritableStream<Uint8Array>,
      Readable.toWeb(io.stdin as Readable) as ReadableStream<Uint8Array>,
    );
    const connection = agent.connect(stream);
    await connection.closed;
    return 0;
  } finally {
    // Running turns stop and are stored as interrupted: loading the session continues them.
    await host.close();
  }
}
