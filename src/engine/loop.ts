// The agent loop: one function. Context, settings and an AbortSignal in; events out.
// It calls the model, runs the tool calls the model asked for, appends their results and
// calls the model again, until the model answers without calling a tool.
import type { FunctionCallItem, HistoryItem, ModelError, StreamFn } from '../models/types.ts';
import type { ThreadItem } from '../protocol/items.ts';
import type { Tool, ToolContext } from '../tools/types.ts';
import type { EngineEvent } from './events.ts';
import { compact, type Compacted } from './compaction.ts';
import { interruptionItems } from './interruption.ts';
import { buildRequest, type PromptSettings } from './prompt.ts';
import { runToolCalls } from './tool-calls.ts';

export type TurnContext = {
  stream: StreamFn;
  settings: PromptSettings;
  tools: readonly Tool[];
  /** The thread's history, ending with this turn's input. Not mutated. */
  history: readonly HistoryItem[];
  toolContext: Omit<ToolContext, 'signal' | 'progress'>;
  signal: AbortSignal;
  /** Input that arrives while the turn runs (steering). */
  input?: PendingInput;
  /** Upper bound on model requests in one turn. */
  maxSteps?: number;
  /**
   * Compaction: automatic when the next request is estimated to pass `limitTokens`;
   * `preamble` leading history items are the thread's fixed context and are kept.
   */
  compaction?: { limitTokens: number; preamble: number };
  /** Ids for items the loop creates itself (contextCompaction). */
  newId?: () => string;
  /** Tool calls already in history, without outputs, to run before anything else (a revived turn). */
  resumeCalls?: FunctionCallItem[];
  /** Why a tool the model called is not offered, when the thread knows better (else null). */
  unknownTool?: (name: string) => string | null;
};

/**
 * Steering: input queued while a turn runs. It is appended before the next model request;
 * if it arrives while a request is streaming, that request is abandoned and sent again with
 * the input appended (the prefix is unchanged, so it costs little).
 */
export type PendingInput = {
  take(): HistoryItem[];
  /** Calls `listener` whenever input arrives; returns an unsubscribe. */
  onArrive(listener: () => void): () => void;
};

export async function* runTurn(ctx: TurnContext): AsyncGenerator<EngineEvent> {
  const history = [...ctx.history];
  const append = (item: HistoryItem): EngineEvent => {
    history.push(item);
    return { type: 'history', item };
  };
  let lastMessage: string | null = null;
  const maxSteps = ctx.maxSteps ?? 10_000;
  const size = new ContextSize(ctx, history);
  const appendSized = (item: HistoryItem): EngineEvent => {
    size.add(item);
    return append(item);
  };

  if (ctx.resumeCalls?.length) {
    for await (const event of runToolCalls(
      ctx.resumeCalls,
      ctx.tools,
      ctx.toolContext,
      ctx.signal,
      ctx.unknownTool,
    )) {
      if (event.type === 'output') yield appendSized(event.item);
      else yield event;
    }
    if (ctx.signal.aborted) {
      yield* interrupted(history, lastMessage);
      return;
    }
  }

  for (let step = 1; ; step++) {
    for (const item of ctx.input?.take() ?? []) yield appendSized(item);
    if (ctx.compaction && size.tokens > ctx.compaction.limitTokens) {
      const compacted = yield* compact(compactionContext(ctx), history);
      if (!compacted.ok) {
        yield* compactionFailed(compacted, history, lastMessage);
        return;
      }
      history.splice(0, history.length, ...compacted.history);
      size.reset(history);
    }
    if (step > maxSteps) {
      yield* end('failed', lastMessage, {
        kind: 'protocol',
        message: `stopped after ${maxSteps} model requests in one turn (maxSteps)`,
      });
      return;
    }

    const sampled = yield* sample(ctx, history, step);
    if (sampled.lastMessage !== null) lastMessage = sampled.lastMessage;
    if (sampled.stop.type === 'steered') continue;
    if (sampled.stop.type === 'aborted') {
      yield* interrupted(history, lastMessage);
      return;
    }
    if (sampled.stop.type === 'error') {
      yield* end('failed', lastMessage, sampled.stop.error);
      return;
    }
    for (const item of sampled.output) yield appendSized(item);
    const calls = sampled.output.filter((i): i is FunctionCallItem => i.type === 'function_call');
    if (calls.length === 0) {
      // Input that arrived with the final answer still gets its answer in this turn.
      const late = ctx.input?.take() ?? [];
      if (late.length === 0) {
        yield* end('completed', lastMessage);
        return;
      }
      for (const item of late) yield appendSized(item);
      continue;
    }

    for await (const event of runToolCalls(
      calls,
      ctx.tools,
      ctx.toolContext,
      ctx.signal,
      ctx.unknownTool,
    )) {
      if (event.type === 'output') yield appendSized(event.item);
      else yield event;
    }
    if (ctx.signal.aborted) {
      yield* interrupted(history, lastMessage);
      return;
    }
  }
}

/** A turn that only compacts the history (thread/compact/start): the same compaction. */
export async function* runCompactionTurn(ctx: TurnContext): AsyncGenerator<EngineEvent> {
  const history = [...ctx.history];
  const compacted = yield* compact(compactionContext(ctx), history);
  if (compacted.ok) yield* end('completed', null);
  else yield* compactionFailed(compacted, history, null);
}

function compactionContext(ctx: TurnContext) {
  return {
    stream: ctx.stream,
    settings: ctx.settings,
    signal: ctx.signal,
    preamble: ctx.compaction?.preamble ?? 0,
    newId: ctx.newId ?? (() => `compaction_${Date.now()}`),
  };
}

/** Interrupted while compacting is interrupted like anywhere else; a failure fails the turn. */
async function* compactionFailed(
  compacted: Extract<Compacted, { ok: false }>,
  history: HistoryItem[],
  lastMessage: string | null,
): AsyncGenerator<EngineEvent> {
  const { error } = compacted;
  if (error.kind === 'aborted') yield* interrupted(history, lastMessage);
  else
    yield* end('failed', lastMessage, { ...error, message: `compaction failed: ${error.message}` });
}

/** The one way a turn ends interrupted: close it in history, then end. */
async function* interrupted(
  history: HistoryItem[],
  lastMessage: string | null,
): AsyncGenerator<EngineEvent> {
  for (const item of interruptionItems(history, 'aborted: the user interrupted the turn')) {
    history.push(item);
    yield { type: 'history', item };
  }
  yield* end('interrupted', lastMessage);
}

type Sampled = {
  stop:
    | { type: 'completed' }
    | { type: 'aborted' }
    | { type: 'steered' }
    | { type: 'error'; error: ModelError };
  /** The model's output items, appended to history only when the response completed. */
  output: HistoryItem[];
  lastMessage: string | null;
};

/** One model request: streams deltas and items as thread events. */
async function* sample(
  ctx: TurnContext,
  history: readonly HistoryItem[],
  step: number,
): AsyncGenerator<EngineEvent, Sampled> {
  const request = buildRequest(ctx.settings, ctx.tools, history);
  const output: HistoryItem[] = [];
  const open = new Map<string, ThreadItem>();
  let lastMessage: string | null = null;
  // This request alone stops when steering input arrives; the turn goes on.
  const controller = new AbortController();
  let steered = false;
  const onTurnAbort = () => controller.abort();
  ctx.signal.addEventListener('abort', onTurnAbort, { once: true });
  const offInput = ctx.input?.onArrive(() => {
    steered = true;
    controller.abort();
  });
  try {
    for await (const event of ctx.stream(request, controller.signal)) {
      switch (event.type) {
        case 'request':
          yield { type: 'modelRequest', step, attempt: event.attempt };
          break;
        case 'waiting':
          yield event;
          break;
        case 'retry':
          // A retried request starts over: what the failed attempt streamed is dropped, its
          // half items never completed (so never stored).
          output.length = 0;
          open.clear();
          yield event;
          break;
        case 'text-delta': {
          const item = open.get(event.itemId);
          if (!item) {
            const started: ThreadItem = {
              type: 'agentMessage',
              id: event.itemId,
              text: event.delta,
            };
            open.set(event.itemId, started);
            yield { type: 'itemStarted', item: { ...started, text: '' } };
          } else if (item.type === 'agentMessage') item.text += event.delta;
          yield { type: 'agentMessageDelta', itemId: event.itemId, delta: event.delta };
          break;
        }
        case 'reasoning-summary-delta': {
          let item = open.get(event.itemId);
          if (!item) {
            item = { type: 'reasoning', id: event.itemId, summary: [], content: [] };
            open.set(event.itemId, item);
            yield { type: 'itemStarted', item: { ...item, summary: [] } };
          }
          if (item.type === 'reasoning') {
            while (item.summary.length <= event.summaryIndex) item.summary.push('');
            item.summary[event.summaryIndex] += event.delta;
          }
          yield { ...event, type: 'reasoningDelta' };
          break;
        }
        case 'item': {
          output.push(event.item);
          const done = threadItemOf(event.item);
          if (!done) break;
          if (!open.has(done.id)) yield { type: 'itemStarted', item: done };
          open.delete(done.id);
          if (done.type === 'agentMessage') lastMessage = done.text;
          yield { type: 'itemCompleted', item: done };
          break;
        }
        case 'usage':
          yield event;
          break;
        case 'end': {
          // Items the user interrupted still complete, with what they had; the half items of
          // a stream that failed are dropped: nothing is stored half.
          if (event.stop.type === 'aborted') yield* closeOpen(open);
          else open.clear();
          const restart = event.stop.type === 'aborted' && steered && !ctx.signal.aborted;
          return { stop: restart ? { type: 'steered' } : event.stop, output, lastMessage };
        }
      }
    }
  } finally {
    ctx.signal.removeEventListener('abort', onTurnAbort);
    offInput?.();
  }
  return {
    stop: {
      type: 'error',
      error: { kind: 'protocol', message: 'model stream ended without a stop reason' },
    },
    output,
    lastMessage,
  };
}

async function* closeOpen(open: Map<string, ThreadItem>): AsyncGenerator<EngineEvent> {
  for (const item of open.values()) yield { type: 'itemCompleted', item };
  open.clear();
}

/** The thread item a model output item is shown as (tool calls get theirs when they run). */
function threadItemOf(item: HistoryItem): ThreadItem | null {
  if (item.type === 'message' && item.role === 'assistant') {
    const text = item.content.map((p) => ('text' in p ? p.text : '')).join('');
    return { type: 'agentMessage', id: item.id ?? 'msg', text };
  }
  if (item.type === 'reasoning') {
    return {
      type: 'reasoning',
      id: item.id,
      summary: item.summary.map((s) => s.text),
      content: [],
    };
  }
  return null;
}

async function* end(
  status: 'completed' | 'interrupted' | 'failed',
  lastMessage: string | null,
  error?: ModelError,
): AsyncGenerator<EngineEvent> {
  yield { type: 'turnEnd', status, lastMessage, ...(error ? { error } : {}) };
}

export function userText(text: string): HistoryItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

/**
 * A running estimate of the next request's size in tokens: bytes / 4 of the serialized
 * instructions, tools and history. Cheap enough to keep per item; the provider's own count
 * arrives only after a request, which is too late to decide whether to send it.
 */
class ContextSize {
  private bytes = 0;
  private readonly fixed: number;

  constructor(ctx: TurnContext, history: readonly HistoryItem[]) {
    this.fixed =
      Buffer.byteLength(ctx.settings.instructions) +
      JSON.stringify(buildRequest(ctx.settings, ctx.tools, []).tools).length;
    this.reset(history);
  }

  get tokens(): number {
    return Math.ceil((this.fixed + this.bytes) / 4);
  }

  add(item: HistoryItem): void {
    this.bytes += JSON.stringify(item).length;
  }

  reset(history: readonly HistoryItem[]): void {
    this.bytes = 0;
    for (const item of history) this.add(item);
  }
}
