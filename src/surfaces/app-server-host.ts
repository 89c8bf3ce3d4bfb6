// The App Server of this process, set up one way for every surface: `yoke exec` and the TUI
// (a client in this process), `yoke app-server` (stdio or WebSocket clients), `yoke serve`
// (WebSocket clients and background tasks) — and any new surface (an ACP agent, an MCP
// server): build a host, then connect() a client in this process or attach() a transport.
//
//   const host = startAppServerHost({ config });
//   const client = await host.connect({ name: 'my_surface', title: null, version: '1' });
//   …client.request('thread/start', {…})…
//   await host.close();
import { YokeClient, type ClientOptions } from '../client/client.ts';
import type { ClientInfo } from '../protocol/methods.ts';
import { createMemoryTransportPair, type MessageTransport } from '../protocol/transport.ts';
import type { ResolvedConfig } from '../runtime/config.ts';
import type { createTaskService, TaskRunner, TaskServiceOptions } from '../runtime/task-service.ts';
import { ThreadManager, type ManagerOptions } from '../runtime/thread-manager.ts';
import { AppServer, type AppServerOptions } from '../server/app-server.ts';
import type { Connection, ConnectionOptions } from '../server/connection.ts';

export type HostOptions = {
  config: ResolvedConfig;
  /**
   * Background tasks and the task/* methods (`yoke serve`, `yoke worker`). The caller passes
   * the service's constructor (createTaskService), so a command without tasks never loads the
   * task runner (a tenth of `yoke app-server`'s start-up).
   */
  tasks?: { create: typeof createTaskService; options: TaskServiceOptions };
  /**
   * Open (and check) the store at once, so a damaged one is one clear error at start rather
   * than a failure halfway through (default: on first use, e.g. never for an ephemeral run).
   */
  openStore?: boolean;
  /**
   * Bring back the threads that were waiting on an approval when the last process stopped,
   * once this one has read its first messages (a server that outlives its clients). Called
   * with how many there were, or with the error that stopped it (damage the store check did
   * not see).
   */
  reviveWaiting?: (count: number, error: Error | null) => void;
  /** Where threads are stored (default: SQLite under the home); a fleet worker's shared ones. */
  threadStore?: ManagerOptions['store'];
  /** A fleet front: threads its workers run, read and relayed from the shared store. */
  sharedThreads?: AppServerOptions['shared'];
  /** For tests and embedding: commands run as they are; model streams made this way. */
  runner?: ManagerOptions['runner'];
  streamFor?: ManagerOptions['streamFor'];
};

export type ConnectOptions = {
  /** The client's diagnostics (and the server side's, prefixed), e.g. away from a full screen. */
  log?: (line: string) => void;
  /** Wraps the client's end of the in-memory pair (a test recording what the client sends). */
  wrap?: (transport: MessageTransport) => MessageTransport;
  validate?: ClientOptions['validate'];
};

export type AppServerHost = {
  readonly manager: ThreadManager;
  readonly server: AppServer;
  readonly tasks: TaskRunner | null;
  /**
   * A client in this process, initialized, over the in-memory transport pair. Trusted, always:
   * its params are typed at compile time from the same method table, so they are not parsed
   * again (zod's first parse costs ~10 ms of start-up). Every in-process surface gets this.
   */
  connect(clientInfo: ClientInfo, options?: ConnectOptions): Promise<YokeClient>;
  /** Serves a client over a transport that carries bytes from outside (stdio, WebSocket). */
  attach(transport: MessageTransport, options?: ConnectionOptions): Connection;
  /**
   * Stops: background tasks first (they resume at the next start), then running turns are
   * interrupted (stored as interrupted, so a resume continues them), then the store closes.
   */
  close(): Promise<void>;
};

/** With `tasks`, the host always has its task runner (`yoke serve`). */
export function startAppServerHost(
  options: HostOptions & { tasks: NonNullable<HostOptions['tasks']> },
): AppServerHost & { readonly tasks: TaskRunner };
export function startAppServerHost(options: HostOptions): AppServerHost;
export function startAppServerHost(options: HostOptions): AppServerHost {
  const manager = new ThreadManager({
    config: options.config,
    ...(options.threadStore ? { store: options.threadStore } : {}),
    ...(options.runner ? { runner: options.runner } : {}),
    ...(options.streamFor ? { streamFor: options.streamFor } : {}),
  });
  if (options.openStore) void manager.store;
  const tasks = options.tasks ? options.tasks.create(manager, options.tasks.options) : null;
  const server = new AppServer(manager, {
    ...(tasks ? { tasks } : {}),
    ...(options.sharedThreads ? { shared: options.sharedThreads } : {}),
  });
  const clients = new Set<YokeClient>();
  const { reviveWaiting } = options;
  let closed: Promise<void> | null = null;
  // After the first messages are read: answering initialize does not wait for the store.
  if (reviveWaiting) {
    setImmediate(() => {
      // A client that sent its messages and hung up at once: the store may be closed already.
      if (closed) return;
      let count: number;
      try {
        count = server.reviveWaitingThreads();
      } catch (err) {
        return reviveWaiting(0, err instanceof Error ? err : new Error(String(err)));
      }
      reviveWaiting(count, null);
    });
  }

  return {
    manager,
    server,
    tasks,
    async connect(clientInfo, connect = {}) {
      const [clientEnd, serverEnd] = createMemoryTransportPair();
      const log = connect.log;
      server.attach(serverEnd, {
        trusted: true,
        ...(log ? { log: (line: string) => log(`server: ${line}`) } : {}),
      });
      const client = new YokeClient(connect.wrap ? connect.wrap(clientEnd) : clientEnd, {
        ...(log ? { log: (line: string) => log(`client: ${line}`) } : {}),
        ...(connect.validate ? { validate: true } : {}),
      });
      clients.add(client);
      client.onClose(() => clients.delete(client));
      await client.initialize(clientInfo);
      return client;
    },
    attach: (transport, connection) => server.attach(transport, connection),
    close() {
      closed ??= (async () => {
        await tasks?.close();
        await Promise.all(manager.loadedThreadIds.map((id) => manager.loaded(id)?.interrupt()));
        for (const client of [...clients]) client.close();
        server.close();
        await manager.closeMcp();
        manager.close();
      })();
      return closed;
    },
  };
}
