// The configured MCP servers of one process (a Toolshed): their connections, started together
// in parallel when a thread needs them, the catalogue of their tools, and a reload that
// restarts only the servers whose configuration changed. Threads share the servers: a server
// started for one thread is ready for the next.
import { entriesOf, sortEntries, type CatalogueEntry } from './catalogue.ts';
import type { McpServersConfig } from './config.ts';
import { McpConnection, type ConnectionEvent } from './connection.ts';
import { McpError } from './errors.ts';
import type { KnownTools } from './toolsets.ts';

export type HubEvent = { server: string } & ConnectionEvent;

export type HubOptions = {
  servers: McpServersConfig;
  /** Where stdio servers run unless their config says `cwd`. */
  cwd: string;
  env: NodeJS.ProcessEnv;
};

export class McpHub {
  private readonly connections = new Map<string, McpConnection>();
  private readonly offs = new Map<string, () => void>();
  private readonly listeners = new Set<(event: HubEvent) => void>();
  private cache: CatalogueEntry[] | null = null;

  constructor(private options: HubOptions) {
    for (const config of Object.values(options.servers)) this.add(config);
  }

  /** Every configured server, by name. */
  get servers(): McpConnection[] {
    return [...this.connections.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  get size(): number {
    return this.connections.size;
  }

  server(name: string): McpConnection {
    const connection = this.connections.get(name);
    if (!connection) {
      const known = [...this.connections.keys()].join(', ') || 'none';
      throw new McpError(
        'mcp_not_found',
        `no MCP server "${name}" in config.toml (configured: ${known})`,
      );
    }
    return connection;
  }

  on(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts every enabled server that is not running (failed ones again), in parallel, and
   * resolves when each is connected or has failed — at most its startup timeout. Never rejects.
   */
  async startAll(): Promise<void> {
    await Promise.all(
      this.servers
        .filter((c) => c.state !== 'disabled')
        .map((c) => c.start().catch(() => undefined)),
    );
  }

  /** The tools of every connected server, sorted by the names the model sees. */
  catalogue(): CatalogueEntry[] {
    this.cache ??= sortEntries(this.servers.flatMap((c) => entriesOf(c.config, c.tools)));
    return this.cache;
  }

  /**
   * What exists, for checking tool patterns: the built-in tools, the configured servers, and
   * the tools of those that are connected (null for the others: not known yet).
   */
  known(builtin: readonly string[]): KnownTools {
    return {
      builtin,
      servers: this.servers.map((c) => c.name),
      toolsOf: (server) =>
        this.connections.get(server)?.state === 'connected'
          ? this.catalogue()
              .filter((e) => e.server === server)
              .map((e) => e.name)
          : null,
    };
  }

  /** A catalogue entry by the name the model sees, or undefined. */
  entry(name: string): CatalogueEntry | undefined {
    return this.catalogue().find((e) => e.name === name);
  }

  /**
   * Applies a new configuration: removed servers stop, changed ones stop and start again on
   * next use, unchanged ones keep running.
   */
  async reload(servers: McpServersConfig): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [name, connection] of this.connections) {
      const next = servers[name];
      if (next && JSON.stringify(next) === JSON.stringify(connection.config)) continue;
      this.offs.get(name)?.();
      this.offs.delete(name);
      this.connections.delete(name);
      closing.push(connection.close());
    }
    for (const config of Object.values(servers))
      if (!this.connections.has(config.name)) this.add(config);
    this.options = { ...this.options, servers };
    this.cache = null;
    await Promise.all(closing);
    this.emit({ server: '*', type: 'tools' });
  }

  /** Stops every server (their processes). */
  async close(): Promise<void> {
    for (const off of this.offs.values()) off();
    this.offs.clear();
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }

  private add(config: McpServersConfig[string]): void {
    const connection = new McpConnection(config, this.options.cwd, this.options.env);
    this.connections.set(config.name, connection);
    this.offs.set(
      config.name,
      connection.on((event) => {
        this.cache = null;
        this.emit({ server: config.name, ...event });
      }),
    );
  }

  private emit(event: HubEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
