// A loaded thread: its history, its settings, the turn running on it, and everyone listening.
// It runs turns through the agent loop, persists what is authoritative, and fans every event
// out to its listeners — notifications, and approvals asked and answered.
import type { EngineEvent } from '../engine/events.ts';
import { renderScopedRules, ScopedRules } from '../context/scoped-rules.ts';
import { compactedHistory, summarize } from '../engine/compaction.ts';
import { runTurn, type PendingInput } from '../engine/loop.ts';
import { settingsChangedMessage, type PromptSettings } from '../engine/prompt.ts';
import type { FunctionCallItem, HistoryItem, Usage } from '../models/types.ts';
import type { ThreadItem, UserInput } from '../protocol/items.ts';
import type { ServerNotification } from '../protocol/methods.ts';
import type { Thread, ThreadStatus, Turn } from '../protocol/thread.ts';
import type { Tool } from '../tools/types.ts';
import { ApprovalBroker, type ApprovalAnswer, type PendingApproval } from './approvals.ts';
import { RuntimeError } from './errors.ts';
import { uuidv7 } from './ids.ts';
import { addUsage, sec, ZERO_USAGE, type LogEvent } from './thread-log.ts';
import { notificationFor } from './turn-notifications.ts';
import { SessionSandbox } from './session-sandbox.ts';
import type {
  SessionDeps,
  SessionEvent,
  ThreadMeta,
  ThreadSettings,
  TurnOverrides,
  TurnResult,
} from './session-types.ts';
import { previewOf, userMessage } from './user-input.ts';

export type {
  SandboxDeps,
  SessionDeps,
  SessionEvent,
  ThreadMeta,
  ThreadSettings,
  TurnOverrides,
  TurnResult,
} from './session-types.ts';

type Listener = (event: SessionEvent) => void;

type Running = {
  turn: Turn;
  /** When the turn started, as stored (`turn.startedAt` is the same in seconds). */
  startedAtMs: number;
  controller: AbortController;
  done: Promise<TurnResult>;
  /** Steering input not yet sent, and who wants to hear when more arrives. */
  input: HistoryItem[];
  arrived: Set<() => void>;
};

export class ThreadSession {
  private readonly listeners = new Set<Listener>();
  private running: Running | null = null;
  private scoped: ScopedRules | null = null;
  private readonly broker: ApprovalBroker;
  private readonly sandbox: SessionSandbox;

  constructor(
    readonly id: string,
    private readonly deps: SessionDeps,
    readonly settings: ThreadSettings,
    private readonly history: HistoryItem[],
    readonly turns: Turn[],
    private usage: Usage,
    readonly meta: ThreadMeta,
  ) {
    this.sandbox = new SessionSandbox(settings, deps.sandbox, deps.runner);
    this.broker = new ApprovalBroker({
      threadId: id,
      requested: (approval) => {
        this.log(approval.params.turnId, {
          kind: 'approvalRequested',
          data: {
            approvalId: approval.id,
            method: approval.method,
            itemId: approval.params.itemId,
          },
        });
        this.emitStatus();
        this.send({ type: 'approvalRequested', approval });
      },
      resolved: (approval, decision, by) => {
        const { itemId, turnId } = approval.params;
        this.log(turnId, {
          kind: 'approval',
          data: {
            approvalId: approval.id,
            itemId,
            method: approval.method,
            decision,
            by,
            atMs: Date.now(),
          },
        });
        this.send({ type: 'approvalResolved', approval, decision, by });
        this.emitStatus();
      },
      cancelTurn: () => this.running?.controller.abort(),
      timeout: () => this.deps.approvalTimeout,
    });
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get activeTurnId(): string | null {
    return this.running?.turn.id ?? null;
  }

  /** The model-visible history (read-only view). */
  get historyItems(): readonly HistoryItem[] {
    return this.history;
  }

  get tokenUsage(): Usage {
    return this.usage;
  }

  /** The current model's context window, from the catalog. */
  get contextWindow(): number {
    return this.deps.catalog.lookup(this.settings.model).contextWindow;
  }

  /** Questions waiting for an answer (sent again to every client that subscribes). */
  get pendingApprovals(): PendingApproval[] {
    return this.broker.pending;
  }

  get status(): ThreadStatus {
    if (!this.running) return { type: 'idle' };
    return { type: 'active', activeFlags: this.broker.pending.length ? ['waitingOnApproval'] : [] };
  }

  toThread(withTurns = false): Thread {
    return {
      id: this.id,
      sessionId: this.id,
      forkedFromId: this.meta.forkedFromId,
      preview: this.meta.preview,
      ephemeral: this.meta.ephemeral,
      modelProvider: this.settings.modelProvider,
      model: this.settings.model,
      reasoningEffort: this.settings.reasoningEffort,
      createdAt: sec(this.meta.createdAt),
      updatedAt: sec(Date.now()),
      status: this.status,
      path: null,
      cwd: this.settings.cwd,
      cliVersion: this.deps.cliVersion,
      source: this.meta.source,
      name: this.meta.name,
      projectId: null,
      turns: withTurns ? this.turns : [],
    };
  }

  /** Starts a turn; `done` resolves when it ends. Only one turn runs at a time. */
  startTurn(
    input: UserInput[],
    overrides: TurnOverrides = {},
  ): { turnId: string; done: Promise<TurnResult> } {
    if (this.running) {
      throw new RuntimeError(
        'thread_busy',
        `thread ${this.id} is already running turn ${this.running.turn.id}`,
      );
    }
    if (input.length === 0) throw new RuntimeError('input_invalid', 'a turn needs some input');
    const message = userMessage(input, overrides.cwd ?? this.settings.cwd);
    this.applyOverrides(overrides);
    const running = this.begin();
    running.done = this.guard(running, () =>
      this.run(running, input, message, overrides.outputSchema ?? null),
    );
    return { turnId: running.turn.id, done: running.done };
  }

  private begin(): Running {
    const startedAtMs = Date.now();
    const turn: Turn = {
      id: uuidv7(),
      items: [],
      status: 'inProgress',
      error: null,
      startedAt: sec(startedAtMs),
    };
    this.running = {
      turn,
      startedAtMs,
      controller: new AbortController(),
      done: Promise.resolve() as unknown as Promise<TurnResult>,
      input: [],
      arrived: new Set(),
    };
    return this.running;
  }

  /** Turn bookkeeping shared by turns and compactions: stored, announced. */
  private async announceTurn({ turn, startedAtMs }: Running): Promise<number> {
    // Let the request that started the turn be answered before its notifications go out.
    await new Promise((resolve) => setImmediate(resolve));
    this.turns.push(turn);
    this.log(turn.id, { kind: 'turnStarted', data: { startedAtMs } });
    this.emitStatus();
    this.emit({
      method: 'turn/started',
      params: { threadId: this.id, turn: { ...turn, items: [] } },
    });
    return startedAtMs;
  }

  private async runCompaction(running: Running): Promise<TurnResult> {
    const { turn, controller } = running;
    const startedAtMs = await this.announceTurn(running);
    const item: ThreadItem = { type: 'contextCompaction', id: uuidv7() };
    this.itemStarted(turn.id, item);
    const stream = this.deps.streamFor(this.settings.modelProvider);
    const summarized = await summarize(
      stream,
      this.promptSettings(null),
      this.history,
      controller.signal,
    );
    let result: TurnResult;
    if (summarized.ok) {
      const next = compactedHistory(this.history, this.meta.preamble, summarized.summary);
      this.history.splice(0, this.history.length, ...next);
      this.log(turn.id, { kind: 'compacted', data: { history: next } });
      if (summarized.usage)
        this.onEngineEvent(turn, { type: 'usage', usage: summarized.usage }, []);
      this.itemCompleted(turn, { ...item, summary: summarized.summary });
      const usage = summarized.usage ?? ZERO_USAGE;
      result = { turnId: turn.id, status: 'completed', error: null, lastMessage: null, usage };
    } else {
      this.itemCompleted(turn, item);
      const interrupted = summarized.error.kind === 'aborted';
      const error = interrupted
        ? null
        : { message: `compaction failed: ${summarized.error.message}` };
      if (error) {
        this.emit({
          method: 'error',
          params: { threadId: this.id, turnId: turn.id, error, willRetry: false },
        });
      }
      const status = interrupted ? 'interrupted' : 'failed';
      result = { turnId: turn.id, status, error, lastMessage: null, usage: ZERO_USAGE };
    }
    this.finishTurn(turn, result, startedAtMs);
    return result;
  }

  /**
   * A turn's `done` never rejects: an unexpected error anywhere in the turn (a store write, a
   * bug) ends that turn as failed with the reason, told to its listeners — never the process.
   */
  private async guard(running: Running, body: () => Promise<TurnResult>): Promise<TurnResult> {
    try {
      return await body();
    } catch (err) {
      const { turn } = running;
      const error = { message: `internal error: ${err instanceof Error ? err.message : err}` };
      const result: TurnResult = {
        turnId: turn.id,
        status: 'failed',
        error,
        lastMessage: null,
        usage: ZERO_USAGE,
      };
      if (this.running === running) {
        this.emit({
          method: 'error',
          params: { threadId: this.id, turnId: turn.id, error, willRetry: false },
        });
        if (!this.turns.includes(turn)) this.turns.push(turn);
        this.finishTurn(turn, result, running.startedAtMs);
      }
      return result;
    }
  }

  private promptSettings(outputSchema: Record<string, unknown> | null): PromptSettings {
    return {
      model: this.settings.model,
      instructions: this.deps.instructions,
      reasoningEffort: this.settings.reasoningEffort,
      outputSchema,
      promptCacheKey: this.id,
    };
  }

  /**
   * Compacts the context now, as a turn of its own with a contextCompaction item. The model
   * writes a summary; the history becomes preamble + task record + summary + recent items.
   */
  startCompaction(): { turnId: string; done: Promise<TurnResult> } {
    if (this.running) {
      throw new RuntimeError(
        'thread_busy',
        `thread ${this.id} is running turn ${this.running.turn.id}; compact when it ends`,
      );
    }
    const running = this.begin();
    running.done = this.guard(running, () => this.runCompaction(running));
    return { turnId: running.turn.id, done: running.done };
  }

  /** Adds input to the running turn; an in-flight model request is restarted with it. */
  steer(input: UserInput[], expectedTurnId: string): string {
    const running = this.running;
    if (!running)
      throw new RuntimeError('turn_not_found', `thread ${this.id} has no running turn to steer`);
    if (running.turn.id !== expectedTurnId) {
      throw new RuntimeError(
        'turn_not_found',
        `the running turn is ${running.turn.id}, not ${expectedTurnId}`,
      );
    }
    if (input.length === 0) throw new RuntimeError('input_invalid', 'steering needs some input');
    const message = userMessage(input, this.settings.cwd);
    const item: ThreadItem = { type: 'userMessage', id: uuidv7(), content: input };
    this.itemStarted(running.turn.id, item);
    this.itemCompleted(running.turn, item);
    running.input.push(message);
    for (const listener of running.arrived) listener();
    return running.turn.id;
  }

  /** Interrupts the running turn (if `turnId` is given, only that one). */
  interrupt(turnId?: string): Promise<TurnResult> | null {
    if (!this.running || (turnId && this.running.turn.id !== turnId)) return null;
    this.running.controller.abort();
    return this.running.done;
  }

  /** Answers a pending approval; the first answer wins. */
  resolveApproval(approvalId: string, decision: ApprovalAnswer, by: string): void {
    this.broker.resolve(approvalId, decision, by);
  }

  setName(name: string | null): void {
    this.meta.name = name;
    this.deps.store.setName(this.id, name);
    this.emit({ method: 'thread/name/updated', params: { threadId: this.id, threadName: name } });
  }

  appendHistory(turnId: string | null, item: HistoryItem): void {
    if (turnId === null && this.turns.length === 0) this.meta.preamble++;
    this.history.push(item);
    this.log(turnId, { kind: 'history', data: { item } });
  }

  /** Sticky settings changed between turns (thread/resume, thread/fork overrides). */
  updateSettings(overrides: Omit<TurnOverrides, 'outputSchema'>): void {
    this.applyOverrides(overrides);
  }

  /** The AGENTS.md files this thread's context came from. */
  get instructionSources(): string[] {
    return this.meta.instructionSources;
  }

  /** Records where the preamble came from (thread start). */
  setInstructionSources(sources: string[]): void {
    this.meta.instructionSources = sources;
    this.log(null, { kind: 'context', data: { instructionSources: sources } });
  }

  private tools(): readonly Tool[] {
    const names = this.settings.tools;
    return names ? this.deps.tools.filter((t) => names.includes(t.name)) : this.deps.tools;
  }

  private applyOverrides(overrides: TurnOverrides): void {
    const previous = { ...this.settings };
    const before = JSON.stringify(this.settings);
    if (overrides.model) this.settings.model = overrides.model;
    if (overrides.cwd) this.settings.cwd = overrides.cwd;
    if (overrides.effort !== undefined) this.settings.reasoningEffort = overrides.effort;
    if (overrides.approvalPolicy) this.settings.approvalPolicy = overrides.approvalPolicy;
    if (overrides.sandboxMode) this.settings.sandboxMode = overrides.sandboxMode;
    if (JSON.stringify(this.settings) === before) return;
    this.deps.store.touchThread(this.id, { settings: { ...this.settings } });
    // The model learns of the change from an appended message; the prefix stays as it was.
    const changes: Record<string, [string, string]> = {};
    for (const key of ['model', 'cwd', 'sandboxMode', 'approvalPolicy'] as const) {
      if (previous[key] !== this.settings[key])
        changes[key] = [String(previous[key]), String(this.settings[key])];
    }
    if (this.turns.length > 0 && Object.keys(changes).length > 0) {
      this.appendHistory(null, {
        type: 'message',
        role: 'developer',
        content: [{ type: 'input_text', text: settingsChangedMessage(changes) }],
      });
    }
  }

  private async run(
    running: Running,
    input: UserInput[],
    message: HistoryItem,
    outputSchema: Record<string, unknown> | null,
  ): Promise<TurnResult> {
    const { turn } = running;
    const turnId = turn.id;
    const startedAtMs = await this.announceTurn(running);
    const userItem: ThreadItem = { type: 'userMessage', id: uuidv7(), content: input };
    this.itemStarted(turnId, userItem);
    this.itemCompleted(turn, userItem);
    this.appendHistory(turnId, message);
    if (!this.meta.preview) this.meta.preview = previewOf(input);
    this.deps.store.touchThread(this.id, { preview: this.meta.preview });
    return this.drive(running, startedAtMs, outputSchema, []);
  }

  /**
   * Brings back a turn that was waiting for an approval when the process stopped: its tool
   * calls run again (and ask again — the question is re-sent to every subscriber), then the
   * turn goes on as if nothing happened.
   */
  revive(
    turn: Turn,
    startedAtMs: number,
    calls: FunctionCallItem[],
    staleApprovalIds: string[],
  ): Promise<TurnResult> {
    const running: Running = {
      turn,
      startedAtMs,
      controller: new AbortController(),
      done: Promise.resolve() as unknown as Promise<TurnResult>,
      input: [],
      arrived: new Set(),
    };
    this.running = running;
    for (const approvalId of staleApprovalIds) {
      this.log(turn.id, {
        kind: 'approval',
        data: {
          approvalId,
          itemId: '',
          method: '',
          decision: 'reissued',
          by: 'restart',
          atMs: Date.now(),
        },
      });
    }
    running.done = this.guard(running, () => this.drive(running, startedAtMs, null, calls));
    return running.done;
  }

  private async drive(
    running: Running,
    startedAtMs: number,
    outputSchema: Record<string, unknown> | null,
    resumeCalls: FunctionCallItem[],
  ): Promise<TurnResult> {
    const { turn, controller } = running;
    const turnId = turn.id;
    const settings = this.promptSettings(outputSchema);
    let turnUsage = ZERO_USAGE;
    let result: TurnResult = {
      turnId,
      status: 'failed',
      error: null,
      lastMessage: null,
      usage: turnUsage,
    };
    const diffs: string[] = [];
    try {
      const events = runTurn({
        stream: this.deps.streamFor(this.settings.modelProvider),
        settings,
        tools: this.tools(),
        history: this.history,
        toolContext: {
          cwd: this.settings.cwd,
          runner: this.sandbox.runner(),
          commandTimeoutMs: this.deps.commandTimeoutMs,
          outputBudgetBytes: this.deps.outputBudgetBytes,
          authorize: this.broker.authorizer(turnId, this.sandbox.authorizeEnv(), controller.signal),
        },
        signal: controller.signal,
        input: this.pendingInput(running),
        autoCompact: { limitTokens: this.compactLimit(), preamble: this.meta.preamble },
        newId: uuidv7,
        resumeCalls,
      });
      for await (const event of events) {
        if (event.type === 'usage') turnUsage = addUsage(turnUsage, event.usage);
        if (event.type === 'turnEnd') {
          const error = event.error ? { message: event.error.message } : null;
          result = {
            turnId,
            status: event.status,
            error,
            lastMessage: event.lastMessage,
            usage: turnUsage,
          };
          if (error)
            this.emit({
              method: 'error',
              params: { threadId: this.id, turnId, error, willRetry: false },
            });
          continue;
        }
        this.onEngineEvent(turn, event, diffs);
      }
    } catch (err) {
      // The loop never throws by design; if it does, the turn fails with the reason stored.
      const message = `internal error: ${err instanceof Error ? err.message : String(err)}`;
      result = {
        turnId,
        status: 'failed',
        error: { message },
        lastMessage: null,
        usage: turnUsage,
      };
    }
    this.finishTurn(turn, result, startedAtMs);
    return result;
  }

  private onEngineEvent(turn: Turn, event: EngineEvent, diffs: string[]): void {
    switch (event.type) {
      case 'history':
        this.appendHistory(turn.id, event.item);
        return;
      case 'historyReplaced':
        this.history.splice(0, this.history.length, ...event.history);
        this.log(turn.id, { kind: 'compacted', data: { history: event.history } });
        return;
      case 'itemStarted':
        this.itemStarted(turn.id, event.item);
        return;
      case 'itemCompleted':
        this.itemCompleted(turn, event.item);
        this.loadScopedRules(turn.id, event.item);
        if (event.item.type === 'fileChange' && event.item.status === 'completed') {
          diffs.push(...event.item.changes.map((c) => c.diff));
          this.emit({
            method: 'turn/diff/updated',
            params: { threadId: this.id, turnId: turn.id, diff: diffs.join('') },
          });
        }
        return;
      case 'usage':
        this.usage = addUsage(this.usage, event.usage);
        this.log(turn.id, { kind: 'usage', data: { last: event.usage } });
        break;
    }
    const window = this.deps.catalog.lookup(this.settings.model).contextWindow;
    const notification = notificationFor(event, this.id, turn.id, this.usage, window);
    if (notification) this.emit(notification);
  }

  private finishTurn(turn: Turn, result: TurnResult, startedAtMs: number): void {
    const completedAtMs = Date.now();
    turn.status = result.status;
    turn.error = result.error;
    turn.completedAt = sec(completedAtMs);
    turn.durationMs = completedAtMs - startedAtMs;
    // The turn ends whatever happens to these writes (a failing store is why some turns fail).
    this.running = null;
    try {
      this.log(turn.id, {
        kind: 'turnCompleted',
        data: { status: result.status, error: result.error, completedAtMs },
      });
      this.deps.store.touchThread(this.id);
    } catch {
      // Not stored: on the next load the turn is unfinished and repaired as interrupted.
    }
    this.emitStatus();
    const last = [...turn.items].reverse().find((i) => i.type === 'agentMessage');
    const items = last && result.status === 'completed' ? [last] : [];
    this.emit({
      method: 'turn/completed',
      params: { threadId: this.id, turn: { ...turn, items, itemsView: 'summary' } },
    });
  }

  /** Where automatic compaction starts for the current model. */
  private compactLimit(): number {
    const { context } = this.deps;
    const window = this.deps.catalog.lookup(this.settings.model).contextWindow;
    return context.autoCompactTokenLimit ?? Math.floor(window * context.autoCompactShare);
  }

  /**
   * Rules scoped to a directory (a nested AGENTS.md, a .yoke/rules file with path globs) are
   * appended the first time a tool touches a path they cover — appended, so the prefix holds.
   */
  private loadScopedRules(turnId: string, item: ThreadItem): void {
    const paths = touchedPaths(item);
    if (paths.length === 0 || !this.running) return;
    this.scoped ??= new ScopedRules({
      cwd: this.settings.cwd,
      fallbackNames: this.deps.context.fallbackNames,
      loadedIds: this.meta.scopedRuleIds,
    });
    const rules = paths.flatMap((path) => this.scoped!.touch(path));
    if (rules.length === 0) return;
    const ids = rules.map((r) => r.id);
    this.meta.scopedRuleIds.push(...ids);
    this.log(turnId, { kind: 'context', data: { scopedRuleIds: ids } });
    this.running.input.push({
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: renderScopedRules(rules) }],
    });
  }

  private pendingInput(running: Running): PendingInput {
    return {
      take: () => running.input.splice(0),
      onArrive: (listener) => {
        running.arrived.add(listener);
        return () => running.arrived.delete(listener);
      },
    };
  }

  private itemStarted(turnId: string, item: ThreadItem): void {
    this.emit({
      method: 'item/started',
      params: { threadId: this.id, turnId, item, startedAtMs: Date.now() },
    });
  }

  private itemCompleted(turn: Turn, item: ThreadItem): void {
    turn.items.push(item);
    this.log(turn.id, { kind: 'item', data: { item } });
    this.emit({
      method: 'item/completed',
      params: { threadId: this.id, turnId: turn.id, item, completedAtMs: Date.now() },
    });
  }

  private log(turnId: string | null, event: LogEvent): void {
    this.deps.store.append(this.id, turnId, event.kind, event.data);
  }

  private emitStatus(): void {
    this.emit({
      method: 'thread/status/changed',
      params: { threadId: this.id, status: this.status },
    });
  }

  private emit(notification: ServerNotification): void {
    this.send({ type: 'notification', notification });
  }

  /** A listener that throws is its own problem: the others and the turn go on. */
  private send(event: SessionEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // Listeners (the App Server, the task runner) handle their own errors.
      }
    }
  }
}

/** Paths a tool item read, wrote or ran in. */
function touchedPaths(item: ThreadItem): string[] {
  switch (item.type) {
    case 'commandExecution':
      return [item.cwd];
    case 'fileChange':
      return item.changes.map((c) => c.path);
    case 'dynamicToolCall': {
      const path = (item.arguments as { path?: unknown } | null)?.path;
      return typeof path === 'string' ? [path] : [];
    }
    default:
      return [];
  }
}
