// A loaded thread: its history, its settings, the turn running on it, and everyone listening.
// It runs turns through the agent loop, persists what is authoritative, and fans every event
// out as a protocol notification.
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import type { EngineEvent } from '../engine/events.ts';
import { runTurn } from '../engine/loop.ts';
import type { PromptSettings } from '../engine/prompt.ts';
import type {
  ContentPart,
  HistoryItem,
  ReasoningEffort,
  StreamFn,
  Usage,
} from '../models/types.ts';
import type { UserInput, ThreadItem } from '../protocol/items.ts';
import type { ServerNotification } from '../protocol/methods.ts';
import type {
  AskForApproval,
  SandboxMode,
  Thread,
  Turn,
  TurnError,
  TurnStatus,
} from '../protocol/thread.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import type { ThreadStore } from '../store/thread-store.ts';
import type { Tool } from '../tools/types.ts';
import { RuntimeError } from './errors.ts';
import { uuidv7 } from './ids.ts';
import { addUsage, sec, ZERO_USAGE, type LogEvent } from './thread-log.ts';

export type ThreadSettings = {
  model: string;
  modelProvider: string;
  cwd: string;
  approvalPolicy: AskForApproval;
  sandboxMode: SandboxMode;
  reasoningEffort: ReasoningEffort | null;
};

export type TurnResult = {
  turnId: string;
  status: TurnStatus;
  error: TurnError | null;
  lastMessage: string | null;
  /** Tokens used by this turn's model requests. */
  usage: Usage;
};

export type TurnOverrides = {
  model?: string;
  cwd?: string;
  effort?: ReasoningEffort | null;
  /** JSON Schema of the final answer, this turn only. */
  outputSchema?: Record<string, unknown> | null;
};

export type SessionDeps = {
  store: ThreadStore;
  /** Makes the model stream for a provider name (the settings may switch provider). */
  streamFor: (provider: string) => StreamFn;
  tools: readonly Tool[];
  runner: ProcessRunner;
  instructions: string;
  commandTimeoutMs: number;
  outputBudgetBytes: number;
  cliVersion: string;
};

type Listener = (notification: ServerNotification) => void;

export class ThreadSession {
  private readonly listeners = new Set<Listener>();
  private running: {
    turnId: string;
    controller: AbortController;
    done: Promise<TurnResult>;
  } | null = null;

  constructor(
    readonly id: string,
    private readonly deps: SessionDeps,
    readonly settings: ThreadSettings,
    private readonly history: HistoryItem[],
    readonly turns: Turn[],
    private usage: Usage,
    private readonly meta: {
      createdAt: number;
      preview: string;
      source: Thread['source'];
      ephemeral: boolean;
    },
  ) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get activeTurnId(): string | null {
    return this.running?.turnId ?? null;
  }

  /** The model-visible history (read-only view; for tests and diagnostics). */
  get historyItems(): readonly HistoryItem[] {
    return this.history;
  }

  toThread(withTurns = false): Thread {
    return {
      id: this.id,
      sessionId: this.id,
      forkedFromId: null,
      preview: this.meta.preview,
      ephemeral: this.meta.ephemeral,
      modelProvider: this.settings.modelProvider,
      model: this.settings.model,
      reasoningEffort: this.settings.reasoningEffort,
      createdAt: sec(this.meta.createdAt),
      updatedAt: sec(Date.now()),
      status: this.running ? { type: 'active', activeFlags: [] } : { type: 'idle' },
      path: null,
      cwd: this.settings.cwd,
      cliVersion: this.deps.cliVersion,
      source: this.meta.source,
      name: null,
      projectId: null,
      turns: withTurns ? this.turns : [],
    };
  }

  /** Starts a turn; resolves when it ends. Only one turn runs at a time. */
  startTurn(
    input: UserInput[],
    overrides: TurnOverrides = {},
  ): { turnId: string; done: Promise<TurnResult> } {
    if (this.running) {
      throw new RuntimeError(
        'thread_busy',
        `thread ${this.id} is already running turn ${this.running.turnId}`,
      );
    }
    if (input.length === 0) throw new RuntimeError('input_invalid', 'a turn needs some input');
    const userContent = toContent(input, overrides.cwd ?? this.settings.cwd);
    this.applyOverrides(overrides);
    const turnId = uuidv7();
    const controller = new AbortController();
    const done = this.run(turnId, input, userContent, overrides.outputSchema ?? null, controller);
    this.running = { turnId, controller, done };
    return { turnId, done };
  }

  /** Interrupts the running turn (if `turnId` is given, only that one). */
  interrupt(turnId?: string): Promise<TurnResult> | null {
    if (!this.running || (turnId && this.running.turnId !== turnId)) return null;
    this.running.controller.abort();
    return this.running.done;
  }

  private applyOverrides(overrides: TurnOverrides): void {
    const before = JSON.stringify(this.settings);
    if (overrides.model) this.settings.model = overrides.model;
    if (overrides.cwd) this.settings.cwd = resolve(overrides.cwd);
    if (overrides.effort !== undefined) this.settings.reasoningEffort = overrides.effort;
    if (JSON.stringify(this.settings) !== before) {
      this.deps.store.touchThread(this.id, { settings: { ...this.settings } });
    }
  }

  private async run(
    turnId: string,
    input: UserInput[],
    userContent: ContentPart[],
    outputSchema: Record<string, unknown> | null,
    controller: AbortController,
  ): Promise<TurnResult> {
    const startedAtMs = Date.now();
    const turn: Turn = {
      id: turnId,
      items: [],
      status: 'inProgress',
      error: null,
      startedAt: sec(startedAtMs),
    };
    this.turns.push(turn);
    this.log(turnId, { kind: 'turnStarted', data: { startedAtMs } });
    this.emit({
      method: 'thread/status/changed',
      params: { threadId: this.id, status: { type: 'active', activeFlags: [] } },
    });
    this.emit({
      method: 'turn/started',
      params: { threadId: this.id, turn: { ...turn, items: [] } },
    });

    const userItem: ThreadItem = { type: 'userMessage', id: uuidv7(), content: input };
    this.itemStarted(turnId, userItem);
    this.itemCompleted(turn, userItem);
    const userMessage: HistoryItem = { type: 'message', role: 'user', content: userContent };
    this.appendHistory(turnId, userMessage);
    const preview = input
      .map((i) => (i.type === 'text' ? i.text : ''))
      .join(' ')
      .trim();
    if (!this.meta.preview && preview) this.meta.preview = preview.slice(0, 200);
    this.deps.store.touchThread(this.id, { preview: this.meta.preview });

    const settings: PromptSettings = {
      model: this.settings.model,
      instructions: this.deps.instructions,
      reasoningEffort: this.settings.reasoningEffort,
      outputSchema,
      promptCacheKey: this.id,
    };
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
        tools: this.deps.tools,
        history: this.history,
        toolContext: {
          cwd: this.settings.cwd,
          runner: this.deps.runner,
          commandTimeoutMs: this.deps.commandTimeoutMs,
          outputBudgetBytes: this.deps.outputBudgetBytes,
        },
        signal: controller.signal,
      });
      for await (const event of events) {
        if (event.type === 'usage') turnUsage = addUsage(turnUsage, event.usage);
        if (
          event.type === 'itemCompleted' &&
          event.item.type === 'fileChange' &&
          event.item.status === 'completed'
        ) {
          diffs.push(...event.item.changes.map((c) => c.diff));
          this.emit({
            method: 'turn/diff/updated',
            params: { threadId: this.id, turnId, diff: diffs.join('') },
          });
        }
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
        } else this.onEngineEvent(turn, event);
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

  private onEngineEvent(turn: Turn, event: Exclude<EngineEvent, { type: 'turnEnd' }>): void {
    const threadId = this.id;
    const turnId = turn.id;
    switch (event.type) {
      case 'history':
        this.appendHistory(turnId, event.item);
        return;
      case 'itemStarted':
        this.itemStarted(turnId, event.item);
        return;
      case 'itemCompleted':
        this.itemCompleted(turn, event.item);
        return;
      case 'agentMessageDelta':
        this.emit({
          method: 'item/agentMessage/delta',
          params: { threadId, turnId, itemId: event.itemId, delta: event.delta },
        });
        return;
      case 'reasoningDelta':
        this.emit({
          method: 'item/reasoning/summaryTextDelta',
          params: {
            threadId,
            turnId,
            itemId: event.itemId,
            summaryIndex: event.summaryIndex,
            delta: event.delta,
          },
        });
        return;
      case 'commandOutputDelta':
        this.emit({
          method: 'item/commandExecution/outputDelta',
          params: { threadId, turnId, itemId: event.itemId, delta: event.delta },
        });
        return;
      case 'planUpdated':
        this.emit({
          method: 'turn/plan/updated',
          params: { threadId, turnId, explanation: event.explanation, plan: event.plan },
        });
        return;
      case 'usage':
        this.usage = addUsage(this.usage, event.usage);
        this.log(turnId, { kind: 'usage', data: { last: event.usage } });
        this.emit({
          method: 'thread/tokenUsage/updated',
          params: {
            threadId,
            turnId,
            tokenUsage: { total: this.usage, last: event.usage, modelContextWindow: null },
          },
        });
        return;
      case 'retry':
        this.emit({
          method: 'error',
          params: {
            threadId,
            turnId,
            error: {
              message: `${event.reason}; retrying in ${(event.delayMs / 1000).toFixed(1)} s (attempt ${event.attempt + 1} of ${event.maxAttempts})`,
            },
            willRetry: true,
          },
        });
        return;
      case 'modelRequest':
        return;
    }
  }

  private finishTurn(turn: Turn, result: TurnResult, startedAtMs: number): void {
    const completedAtMs = Date.now();
    turn.status = result.status;
    turn.error = result.error;
    turn.completedAt = sec(completedAtMs);
    turn.durationMs = completedAtMs - startedAtMs;
    this.log(turn.id, {
      kind: 'turnCompleted',
      data: { status: result.status, error: result.error, completedAtMs },
    });
    this.deps.store.touchThread(this.id);
    this.running = null;
    const last = [...turn.items].reverse().find((i) => i.type === 'agentMessage');
    this.emit({
      method: 'thread/status/changed',
      params: { threadId: this.id, status: { type: 'idle' } },
    });
    this.emit({
      method: 'turn/completed',
      params: {
        threadId: this.id,
        turn: {
          ...turn,
          items: last && result.status === 'completed' ? [last] : [],
          itemsView: 'summary',
        },
      },
    });
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

  appendHistory(turnId: string | null, item: HistoryItem): void {
    this.history.push(item);
    this.log(turnId, { kind: 'history', data: { item } });
  }

  private log(turnId: string | null, event: LogEvent): void {
    this.deps.store.append(this.id, turnId, event.kind, event.data);
  }

  private emit(notification: ServerNotification): void {
    for (const listener of this.listeners) listener(notification);
  }
}

const IMAGE_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/** The model-visible content of user input. Local images are inlined as data URLs. */
function toContent(input: UserInput[], cwd: string): ContentPart[] {
  return input.map((part): ContentPart => {
    switch (part.type) {
      case 'text':
        return { type: 'input_text', text: part.text };
      case 'image':
        return { type: 'input_image', image_url: part.url };
      case 'localImage': {
        const path = resolve(cwd, part.path);
        const mime = IMAGE_TYPES[extname(path).toLowerCase()];
        if (!mime)
          throw new RuntimeError(
            'input_invalid',
            `${part.path}: not a supported image type (png, jpeg, gif, webp)`,
          );
        let data: Buffer;
        try {
          data = readFileSync(path);
        } catch (err) {
          throw new RuntimeError(
            'input_invalid',
            `cannot read image ${part.path}: ${(err as NodeJS.ErrnoException).code}`,
          );
        }
        return { type: 'input_image', image_url: `data:${mime};base64,${data.toString('base64')}` };
      }
    }
  });
}
