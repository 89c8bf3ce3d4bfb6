// `yoke app-server`: the App Server over stdio JSONL (default) or WebSocket (--listen), and
// `yoke app-server generate-json-schema --out DIR`.
import { resolve } from 'node:path';
import { loadConfig, type ResolvedConfig } from '../../runtime/config.ts';
import { sandboxWarnings } from '../../runtime/sandbox-access.ts';
import { createStdioTransport } from '../../server/stdio-transport.ts';
import { startAppServerHost } from '../app-server-host.ts';
import { takeHandoff } from './app-server-handoff.ts';
import {
  command,
  COMMON_OPTIONS,
  helpText,
  parseCommand,
  UsageError,
  wsUrlOption,
} from './args.ts';

export const APP_SERVER = command({
  name: 'app-server',
  usage: ['yoke app-server [OPTIONS]', 'yoke app-server generate-json-schema --out DIR'],
  description:
    'Serves the Yoke App Server: JSON-RPC (the Codex App Server v2 wire format, without the\n' +
    '"jsonrpc" field) over stdio, one message per line — or over WebSocket, one message per text\n' +
    'frame, with --listen. Every surface (CLI, TUI, web, editors, SDKs) speaks this protocol;\n' +
    'docs/protocol.md lists its methods.',
  options: {
    listen: {
      type: 'string',
      value: 'URL',
      help: 'serve WebSocket on URL, e.g. ws://127.0.0.1:4500 (port 0: any)',
    },
    'auth-token-file': {
      type: 'string',
      value: 'FILE',
      help: 'the bearer token clients must send (default: a new one, in $YOKE_HOME/app-server-PORT.token)',
    },
    'allow-origin': {
      type: 'string',
      value: 'ORIGIN',
      multiple: true,
      help: 'let a browser page from ORIGIN connect',
    },
    config: COMMON_OPTIONS.config,
  },
  footer: 'generate-json-schema writes one JSON Schema file per params/result type, and a bundle.',
});

const GENERATE_JSON_SCHEMA = command({
  name: 'app-server generate-json-schema',
  usage: ['yoke app-server generate-json-schema --out DIR'],
  description: 'Writes one JSON Schema file per params/result type of the protocol, and a bundle.',
  options: {
    out: { type: 'string', short: 'o', value: 'DIR', help: 'the directory to write to' },
  },
});

export async function appServerCommand(argv: string[]): Promise<number> {
  if (argv[0] === 'generate-json-schema') {
    const { values, positionals, help } = parseCommand(GENERATE_JSON_SCHEMA, argv.slice(1));
    if (help) {
      process.stdout.write(helpText(GENERATE_JSON_SCHEMA));
      return 0;
    }
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.out) throw new UsageError('generate-json-schema needs --out DIR');
    const { generateJsonSchema } = await import('../../protocol/json-schema.ts');
    const out = resolve(values.out);
    const files = await generateJsonSchema(out);
    process.stderr.write(`wrote ${files.length} schema files to ${out}\n`);
    return 0;
  }
  const { values: args, positionals, help } = parseCommand(APP_SERVER, argv);
  if (help) {
    process.stdout.write(helpText(APP_SERVER));
    return 0;
  }
  if (positionals.length) throw new UsageError(`unknown app-server command "${positionals[0]}"`);

  // The start-up stage may have answered initialize already, with the store open and checked.
  const handoff = takeHandoff();
  let config: ResolvedConfig;
  try {
    config = loadConfig({ overrides: args.config ?? [] });
  } catch (err) {
    handoff?.store.db.close();
    throw err;
  }
  for (const warning of [...config.warnings, ...sandboxWarnings(config)])
    process.stderr.write(`warning: ${warning}\n`);
  // The store is checked (PRAGMA quick_check) before anything is served: a damaged one is one
  // clear line and exit status 1, not a crash after `initialize`.
  const host = startAppServerHost({
    config,
    openStore: true,
    ...(handoff ? { threadStore: handoff.store } : {}),
    reviveWaiting: (revived, error) => {
      if (error) {
        // Damage quick_check did not see: still one line, not a stack trace.
        process.stderr.write(`yoke: ${error.message}\n`);
        process.exit(1);
      }
      if (revived)
        process.stderr.write(`yoke: ${revived} thread(s) waiting on an approval were resumed\n`);
    },
  });
  const listenUrl = args.listen;

  if (!listenUrl) {
    const connection = host.attach(
      createStdioTransport(),
      handoff ? { handshake: handoff.handshake } : {},
    );
    await new Promise<void>((done) => connection.context.onClose(() => done()));
    await host.close();
    return 0;
  }

  // Loaded only for --listen: a stdio server answers initialize without the WebSocket stack.
  const { isLoopbackHost, listen } = await import('../../server/ws-transport.ts');
  const tokens = await import('./listener-token.ts');
  const url = wsUrlOption(listenUrl, 'listen');
  const tokenFile = args['auth-token-file'];
  if (!isLoopbackHost(url.hostname) && !tokenFile)
    throw new UsageError(`listening on ${url.hostname} (not loopback) needs --auth-token-file`);
  // Every listener has a token: other users of this machine can reach loopback too.
  const authToken = tokenFile ? tokens.readTokenFile(tokenFile) : tokens.newToken();
  const handle = await listen({
    host: url.hostname,
    port: Number(url.port || 0),
    authToken,
    allowedOrigins: args['allow-origin'] ?? [],
    onConnection: (transport) => host.attach(transport),
  });
  const written = tokenFile ? null : tokens.writeListenerToken(config.home, handle.port, authToken);
  // Readiness line for scripts and tests: where to connect, and where the token is.
  process.stderr.write(
    `yoke app-server listening on ${handle.url} (bearer token in ${written ?? tokenFile})\n`,
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await handle.close();
  if (written) tokens.removeListenerToken(config.home, handle.port, authToken);
  await host.close();
  return 0;
}
