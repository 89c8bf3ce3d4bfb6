// The TUI's App Server: one running in this process (over the in-memory transport pair, as
// `yoke exec` does), or a remote one over WebSocket. Either way the TUI holds a YokeClient.
import { connectWebSocket } from '../../client/ws-client-transport.ts';
import { YokeClient } from '../../client/client.ts';
import type { ResolvedConfig } from '../../runtime/config.ts';
import { CLI_VERSION } from '../../runtime/version.ts';
import { startAppServerHost } from '../app-server-host.ts';

export type Connected = {
  client: YokeClient;
  /** ws://… for a remote server, null for the one in this process. */
  remote: string | null;
  close: () => Promise<void>;
};

/**
 * Diagnostics (dropped messages, late answers) go here instead of stderr, which would write
 * over the full-screen UI. Lines are held until the UI attaches.
 */
export class LogSink {
  private held: string[] = [];
  private target: ((line: string) => void) | null = null;

  readonly log = (line: string): void => {
    if (this.target) this.target(line);
    else this.held.push(line);
  };

  attach(target: (line: string) => void): void {
    this.target = target;
    for (const line of this.held.splice(0)) target(line);
  }
}

const CLIENT_INFO = { name: 'yoke_tui', title: 'yoke', version: CLI_VERSION };

export async function connectInProcess(config: ResolvedConfig, sink: LogSink): Promise<Connected> {
  // A damaged store is one clear error before the screen is drawn.
  const host = startAppServerHost({ config, openStore: true });
  const client = await host.connect(CLIENT_INFO, { log: sink.log });
  // Running turns stop and are stored as interrupted, so `yoke resume` can continue them.
  return { client, remote: null, close: () => host.close() };
}

export async function connectRemote(
  url: string,
  authToken: string | undefined,
  sink: LogSink,
): Promise<Connected> {
  const transport = await connectWebSocket(url, authToken ? { authToken } : {});
  const client = new YokeClient(transport, { log: (line) => sink.log(`client: ${line}`) });
  await client.initialize(CLIENT_INFO);
  return {
    client,
    remote: url,
    // A remote server keeps its threads (and any running turn) after this client leaves.
    close: async () => client.close(),
  };
}
