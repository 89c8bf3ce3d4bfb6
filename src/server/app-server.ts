// The App Server: the method table's client requests bound to the thread runtime, and the
// fan-out of every thread's events to every connection subscribed to it. Approvals go out as
// server→client requests to each subscriber; the first answer wins and everyone who was asked
// gets `serverRequest/resolved` with the id the request had on their connection.
import type { ThreadReadState } from '../protocol/methods-history.ts';
import type { ServerNotification } from '../protocol/methods.ts';
import type { MessageTransport } from '../protocol/transport.ts';
import type { ApprovalAnswer, PendingApproval } from '../runtime/approvals.ts';
import { RuntimeError } from '../runtime/errors.ts';
import type { RemoteThread, SharedThreads } from '../runtime/fleet-threads.ts';
import type { TaskRunner } from '../runtime/task-service.ts';
import { FileSearch } from '../runtime/file-search.ts';
import type { ThreadManager } from '../runtime/thread-manager.ts';
import type { SessionEvent, ThreadSession } from '../runtime/thread-session.ts';
import { Connection, type ConnectionOptions } from './connection.ts';
import { commandHandlers } from './handlers-command.ts';
import { clientHandlers } from './handlers-client.ts';
import { configHandlers } from './handlers-config.ts';
import { createFsService } from './handlers-fs.ts';
import { historyHandlers } from './handlers-history.ts';
import { initializeResult } from './initialize.ts';
import { mcpHandlers } from './handlers-mcp.ts';
import { providerHandlers } from './handlers-providers.ts';
import { reviewHandlers } from './handlers-review.ts';
import { taskHandlers } from './handlers-task.ts';
import { threadHandlers } from './handlers-thread.ts';
import { RemoteThreads } from './remote-threads.ts';
import { createRouter, type ConnectionContext, type Handlers, type Router } from './router.ts';

const STARTUP_STATUS: Record<string, 'starting' | 'ready' | 'failed' | undefined> = {
  starting: 'starting',
  connected: 'ready',
  failed: 'failed',
};

type Asked = { ctx: ConnectionContext; requestId: number; cancel: AbortController };

export type AppServerOptions = {
  /** Background tasks: serves the task/* methods and broadcasts task/updated. */
  tasks?: TaskRunner;
  /** A fleet front: the threads its workers run, from the shared store and the bus. */
  shared?: SharedThreads;
};

export class AppServer {
  readonly router: Router;
  private readonly connections = new Set<ConnectionContext>();
  /** threadId → subscribed connections. */
  private readonly subscribers = new Map<string, Set<ConnectionContext>>();
  /** Sessions this server listens to (one listener each, fanned out). */
  private readonly watched = new Map<string, () => void>();
  /** approvalId (per thread) → who was asked, with their per-connection request ids. */
  private readonly asked = new Map<string, Asked[]>();
  /** threadId → read state set by thread/readState/update (kept by this process; unset: read). */
  readonly readStates = new Map<string, ThreadReadState>();
  /** fuzzyFileSearch: each root's file listing, reused while someone types. */
  readonly fileSearch = new FileSearch();
  /** fs/*: its watches end with the server. */
  private readonly fs = createFsService();
  /** A fleet front's subscriptions to threads run by workers (null: one machine). */
  readonly remote: RemoteThreads | null;

  private readonly offTasks: (() => void) | null = null;
  private readonly offMcp: () => void;

  constructor(
    readonly manager: ThreadManager,
    readonly options: AppServerOptions = {},
  ) {
    this.remote = options.shared ? new RemoteThreads(options.shared) : null;
    this.router = createRouter(this.handlers());
    // Every client hears when an MCP server starts, is ready, or fails (with the reason).
    this.offMcp = manager.mcp.on((event) => {
      if (event.type !== 'state') return;
      const status = STARTUP_STATUS[event.state];
      if (status)
        this.broadcast({
          method: 'mcpServer/startupStatus/updated',
          params: { threadId: null, name: event.server, status, error: event.error },
        });
    });
    const { tasks } = options;
    if (tasks) {
      this.offTasks = tasks.onUpdate(({ task, entries }) =>
        this.broadcast({ method: 'task/updated', params: { task, entries } }),
      );
    }
  }

  /**
   * Brings back threads that were waiting on an approval when the server stopped; their
   * questions go to whoever subscribes (thread/resume) or answers with `yoke approve`.
   */
  reviveWaitingThreads(): number {
    const sessions = this.manager.reviveWaitingThreads();
    for (const session of sessions) this.watch(session);
    return sessions.length;
  }

  /** Serves one client over `transport`. */
  attach(transport: MessageTransport, options: ConnectionOptions = {}): Connection {
    const connection = new Connection(transport, this.router, options);
    // initialize was answered before this process had a server: what its answer starts.
    if (options.handshake) setImmediate(() => this.manager.prefetchSandboxCheck());
    const ctx = connection.context;
    this.connections.add(ctx);
    ctx.onClose(() => {
      this.connections.delete(ctx);
      this.remote?.dropConnection(ctx);
      for (const [threadId, set] of this.subscribers) {
        if (set.delete(ctx) && set.size === 0) this.maybeUnload(threadId);
      }
    });
    return connection;
  }

  /** Subscribes `ctx` to a session's events and re-sends any question waiting on it. */
  subscribe(session: ThreadSession, ctx: ConnectionContext): void {
    this.watch(session);
    let set = this.subscribers.get(session.id);
    if (!set) this.subscribers.set(session.id, (set = new Set()));
    if (set.has(ctx)) return;
    set.add(ctx);
    // A late subscriber learns the usage so far (otherwise it would wait for the next request).
    const total = session.tokenUsage;
    const lastTurn = session.turns.at(-1);
    if (total.totalTokens > 0 && lastTurn) {
      ctx.notify({
        method: 'thread/tokenUsage/updated',
        params: {
          threadId: session.id,
          turnId: lastTurn.id,
          tokenUsage: { total, last: total, modelContextWindow: session.contextWindow },
        },
      });
    }
    for (const approval of session.pendingApprovals) this.ask(session, approval, ctx);
  }

  /** Returns whether `ctx` was subscribed. */
  unsubscribe(threadId: string, ctx: ConnectionContext): boolean {
    const set = this.subscribers.get(threadId);
    const was = set?.delete(ctx) ?? false;
    if (was && set!.size === 0) this.maybeUnload(threadId);
    return was;
  }

  /** Sends to every initialized connection (thread-level changes anyone may care about). */
  broadcast(notification: ServerNotification): void {
    for (const ctx of this.connections) if (ctx.clientInfo) ctx.notify(notification);
  }

  /**
   * On a fleet front, a thread this process does not hold, as the shared store has it (a
   * worker's); null when the thread is this process's own (or there is no fleet).
   */
  async remoteThread(threadId: string): Promise<RemoteThread | null> {
    if (!this.remote || this.manager.knows(threadId)) return null;
    const found = await this.remote.shared.read(threadId);
    if (!found)
      throw new RuntimeError('thread_not_found', `no thread ${threadId} here or in the fleet`);
    return found;
  }

  close(): void {
    this.remote?.close();
    this.fs.close();
    this.offTasks?.();
    this.offMcp();
    for (const off of this.watched.values()) off();
    this.watched.clear();
  }

  private handlers(): Handlers {
    return {
      initialize: (_params, _ctx, reply) => {
        // Once the answer is out, the sandbox check (two bwrap runs) goes on in the background,
        // so the client's first thread/start does not wait for it.
        reply.afterReply(() => setImmediate(() => this.manager.prefetchSandboxCheck()));
        return initializeResult(this.manager.config.home);
      },
      ...clientHandlers(this),
      ...configHandlers(this),
      ...commandHandlers(this),
      ...this.fs.handlers,
      ...threadHandlers(this),
      ...historyHandlers(this),
      ...reviewHandlers(this),
      ...mcpHandlers(this.manager),
      ...providerHandlers(this),
      ...(this.options.tasks ? taskHandlers(this.options.tasks) : {}),
    };
  }

  private watch(session: ThreadSession): void {
    if (this.watched.has(session.id)) return;
    this.watched.set(
      session.id,
      session.subscribe((event) => this.onSessionEvent(session, event)),
    );
  }

  private onSessionEvent(session: ThreadSession, event: SessionEvent): void {
    const subscribers = this.subscribers.get(session.id);
    switch (event.type) {
      case 'notification':
        if (subscribers) for (const ctx of subscribers) ctx.notify(event.notification);
        if (event.notification.method === 'turn/completed' && !subscribers?.size) {
          this.maybeUnload(session.id);
        }
        return;
      case 'approvalRequested':
        if (subscribers) for (const ctx of subscribers) this.ask(session, event.approval, ctx);
        return;
      case 'approvalResolved':
        this.resolved(session, event.approval);
        return;
    }
  }

  private ask(session: ThreadSession, approval: PendingApproval, ctx: ConnectionContext): void {
    const key = `${session.id}/${approval.id}`;
    const cancel = new AbortController();
    const options = { signal: cancel.signal };
    const answered = (answer: ApprovalAnswer) => {
      try {
        session.resolveApproval(approval.id, answer, ctx.connectionId);
      } catch {
        // Someone else answered first; this answer is ignored.
      }
    };
    // Cancelled (answered elsewhere) or the connection closed: others may still answer.
    const ignored = () => {};
    let requestId: number;
    if (approval.method === 'mcpServer/elicitation/request') {
      // Elicitations are answered with the response itself; the others with a decision.
      const pending = ctx.startRequest(approval.method, approval.params, options);
      pending.result.then(answered, ignored);
      requestId = pending.id;
    } else {
      const pending = ctx.startRequest(approval.method, approval.params, options);
      pending.result.then(({ decision }) => answered(decision), ignored);
      requestId = pending.id;
    }
    const list = this.asked.get(key) ?? [];
    list.push({ ctx, requestId, cancel });
    this.asked.set(key, list);
  }

  private resolved(session: ThreadSession, approval: PendingApproval): void {
    const key = `${session.id}/${approval.id}`;
    for (const { ctx, requestId, cancel } of this.asked.get(key) ?? []) {
      cancel.abort();
      ctx.notify({ method: 'serverRequest/resolved', params: { threadId: session.id, requestId } });
    }
    this.asked.delete(key);
  }

  /** An idle thread nobody watches is unloaded (it stays stored); a running one keeps going. */
  private maybeUnload(threadId: string): void {
    if (this.subscribers.get(threadId)?.size) return;
    if (!this.manager.unload(threadId)) return;
    this.subscribers.delete(threadId);
    this.watched.get(threadId)?.();
    this.watched.delete(threadId);
  }
}
