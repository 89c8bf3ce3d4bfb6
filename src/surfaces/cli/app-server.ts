// `yoke app-server`: the App Server over stdio JSONL (default) or WebSocket (--listen), and
// `yoke app-server generate-json-schema --out DIR`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../../runtime/config.ts';
import { ThreadManager } from '../../runtime/thread-manager.ts';
import { AppServer } from '../../server/app-server.ts';
import { createStdioTransport } from '../../server/stdio-transport.ts';
import { flagSet, flagValue, flagValues, parseArgs, UsageError, type FlagSpec } from './args.ts';

export const APP_SERVER_HELP = `Usage: yoke app-server [OPTIONS]
       yoke app-server generate-json-schema --out DIR

Serves the Yoke App Server: JSON-RPC (the Codex App Server v2 wire format, without the
"jsonrpc" field) over stdio, one message per line — or over WebSocket, one message per text
frame, with --listen. Every surface (CLI, TUI, web, editors, SDKs) speaks this protocol;
docs/protocol.md lists its methods.

Options:
      --listen URL            serve WebSocket on URL, e.g. ws://127.0.0.1:4500 (port 0: any)
      --auth-token-file FILE  require "Authorization: Bearer <token>" (needed off loopback)
      --allow-origin ORIGIN   let a browser page from ORIGIN connect (repeatable)
  -c, --config KEY=VALUE      override a config.toml key (repeatable)
  -h, --help                  show this help

generate-json-schema writes one JSON Schema file per params/result type, and a bundle.`;

const FLAGS: FlagSpec[] = [
  { names: ['listen'], value: true },
  { names: ['auth-token-file'], value: true },
  { names: ['allow-origin'], value: true, repeat: true },
  { names: ['config', 'c'], value: true, repeat: true },
  { names: ['out', 'o'], value: true },
  { names: ['help', 'h'], value: false },
];

export async function appServerCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (flagSet(args, 'help')) {
    process.stdout.write(`${APP_SERVER_HELP}\n`);
    return 0;
  }
  const [sub] = args.positionals;
  if (sub === 'generate-json-schema') {
    const out = flagValue(args, 'out');
    if (!out) throw new UsageError('generate-json-schema needs --out DIR');
    const { generateJsonSchema } = await import('../../protocol/json-schema.ts');
    const files = await generateJsonSchema(resolve(out));
    process.stderr.write(`wrote ${files.length} schema files to ${resolve(out)}\n`);
    return 0;
  }
  if (sub !== undefined) throw new UsageError(`unknown app-server command "${sub}"`);

  const config = loadConfig({ overrides: flagValues(args, 'config') });
  for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
  const manager = new ThreadManager({ config });
  const server = new AppServer(manager);
  // After the first messages are read: answering initialize does not wait for the store.
  setImmediate(() => {
    const revived = server.reviveWaitingThreads();
    if (revived)
      process.stderr.write(`yoke: ${revived} thread(s) waiting on an approval were resumed\n`);
  });
  const listenUrl = flagValue(args, 'listen');

  if (!listenUrl) {
    const connection = server.attach(createStdioTransport());
    await new Promise<void>((done) => connection.context.onClose(() => done()));
    await shutdown(server, manager);
    return 0;
  }

  // Loaded only for --listen: a stdio server answers initialize without the WebSocket stack.
  const { isLoopbackHost, listen } = await import('../../server/ws-transport.ts');
  const url = parseListen(listenUrl);
  const tokenFile = flagValue(args, 'auth-token-file');
  const authToken = tokenFile ? readToken(tokenFile) : undefined;
  if (!isLoopbackHost(url.hostname) && !authToken) {
    throw new UsageError(`listening on ${url.hostname} (not loopback) needs --auth-token-file`);
  }
  const handle = await listen({
    host: url.hostname,
    port: Number(url.port || 0),
    ...(authToken ? { authToken } : {}),
    allowedOrigins: flagValues(args, 'allow-origin'),
    onConnection: (transport) => server.attach(transport),
  });
  // Readiness line for scripts and tests: where to connect.
  process.stderr.write(`yoke app-server listening on ${handle.url}\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await handle.close();
  await shutdown(server, manager);
  return 0;
}

/** Interrupts running turns (they are stored as interrupted) and closes the store. */
async function shutdown(server: AppServer, manager: ThreadManager): Promise<void> {
  const running = manager.loadedThreadIds
    .map((id) => manager.loaded(id)?.interrupt())
    .filter(Boolean);
  await Promise.all(running);
  server.close();
  manager.close();
}

function parseListen(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--listen expects ws://HOST:PORT, got "${value}"`);
  }
  if (url.protocol !== 'ws:') throw new UsageError(`--listen expects a ws:// URL, got "${value}"`);
  return url;
}

function readToken(path: string): string {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new UsageError(
      `--auth-token-file ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`,
    );
  }
  if (token.length < 16)
    throw new UsageError(
      `--auth-token-file ${path}: the token is too short (16 characters at least)`,
    );
  return token;
}
