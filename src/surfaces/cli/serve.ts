// `yoke serve`: the daemon — the App Server on loopback WebSocket together with the task
// runner, bearer-token protected (the token sits in YOKE_HOME/serve.token, readable by this
// user only). `yoke task …` starts one in the background when none runs.
//
// Hook for a web page on the same port: pass `onHttpRequest` to serveCommand; it gets every
// plain HTTP request except GET /healthz (see ws-transport.ts listen()).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../../runtime/config.ts';
import { sandboxWarnings } from '../../runtime/sandbox-access.ts';
import { createTaskService } from '../../runtime/task-service.ts';
import { isLoopbackHost, listen } from '../../server/ws-transport.ts';
import { startAppServerHost } from '../app-server-host.ts';
import {
  command,
  COMMON_OPTIONS,
  countOption,
  helpText,
  parseCommand,
  UsageError,
  wsUrlOption,
} from './args.ts';
import {
  acquireLock,
  rememberedPort,
  rememberPort,
  removeServeState,
  runningDaemon,
  webSessionKey,
  writeServeInfo,
  writeToken,
} from './daemon.ts';
import { FLEET_FOOTER, FLEET_OPTIONS, openFleetFor } from './fleet-options.ts';
import { serveWeb } from './serve-web.ts';

export const SERVE = command({
  name: 'serve',
  usage: ['yoke serve [OPTIONS]', 'yoke serve --store postgres://… --queue redis://… [OPTIONS]'],
  description:
    'Runs the Yoke daemon: the App Server (JSON-RPC over WebSocket, docs/protocol.md) together with\n' +
    'the background task runner. It listens on loopback only and every connection must present the\n' +
    'token in $YOKE_HOME/serve.token; $YOKE_HOME/serve.json says where it listens. `yoke task`\n' +
    'starts it in the background when none is running. One daemon per YOKE_HOME.\n\n' +
    'With --store and --queue it is a front of a fleet (docs/fleet.md): it takes submissions and\n' +
    'shows every task of the shared store, live, but runs none — `yoke worker`s do.',
  options: {
    listen: {
      type: 'string',
      value: 'URL',
      help:
        'listen on URL (default: ws://127.0.0.1 on the port of the last start, kept in\n' +
        '$YOKE_HOME/serve.port, or any free port when that one is taken)',
    },
    concurrency: {
      type: 'string',
      value: 'N',
      help: 'tasks running at once (default: the number of cores)',
    },
    'per-repo': {
      type: 'string',
      value: 'N',
      help: 'tasks running at once on one repository (default: --concurrency)',
    },
    warm: {
      type: 'string',
      value: 'N',
      help:
        'prepared worktrees kept per repository, setup done (default 0);\n' +
        "a repository's pool fills after its first task, or at start with:",
    },
    'warm-repo': {
      type: 'string',
      value: 'DIR',
      multiple: true,
      help: "keep DIR's repository warm from the start",
    },
    ...FLEET_OPTIONS,
    config: COMMON_OPTIONS.config,
    'ready-fd': {
      type: 'string',
      value: 'FD',
      help: 'write one JSON line to file descriptor FD when ready (used by `yoke task`)',
    },
  },
  footer: FLEET_FOOTER,
});

export type ServeHooks = {
  /** Serves plain HTTP requests on the daemon's port (a web page); true when answered. */
  onHttpRequest?: (req: IncomingMessage, res: ServerResponse) => boolean;
};

export async function serveCommand(argv: string[], hooks: ServeHooks = {}): Promise<number> {
  const { values: args, positionals, help } = parseCommand(SERVE, argv);
  if (help) {
    process.stdout.write(helpText(SERVE));
    return 0;
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const concurrency = countOption(args.concurrency, 'concurrency', 1);
  const perRepo = countOption(args['per-repo'], 'per-repo', 1);
  const warm = countOption(args.warm, 'warm', 0);
  const readyFd = countOption(args['ready-fd'], 'ready-fd', 3);
  const url = wsUrlOption(args.listen ?? 'ws://127.0.0.1:0', 'listen');
  const explicitPort = args.listen !== undefined;
  if (!isLoopbackHost(url.hostname))
    throw new UsageError('--listen takes a loopback ws:// URL, e.g. ws://127.0.0.1:4500');

  const config = loadConfig({ overrides: args.config ?? [] });
  for (const warning of [...config.warnings, ...sandboxWarnings(config)])
    process.stderr.write(`warning: ${warning}\n`);
  const ready = readyFd === undefined ? null : createWriteStream('', { fd: readyFd });
  const holder = acquireLock(config.home);
  if (holder !== null) {
    const running = runningDaemon(config.home);
    const where = running ? ` at ${running.url}` : '';
    process.stderr.write(`yoke serve is already running (pid ${holder})${where}\n`);
    ready?.end(`${JSON.stringify({ existing: holder })}\n`);
    return 0;
  }

  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  let fleet: Awaited<ReturnType<typeof openFleetFor>>;
  try {
    fleet = await openFleetFor(
      'front',
      config,
      { store: args.store, queue: args.queue },
      { log: (line) => log(`fleet: ${line}`) },
    );
  } catch (err) {
    removeServeState(config.home);
    throw err;
  }
  const host = startAppServerHost({
    config,
    openStore: true, // a damaged store is one clear error at start
    tasks: {
      create: createTaskService,
      options: {
        ...(concurrency ? { concurrency } : {}),
        ...(perRepo ? { perRepo } : {}),
        ...(warm !== undefined ? { warm } : {}),
        log: (line) => log(`tasks: ${line}`),
        ...(fleet ? { fleet: fleet.tasks } : {}),
      },
    },
    // A front reads and relays the threads its workers run.
    ...(fleet?.threads.role === 'front' ? { sharedThreads: fleet.threads.shared } : {}),
    // Threads that were waiting on an approval when the daemon stopped ask again.
    reviveWaiting: () => {},
  });
  const { tasks } = host;
  fleet?.attach(tasks);
  let handle: Awaited<ReturnType<typeof listen>>;
  try {
    await tasks.start();
    const token = writeToken(config.home);
    // The web page on the same port, behind a one-time login link (serve-web.ts).
    const web = serveWeb(token, webSessionKey(config.home));
    const on = (port: number) =>
      listen({
        host: url.hostname,
        port,
        authToken: token,
        onConnection: (transport) => host.attach(transport),
        onHttpRequest: (req, res) => hooks.onHttpRequest?.(req, res) || web.handle(req, res),
        authorizeUpgrade: web.authorized,
      });
    // The same port as last time, so open pages reconnect to the restarted daemon; another
    // when something else took it meanwhile.
    const last = explicitPort ? 0 : rememberedPort(config.home);
    try {
      handle = await on(last || Number(url.port || 0));
    } catch (err) {
      if (!last || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      log(`port ${last} (the last one) is taken now; listening on another`);
      handle = await on(0);
    }
    if (!explicitPort) rememberPort(config.home, handle.port);
    writeServeInfo(config.home, { url: handle.url, pid: process.pid, startedAtMs: Date.now() });
    process.stdout.write(`${web.readyLine(handle.url)}\n`);
  } catch (err) {
    removeServeState(config.home);
    await host.close();
    await fleet?.close();
    throw err;
  }
  if (fleet) log(`a fleet front (${fleet.where}): tasks run on the workers`);
  // Readiness, for scripts and tests (stderr) and for the `yoke task` that started us (fd).
  log(`yoke serve listening on ${handle.url} (pid ${process.pid}, home ${config.home})`);
  ready?.end(`${JSON.stringify({ url: handle.url, pid: process.pid })}\n`);
  for (const dir of args['warm-repo'] ?? []) {
    tasks.warmUp(resolve(dir)).then(
      (ready) => log(`tasks: ${ready} warm worktree(s) ready for ${dir}`),
      (err: Error) => log(`tasks: cannot keep ${dir} warm: ${err.message}`),
    );
  }

  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  log(
    fleet
      ? 'yoke serve stopping: the workers carry on'
      : 'yoke serve stopping: running tasks will resume at the next start',
  );
  await handle.close();
  await host.close();
  await fleet?.close();
  removeServeState(config.home);
  return 0;
}
