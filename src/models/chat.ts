// Chat Completions adapter: `POST {baseUrl}/chat/completions`, the API Ollama, vLLM,
// LM Studio, llama.cpp and OpenRouter speak. Request conversion lives in chat-messages.ts.
//
// Text and reasoning (`reasoning_content` or `reasoning`, which some servers send) stream as
// deltas; the items are emitted once the response is finished, in the order reasoning,
// assistant message (if it had text), function calls (by index). Chat has no item ids, so
// they are derived from the response id: `rs_<id>`, `msg_<id>`, `fc_<id>_<index>`.
// finish_reason "length" and "content_filter" end the stream with an error after the items.

import { buildChatBody } from './chat-messages.ts';
import {
  contextWindowFix,
  errorFields,
  isContextWindowError,
  isRecord,
  type CallContext,
  type Failure,
} from './errors.ts';
import { streamWithRetries, type TransportDeps, type WireParser } from './http.ts';
import { SSE_DONE, type SseEvent } from './sse.ts';
import type { HistoryItem, ModelEvent, ProviderConfig, StreamFn, Usage } from './types.ts';

export function createChatStreamFn(config: ProviderConfig, deps: TransportDeps = {}): StreamFn {
  return (request, signal) =>
    streamWithRetries(
      {
        config,
        model: request.model,
        path: 'chat/completions',
        body: () => buildChatBody(request),
        finalEvent: 'data: [DONE]',
        createParser: (ctx) => new ChatParser(ctx),
      },
      signal,
      deps,
    );
}

type PendingCall = { id: string; name: string; arguments: string };

let fallbackIds = 0;

/** Parses Chat Completions chunks. */
export class ChatParser implements WireParser {
  done = false;
  failure: Failure | null = null;
  private base = '';
  private text = '';
  private reasoning = '';
  private readonly calls = new Map<number, PendingCall>();
  private finishReason: string | null = null;
  private usage: Usage | null = null;

  constructor(private readonly ctx: CallContext) {}

  push(event: SseEvent): ModelEvent[] {
    if (this.done) return [];
    if (event.data.trim() === SSE_DONE) {
      this.done = true;
      return [];
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      this.failure = this.protocol('sent a chunk that is not JSON');
      return [];
    }
    if (!isRecord(chunk)) return [];
    if (chunk.error !== undefined && chunk.error !== null) {
      this.failure = this.streamError(chunk);
      return [];
    }
    if (this.base === '') {
      this.base =
        typeof chunk.id === 'string' && chunk.id !== ''
          ? chunk.id
          : `chat${Date.now().toString(36)}${++fallbackIds}`;
    }
    if (isRecord(chunk.usage)) this.usage = chatUsage(chunk.usage);
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!isRecord(choice)) return [];
    if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
    const delta = isRecord(choice.delta) ? choice.delta : {};
    const out: ModelEvent[] = [];
    const thought =
      typeof delta.reasoning_content === 'string' ? delta.reasoning_content : delta.reasoning;
    if (typeof thought === 'string' && thought !== '') {
      this.reasoning += thought;
      out.push({
        type: 'reasoning-summary-delta',
        itemId: `rs_${this.base}`,
        summaryIndex: 0,
        delta: thought,
      });
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      this.text += delta.content;
      out.push({ type: 'text-delta', itemId: `msg_${this.base}`, delta: delta.content });
    }
    if (Array.isArray(delta.tool_calls)) this.addCalls(delta.tool_calls);
    return out;
  }

  /** Some servers end the stream after finish_reason without `data: [DONE]`. */
  acceptEof(): boolean {
    return this.finishReason !== null;
  }

  finish(): ModelEvent[] {
    const out: ModelEvent[] = [];
    const item = (value: HistoryItem): void => void out.push({ type: 'item', item: value });
    if (this.reasoning !== '') {
      item({
        type: 'reasoning',
        id: `rs_${this.base}`,
        summary: [{ type: 'summary_text', text: this.reasoning }],
      });
    }
    if (this.text !== '') {
      item({
        type: 'message',
        id: `msg_${this.base}`,
        role: 'assistant',
        content: [{ type: 'output_text', text: this.text }],
      });
    }
    for (const [index, call] of [...this.calls.entries()].sort((a, b) => a[0] - b[0])) {
      item({
        type: 'function_call',
        id: `fc_${this.base}_${index}`,
        call_id: call.id || `call_${this.base}_${index}`,
        name: call.name,
        arguments: call.arguments || '{}',
      });
    }
    if (this.usage) out.push({ type: 'usage', usage: this.usage });
    if (this.finishReason === 'length' || this.finishReason === 'content_filter') {
      this.failure = this.truncated(this.finishReason);
    }
    return out;
  }

  private addCalls(deltas: unknown[]): void {
    deltas.forEach((raw, position) => {
      if (!isRecord(raw)) return;
      const index = typeof raw.index === 'number' ? raw.index : position;
      const call = this.calls.get(index) ?? { id: '', name: '', arguments: '' };
      this.calls.set(index, call);
      if (typeof raw.id === 'string' && call.id === '') call.id = raw.id;
      const fn = isRecord(raw.function) ? raw.function : {};
      if (typeof fn.name === 'string' && call.name === '') call.name = fn.name;
      if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
    });
  }

  private streamError(chunk: Record<string, unknown>): Failure {
    const { message, code } = errorFields(chunk);
    const context = isContextWindowError(code, message);
    return {
      kind: context ? 'contextWindow' : 'server',
      what: `the stream from ${this.ctx.url} reported an error${code ? ` (${code})` : ''}`,
      detail: message ?? 'no reason given',
      fix: context
        ? contextWindowFix(this.ctx.model)
        : 'the provider failed to answer; try again later',
      reason: code ?? 'stream error',
      retryable: false,
    };
  }

  private truncated(reason: string): Failure {
    const filtered = reason === 'content_filter';
    return {
      kind: filtered ? 'badRequest' : 'contextWindow',
      what: `the response from ${this.ctx.url} was cut short (finish_reason ${reason})`,
      fix: filtered
        ? 'the provider filtered the output; rephrase the request'
        : `the output hit the token limit of ${this.ctx.model}; compact the thread or raise the server's context size`,
      reason,
      retryable: false,
    };
  }

  private protocol(what: string): Failure {
    return {
      kind: 'protocol',
      what: `${this.ctx.url} ${what}`,
      fix: 'check that baseUrl points at an OpenAI-compatible Chat Completions server',
      reason: 'protocol',
      retryable: false,
    };
  }
}

export function chatUsage(raw: Record<string, unknown>): Usage {
  const inputTokens = num(raw.prompt_tokens);
  const outputTokens = num(raw.completion_tokens);
  const prompt = isRecord(raw.prompt_tokens_details) ? raw.prompt_tokens_details : {};
  const completion = isRecord(raw.completion_tokens_details) ? raw.completion_tokens_details : {};
  return {
    inputTokens,
    cachedInputTokens: num(prompt.cached_tokens),
    cacheWriteInputTokens: 0,
    outputTokens,
    reasoningOutputTokens: num(completion.reasoning_tokens),
    totalTokens:
      typeof raw.total_tokens === 'number' ? raw.total_tokens : inputTokens + outputTokens,
  };
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
