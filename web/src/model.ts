// Everything the page knows, kept current by one WebSocket JSON-RPC connection (no polling):
// the tasks (task/list, then task/updated), the threads it watches (thread/resume, then their
// notifications), recent threads, and the approvals the server asks this page for. Views read
// it and re-render on change; changes are coalesced to one render per animation frame.
import { YokeClient } from '../../src/client/client.ts';
import { elicitationAnswer, type FormDecision } from '../../src/client/elicitation.ts';
import { connectWebSocket } from '../../src/client/ws-client-transport.ts';
import type { RequestId } from '../../src/protocol/jsonrpc.ts';
import type { Task, TaskLogEntry } from '../../src/protocol/methods-task.ts';
import type {
  ClientRequestMethod,
  ParamsOf,
  ResultOf,
  ServerNotification,
} from '../../src/protocol/methods.ts';
import type { Thread } from '../../src/protocol/thread.ts';
import {
  addApproval,
  applyNotification,
  emptyThread,
  fromSnapshot,
  removeApproval,
  threadIdOf,
  type ApprovalRequest,
  type ThreadView,
} from '../../src/client/thread-view.ts';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'loggedOut';
export type Decision = 'accept' | 'acceptForSession' | 'decline';

/** A question of a thread's view (src/client/thread-view.ts), with how this page answers it. */
export type Approval = ApprovalRequest & {
  /** Unique on this page: the connection's generation and the request id. */
  key: string;
  threadId: string;
  decisions: Decision[];
  /** A decision, or an MCP server's form filled in. */
  answer(decision: Decision | FormDecision): void;
};

/** Task statuses whose threads the page follows, so their approvals reach it. */
const ACTIVE = new Set<Task['status']>(['preparing', 'running', 'waiting_approval']);
const ALL_DECISIONS: Decision[] = ['accept', 'acceptForSession', 'decline'];
const VERSION = '0.1.0';

export class Model {
  connection: ConnectionState = 'connecting';
  lastError: string | null = null;
  tasks = new Map<string, Task>();
  tasksLoaded = false;
  taskLogs = new Map<string, TaskLogEntry[]>();
  threads = new Map<string, ThreadView>();
  recentThreads: Thread[] = [];
  /** The models the daemon offers (model/list), for the pickers. */
  models: string[] = [];
  /** Why the daemon cannot reach a model (no key for its provider), or null. */
  credentialsProblem: string | null = null;
  /** The last mcpServer/startupStatus/updated of each MCP server, by name. */
  mcpStartup = new Map<string, { status: string; error: string | null; atMs: number }>();

  private client: YokeClient | null = null;
  private generation = 0;
  private readonly viewing = new Map<string, number>();
  private readonly subscribed = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private scheduled = false;
  private refreshingThreads = false;
  /** How each pending approval is answered, by key. */
  private readonly answers = new Map<string, (decision: Decision | FormDecision) => void>();

  constructor(private readonly url: string) {}

  /** The approvals waiting for an answer, from every thread the page follows. */
  get approvals(): Approval[] {
    return [...this.threads.values()].flatMap((view) =>
      view.approvals.map((request) => {
        const key = approvalKey(this.generation, request.requestId);
        const listed =
          request.kind === 'command' ? (request.params.availableDecisions ?? null) : null;
        const offered = listed ? ALL_DECISIONS.filter((d) => listed.includes(d)) : ALL_DECISIONS;
        return {
          ...request,
          key,
          threadId: view.id,
          decisions: offered.length > 0 ? offered : ALL_DECISIONS,
          answer: (decision: Decision | FormDecision) => {
            removeApproval(view, request.requestId);
            this.changed();
            this.answers.get(key)?.(decision);
            this.answers.delete(key);
          },
        };
      }),
    );
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Connects, and reconnects whenever the connection drops (the daemon restarted, say). */
  async start(): Promise<void> {
    let delay = 500;
    for (;;) {
      try {
        await this.connect();
        delay = 500;
        await new Promise<void>((resolve) => this.client?.onClose(() => resolve()));
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.client?.close(); // failed half-way (after initialize): do not leave it open
      }
      this.client = null;
      this.forgetApprovals();
      this.subscribed.clear();
      // Why it dropped, and what the reader can do; meanwhile keep trying (a login in another
      // tab, or the daemon coming back on this port, reconnects this one by itself).
      const state = await reachable();
      if (state === 'loggedOut') {
        this.connection = 'loggedOut';
        this.lastError =
          `yoke serve at ${location.host} no longer knows this browser (its session expired, or ` +
          'web-session.key was deleted). Run `yoke web` in a terminal for a new login link.';
      } else {
        this.connection = 'reconnecting';
        if (state === 'down')
          this.lastError =
            `yoke serve is not answering at ${location.host}. Start it again (\`yoke serve\`, or ` +
            'any `yoke task` command): this page reconnects by itself. If it now listens on ' +
            'another port, `yoke web` prints its link.';
      }
      this.changed();
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5000);
    }
  }

  /** A request on the current connection; fails at once while disconnected. */
  request<M extends ClientRequestMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    if (!this.client) return Promise.reject(new Error('not connected to yoke serve'));
    return this.client.request(method, params);
  }

  /** Follows a thread while a view shows it; returns the function that stops. */
  watchThread(threadId: string): () => void {
    this.viewing.set(threadId, (this.viewing.get(threadId) ?? 0) + 1);
    this.syncSubscriptions();
    return () => {
      const left = (this.viewing.get(threadId) ?? 1) - 1;
      if (left > 0) this.viewing.set(threadId, left);
      else this.viewing.delete(threadId);
      this.syncSubscriptions();
    };
  }

  /** Reads a task's whole log (task/updated appends to it afterwards). */
  async loadTaskLog(taskId: string): Promise<void> {
    const entries: TaskLogEntry[] = [];
    let cursor: string | null = null;
    do {
      const page: ResultOf<'task/log/read'> = await this.request('task/log/read', {
        taskId,
        cursor,
        limit: 500,
      });
      entries.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor !== null);
    // Live entries that arrived while paging are kept, once.
    const live = this.taskLogs.get(taskId) ?? [];
    const last = entries.at(-1)?.seq ?? 0;
    this.taskLogs.set(taskId, [...entries, ...live.filter((e) => e.seq > last)]);
    this.changed();
  }

  async refreshTask(taskId: string): Promise<void> {
    const { task } = await this.request('task/read', { taskId });
    this.tasks.set(task.id, task);
    this.syncSubscriptions();
    this.changed();
  }

  // ---- connection -------------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.connection = this.generation === 0 ? 'connecting' : 'reconnecting';
    const transport = await connectWebSocket(this.url);
    const client = new YokeClient(transport, {
      log: (line) => console.warn(`yoke: ${line}`),
    });
    const generation = ++this.generation;
    client.onNotification('*', (n) => this.onNotification(n, generation));
    client.onServerRequest('item/commandExecution/requestApproval', async (params, meta) => ({
      decision: (await this.ask(generation, {
        requestId: meta.id,
        kind: 'command',
        params,
      })) as Decision,
    }));
    client.onServerRequest('item/fileChange/requestApproval', async (params, meta) => ({
      decision: (await this.ask(generation, {
        requestId: meta.id,
        kind: 'fileChange',
        params,
      })) as Decision,
    }));
    client.onServerRequest('mcpServer/elicitation/request', async (params, meta) =>
      elicitationAnswer(await this.ask(generation, { requestId: meta.id, kind: 'mcp', params })),
    );
    await client.initialize({ name: 'yoke-web', title: 'Yoke web page', version: VERSION });
    this.client = client;
    this.connection = 'open';
    this.lastError = null;
    this.changed();
    await Promise.all([this.loadTasks(), this.loadRecentThreads(), this.loadModelAccess()]);
    this.syncSubscriptions();
  }

  /** The models offered, and whether the daemon has the key its model provider needs. */
  private async loadModelAccess(): Promise<void> {
    const [models, account, { config }] = await Promise.all([
      this.request('model/list', { limit: 100 }),
      this.request('account/read', {}),
      this.request('config/read', {}),
    ]);
    this.models = [...new Set(models.data.map((m) => m.model))];
    const provider = typeof config.model_provider === 'string' ? config.model_provider : 'openai';
    const entry = (config.model_providers as Record<string, { env_key?: unknown }> | undefined)?.[
      provider
    ];
    const envKey =
      typeof entry?.env_key === 'string'
        ? entry.env_key
        : account.requiresOpenaiAuth
          ? 'OPENAI_API_KEY'
          : null;
    this.credentialsProblem =
      account.account === null && envKey
        ? `yoke serve has no API key for its model provider "${provider}": ${envKey} is not set ` +
          'in its environment, so tasks and threads will fail. Set it, then restart yoke serve.'
        : null;
    this.changed();
  }

  private async loadTasks(): Promise<void> {
    const { data } = await this.request('task/list', { limit: 200 });
    this.tasks = new Map(data.map((t) => [t.id, t]));
    this.tasksLoaded = true;
    this.changed();
  }

  private refreshRecentThreads(): void {
    if (this.refreshingThreads) return;
    this.refreshingThreads = true;
    this.loadRecentThreads()
      .catch(() => {})
      .finally(() => (this.refreshingThreads = false));
  }

  private async loadRecentThreads(): Promise<void> {
    const { data } = await this.request('thread/list', { limit: 30 });
    this.recentThreads = data;
    this.changed();
  }

  /** Subscribes to the threads being viewed and those of active tasks; drops the rest. */
  private syncSubscriptions(): void {
    if (!this.client) return;
    const wanted = new Set(this.viewing.keys());
    for (const task of this.tasks.values()) {
      if (ACTIVE.has(task.status)) for (const id of task.threadIds) wanted.add(id);
    }
    for (const id of wanted) {
      if (this.subscribed.has(id)) continue;
      this.subscribed.add(id);
      if (!this.threads.has(id)) this.threads.set(id, emptyThread(id));
      this.request('thread/resume', { threadId: id }).then(
        ({ thread }) => {
          this.threads.set(id, fromSnapshot(thread, this.threads.get(id)));
          this.changed();
        },
        (err: unknown) => {
          this.subscribed.delete(id);
          this.lastError = `thread ${id}: ${err instanceof Error ? err.message : String(err)}`;
          this.changed();
        },
      );
    }
    for (const id of [...this.subscribed]) {
      if (wanted.has(id)) continue;
      this.subscribed.delete(id);
      this.request('thread/unsubscribe', { threadId: id }).catch(() => {});
    }
  }

  private onNotification(n: ServerNotification, generation: number): void {
    if (generation !== this.generation) return;
    switch (n.method) {
      case 'task/updated': {
        const { task, entries } = n.params;
        this.tasks.set(task.id, task);
        const log = this.taskLogs.get(task.id);
        if (log) {
          const last = log.at(-1)?.seq ?? 0;
          log.push(...entries.filter((e) => e.seq > last));
        }
        // Task threads start inside the daemon (no thread/started): refresh the list.
        if (task.threadIds.some((id) => !this.recentThreads.some((t) => t.id === id))) {
          this.refreshRecentThreads();
        }
        this.syncSubscriptions();
        break;
      }
      case 'mcpServer/startupStatus/updated': {
        const { name, status, error } = n.params;
        this.mcpStartup.set(name, { status, error, atMs: Date.now() });
        break;
      }
      case 'thread/started':
        this.recentThreads = [
          n.params.thread,
          ...this.recentThreads.filter((t) => t.id !== n.params.thread.id),
        ];
        break;
      default: {
        // serverRequest/resolved too: answered elsewhere, the question goes from the view.
        if (n.method === 'serverRequest/resolved')
          this.answers.delete(approvalKey(generation, n.params.requestId));
        const threadId = threadIdOf(n);
        const view = threadId === null ? undefined : this.threads.get(threadId);
        if (!view || !applyNotification(view, n)) return;
      }
    }
    this.changed();
  }

  /** A server→client approval request: shown until answered here or resolved elsewhere. */
  private ask(generation: number, request: ApprovalRequest): Promise<Decision | FormDecision> {
    return new Promise((resolve) => {
      const { threadId } = request.params;
      let view = this.threads.get(threadId);
      if (!view) this.threads.set(threadId, (view = emptyThread(threadId)));
      this.answers.set(approvalKey(generation, request.requestId), resolve);
      addApproval(view, request);
      this.changed();
    });
  }

  /** A new connection: the old one's questions went with it. */
  private forgetApprovals(): void {
    this.answers.clear();
    for (const view of this.threads.values()) view.approvals = [];
  }

  private changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const flush = () => {
      if (!this.scheduled) return;
      this.scheduled = false;
      for (const listener of [...this.listeners]) listener();
    };
    // One render per frame; the timer covers background tabs, where frames stop.
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(flush);
    setTimeout(flush, 100);
  }
}

function approvalKey(generation: number, requestId: RequestId): string {
  return `${generation}:${String(requestId)}`;
}

/** Whether the page's own origin answers, and still accepts this browser. */
async function reachable(): Promise<'ok' | 'loggedOut' | 'down'> {
  try {
    // Bounded: after a restart on another port, another program may hold this one and never
    // answer.
    const res = await fetch('/', {
      method: 'HEAD',
      cache: 'no-store',
      signal: AbortSignal.timeout(5000),
    });
    return res.status === 401 ? 'loggedOut' : 'ok';
  } catch {
    return 'down';
  }
}

/** The daemon's WebSocket: same origin as the page (the session cookie goes along). */
export function serverUrl(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/rpc`;
}
