// One MCP server: its connection through the official SDK, its state and its tool list. It
// starts on demand (stdio: spawns the command; HTTP: connects), gives up after its startup
// timeout, notices when the server dies, and starts again on the next use. Calls carry the
// turn's AbortSignal, the tool timeout, progress, and a way to ask the user (elicitation).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type {
  CallToolResult,
  ElicitRequest,
  ElicitResult,
  Implementation,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Tool as SdkTool,
} from '@modelcontextprotocol/sdk/types.js';
import type { ElicitationRequest, ElicitationResponse } from '../protocol/methods-mcp.ts';
import type { McpServerConfig } from './config.ts';
import { McpError } from './errors.ts';
import { loadSdk, openTransport, type OpenedTransport } from './transport.ts';

export type ConnectionState = 'notStarted' | 'starting' | 'connected' | 'failed' | 'disabled';

export type CallHooks = {
  signal?: AbortSignal;
  /** A progress line (`3/5 …`), as the server reports it. */
  onProgress?: (message: string) => void;
  /** Asks the user; absent: the server's question is declined. */
  elicit?: (request: ElicitationRequest) => Promise<ElicitationResponse>;
};

export type ConnectionEvent =
  { type: 'state'; state: ConnectionState; error: string | null } | { type: 'tools' };

const CLIENT_INFO = { name: 'yoke', version: '0.1.0' };

export class McpConnection {
  private stateValue: ConnectionState;
  private errorValue: string | null = null;
  private client: Client | null = null;
  private transport: OpenedTransport | null = null;
  private starting: Promise<void> | null = null;
  private toolList: SdkTool[] = [];
  private info: Implementation | null = null;
  private readonly listeners = new Set<(event: ConnectionEvent) => void>();
  /** Calls in flight, newest last: a server's elicitation goes to the call that caused it. */
  private readonly calls: CallHooks[] = [];
  /** Bumped by every start, so a dying old connection cannot mark a new one failed. */
  private generation = 0;

  constructor(
    readonly config: McpServerConfig,
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.stateValue = config.enabled ? 'notStarted' : 'disabled';
  }

  get name(): string {
    return this.config.name;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Why the server is not connected (failed to start, died), or null. */
  get error(): string | null {
    return this.errorValue;
  }

  /** The server's tools as it listed them (not yet filtered by enabled/disabled_tools). */
  get tools(): readonly SdkTool[] {
    return this.toolList;
  }

  get serverInfo(): Implementation | null {
    return this.info;
  }

  get capabilities(): unknown {
    return this.client?.getServerCapabilities() ?? null;
  }

  /** The server's process id (stdio), for diagnostics. */
  get pid(): number | null {
    return this.transport?.pid() ?? null;
  }

  on(listener: (event: ConnectionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts the server unless it runs or is starting; resolves when it is connected, rejects
   * (McpError mcp_unavailable) when it fails. A failed server is started again.
   */
  start(): Promise<void> {
    if (this.stateValue === 'disabled')
      return Promise.reject(
        new McpError('mcp_unavailable', `MCP server "${this.name}" is disabled in config.toml`),
      );
    if (this.stateValue === 'connected') return Promise.resolve();
    this.starting ??= this.connect().finally(() => (this.starting = null));
    return this.starting;
  }

  /** Waits at most `ms` for a start in progress; true when connected. Never rejects. */
  async ready(ms: number): Promise<boolean> {
    const starting = this.starting;
    if (starting) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
      await Promise.race([starting.catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    return this.state === 'connected';
  }

  async callTool(tool: string, args: unknown, hooks: CallHooks = {}): Promise<CallToolResult> {
    await this.start();
    const client = this.client!;
    this.calls.push(hooks);
    // A signal of this call alone: the SDK leaves its abort listener on the signal it is given,
    // and a turn's signal would gather one per call.
    const call = new AbortController();
    const abort = () => call.abort(hooks.signal?.reason);
    if (hooks.signal?.aborted) abort();
    hooks.signal?.addEventListener('abort', abort, { once: true });
    try {
      return (await client.callTool(
        { name: tool, arguments: (args ?? {}) as Record<string, unknown> },
        undefined,
        {
          signal: call.signal,
          timeout: this.config.toolTimeoutMs,
          resetTimeoutOnProgress: false,
          onprogress: (p) => {
            const of = p.total !== undefined ? `${p.progress}/${p.total}` : `${p.progress}`;
            hooks.onProgress?.(p.message ? `${of} ${p.message}` : of);
          },
        },
      )) as CallToolResult;
    } catch (err) {
      throw this.callError(err, `tool "${tool}"`, hooks.signal);
    } finally {
      hooks.signal?.removeEventListener('abort', abort);
      this.calls.splice(this.calls.indexOf(hooks), 1);
    }
  }

  async readResource(uri: string): Promise<ReadResourceResult> {
    await this.start();
    try {
      return await this.client!.readResource({ uri }, { timeout: this.config.toolTimeoutMs });
    } catch (err) {
      throw this.callError(err, `resource ${uri}`);
    }
  }

  async listResources(): Promise<{ resources: Resource[]; templates: ResourceTemplate[] }> {
    const client = this.client;
    if (this.stateValue !== 'connected' || !client?.getServerCapabilities()?.resources)
      return { resources: [], templates: [] };
    const resources: Resource[] = [];
    const templates: ResourceTemplate[] = [];
    try {
      let cursor: string | undefined;
      do {
        const page = await client.listResources(cursor ? { cursor } : {});
        resources.push(...page.resources);
        cursor = page.nextCursor;
      } while (cursor);
      do {
        const page = await client.listResourceTemplates(cursor ? { cursor } : {});
        templates.push(...page.resourceTemplates);
        cursor = page.nextCursor;
      } while (cursor);
    } catch {
      // A server that lists tools but not resources still works; its resources are unknown.
    }
    return { resources, templates };
  }

  /** Stops the server (its process, for stdio). The next use starts it again. */
  async close(): Promise<void> {
    this.generation++;
    const client = this.client;
    this.client = null;
    this.transport = null;
    if (this.stateValue !== 'disabled') this.setState('notStarted', null);
    await client?.close().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    this.setState('starting', null);
    let transport: OpenedTransport | null = null;
    let client: Client | null = null;
    const timer = { id: undefined as NodeJS.Timeout | undefined };
    try {
      const sdk = await loadSdk();
      transport = await openTransport(this.config, this.cwd, this.env);
      client = new sdk.Client(CLIENT_INFO, {
        capabilities: { elicitation: { form: {}, url: {} } },
      });
      client.setRequestHandler(sdk.ElicitRequestSchema, (request) => this.onElicit(request));
      client.setNotificationHandler(sdk.ToolListChangedNotificationSchema, () =>
        this.refreshTools(client!, generation),
      );
      const timeout = new Promise<never>((_, reject) => {
        timer.id = setTimeout(
          () =>
            reject(
              new Error(
                `did not start within ${this.config.startupTimeoutMs / 1000} s (startup_timeout_sec)`,
              ),
            ),
          this.config.startupTimeoutMs,
        );
      });
      const started = (async () => {
        await client!.connect(transport!.transport);
        this.toolList = await listAllTools(client!);
      })();
      await Promise.race([started, timeout]);
      if (generation !== this.generation) {
        await client.close().catch(() => undefined);
        return;
      }
      this.client = client;
      this.transport = transport;
      this.info = client.getServerVersion() ?? null;
      client.onclose = () => this.onClosed(generation);
      this.setState('connected', null);
    } catch (err) {
      await client?.close().catch(() => undefined);
      await transport?.transport.close().catch(() => undefined);
      const message = `MCP server "${this.name}" failed to start: ${describe(err)}${transport?.stderrTail() ? ` (stderr: ${transport.stderrTail()})` : ''}`;
      if (generation === this.generation) this.setState('failed', message);
      throw new McpError('mcp_unavailable', message);
    } finally {
      clearTimeout(timer.id);
    }
  }

  private async refreshTools(client: Client, generation: number): Promise<void> {
    try {
      const tools = await listAllTools(client);
      if (generation !== this.generation) return;
      this.toolList = tools;
      this.emit({ type: 'tools' });
    } catch {
      // The next notification or restart lists them again.
    }
  }

  private onClosed(generation: number): void {
    if (generation !== this.generation || this.stateValue !== 'connected') return;
    const stderr = this.transport?.stderrTail();
    this.client = null;
    this.transport = null;
    this.setState(
      'failed',
      `MCP server "${this.name}" exited${stderr ? ` (stderr: ${stderr})` : ''}; it starts again on its next use`,
    );
  }

  private async onElicit(request: ElicitRequest): Promise<ElicitResult> {
    const hooks = this.calls.at(-1);
    if (!hooks?.elicit) return { action: 'decline' };
    const params = request.params as Record<string, unknown> & { message: string };
    const { _meta, ...rest } = params;
    const asked: ElicitationRequest =
      rest.mode === 'url'
        ? {
            mode: 'url',
            message: params.message,
            url: String(rest.url),
            elicitationId: String(rest.elicitationId),
            _meta: _meta ?? null,
          }
        : {
            mode: 'form',
            message: params.message,
            requestedSchema: rest.requestedSchema as Extract<
              ElicitationRequest,
              { mode: 'form' }
            >['requestedSchema'],
            _meta: _meta ?? null,
          };
    const answer = await hooks.elicit(asked);
    return answer.action === 'accept'
      ? { action: 'accept', content: (answer.content ?? {}) as ElicitResult['content'] }
      : { action: answer.action };
  }

  /** What a failed call or read tells the model: precise, and never a stack trace. */
  private callError(err: unknown, what: string, signal?: AbortSignal): McpError {
    if (err instanceof McpError) return err;
    if (signal?.aborted)
      return new McpError(
        'mcp_unavailable',
        `${what} of MCP server "${this.name}" was interrupted`,
      );
    const code = (err as { code?: unknown }).code;
    if (code === -32001)
      return new McpError(
        'mcp_unavailable',
        `${what} of MCP server "${this.name}" did not answer within ${this.config.toolTimeoutMs / 1000} s (tool_timeout_sec)`,
      );
    if (code === -32000 || this.stateValue !== 'connected') {
      const why = this.errorValue ?? `MCP server "${this.name}" closed the connection`;
      return new McpError('mcp_unavailable', `${what} failed: ${why}`);
    }
    return new McpError(
      'mcp_unavailable',
      `${what} of MCP server "${this.name}" failed: ${describe(err)}`,
    );
  }

  private setState(state: ConnectionState, error: string | null): void {
    this.stateValue = state;
    this.errorValue = error;
    this.emit({ type: 'state', state, error });
  }

  private emit(event: ConnectionEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

async function listAllTools(client: Client): Promise<SdkTool[]> {
  const tools: SdkTool[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^MCP error -?\d+: /, '');
}
