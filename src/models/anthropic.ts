// Anthropic Messages adapter: `POST {baseUrl}/messages` with `stream: true`, written against
// the wire format with the shared transport (http.ts) — no SDK, for start-up speed. Request
// conversion lives in anthropic-messages.ts.
//
// Stream: message_start (id, input usage) → per content block content_block_start / _delta /
// _stop → message_delta (stop_reason, output usage) → message_stop. Text and thinking stream as
// deltas; the items are emitted once the message is finished, in block order, with all text
// blocks in ONE assistant message (one output_text part per block, placed where the first text
// block was). Blocks have no ids, so ids derive from the message id: `msg_…` for the message,
// `rs_<id>_<index>` for thinking, `fc_<id>_<index>` for tool calls (call_id = the tool_use id).
//
// Usage: Anthropic's `input_tokens` counts only the input after the last cache breakpoint;
// Yoke's `inputTokens` is the whole input (as OpenAI reports it), so it is the sum of
// input_tokens, cache_read_input_tokens and cache_creation_input_tokens.

import {
  ANTHROPIC_VERSION,
  buildAnthropicBody,
  DEFAULT_ANTHROPIC_MAX_TOKENS,
} from './anthropic-messages.ts';
import { stopReasonFailure, streamErrorFailure } from './anthropic-errors.ts';
import { isRecord, type CallContext, type Failure } from './errors.ts';
import { streamWithRetries, type TransportDeps, type WireParser } from './http.ts';
import { httpPost, type HttpPost } from './node-http.ts';
import type { SseEvent } from './sse.ts';
import type {
  ContentPart,
  HistoryItem,
  ModelEvent,
  ProviderConfig,
  StreamFn,
  Usage,
} from './types.ts';

export type AnthropicOptions = {
  /** `max_tokens` per request: a number, or per model (e.g. from the model catalog). */
  maxTokens?: number | ((model: string) => number | undefined);
};

export function createAnthropicStreamFn(
  config: ProviderConfig,
  deps: TransportDeps = {},
  options: AnthropicOptions = {},
): StreamFn {
  const transport: TransportDeps = { ...deps, post: anthropicPost(config, deps.post ?? httpPost) };
  return (request, signal) =>
    streamWithRetries(
      {
        config,
        model: request.model,
        path: 'messages',
        body: () =>
          buildAnthropicBody(request, { maxTokens: maxTokensFor(options, request.model) }),
        finalEvent: 'message_stop',
        createParser: (ctx) => new AnthropicParser(ctx),
      },
      signal,
      transport,
    );
}

function maxTokensFor(options: AnthropicOptions, model: string): number {
  const value =
    typeof options.maxTokens === 'function' ? options.maxTokens(model) : options.maxTokens;
  return value ?? DEFAULT_ANTHROPIC_MAX_TOKENS;
}

/**
 * http.ts sends OpenAI-style `authorization: Bearer`; Anthropic wants `x-api-key` and a
 * version header. Headers the user configured win over both. A 529 ("overloaded") has no
 * standard reason phrase, so it is named here for the messages users see.
 */
function anthropicPost(config: ProviderConfig, post: HttpPost): HttpPost {
  const custom = new Set(Object.keys(config.headers ?? {}).map((name) => name.toLowerCase()));
  return async (url, init) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(init.headers)) {
      if (name.toLowerCase() !== 'authorization' || custom.has('authorization')) {
        headers[name] = value;
      }
    }
    if (config.apiKey && !custom.has('x-api-key')) headers['x-api-key'] = config.apiKey;
    if (!custom.has('anthropic-version')) headers['anthropic-version'] = ANTHROPIC_VERSION;
    const response = await post(url, { ...init, headers });
    if (response.status !== 529 || (response.statusText && response.statusText !== 'unknown')) {
      return response;
    }
    return {
      ok: response.ok,
      status: response.status,
      statusText: 'Overloaded',
      headers: response.headers,
      text: () => response.text(),
      body: response.body,
    };
  };
}

type Block =
  | { kind: 'text'; text: string }
  | { kind: 'thinking'; id: string; text: string; signature: string }
  | { kind: 'redacted'; id: string; data: string }
  | { kind: 'tool'; id: string; callId: string; name: string; json: string; input: unknown };

let fallbackIds = 0;

/** Parses Anthropic Messages SSE events. */
export class AnthropicParser implements WireParser {
  done = false;
  failure: Failure | null = null;
  private messageId = '';
  private readonly blocks = new Map<number, Block>();
  private stopReason: string | null = null;
  private input = 0;
  private cacheRead = 0;
  private cacheWrite = 0;
  private output = 0;
  private sawUsage = false;

  constructor(private readonly ctx: CallContext) {}

  push(event: SseEvent): ModelEvent[] {
    if (this.done) return [];
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      this.failure = this.protocol(`sent an event that is not JSON (${event.event})`);
      return [];
    }
    if (!isRecord(data)) return [];
    const type = typeof data.type === 'string' ? data.type : event.event;
    switch (type) {
      case 'message_start': {
        const message = isRecord(data.message) ? data.message : {};
        if (typeof message.id === 'string' && message.id !== '') this.messageId = message.id;
        if (isRecord(message.usage)) this.addUsage(message.usage);
        return [];
      }
      case 'content_block_start':
        return this.start(num(data.index), isRecord(data.content_block) ? data.content_block : {});
      case 'content_block_delta':
        return this.delta(num(data.index), isRecord(data.delta) ? data.delta : {});
      case 'message_delta': {
        const delta = isRecord(data.delta) ? data.delta : {};
        if (typeof delta.stop_reason === 'string') this.stopReason = delta.stop_reason;
        if (isRecord(data.usage)) this.addUsage(data.usage);
        return [];
      }
      case 'message_stop':
        this.done = true;
        return [];
      case 'error':
        this.failure = streamErrorFailure(this.ctx, isRecord(data.error) ? data.error : {});
        return [];
      default:
        return []; // ping, content_block_stop, and types Yoke does not use
    }
  }

  finish(): ModelEvent[] {
    const out: ModelEvent[] = [];
    const text: ContentPart[] = [];
    let messageAt = -1;
    for (const [, block] of [...this.blocks.entries()].sort((a, b) => a[0] - b[0])) {
      const item = this.toItem(block);
      if (item !== null) out.push({ type: 'item', item });
      else if (block.kind === 'text') {
        if (messageAt === -1) messageAt = out.length;
        text.push({ type: 'output_text', text: block.text });
      }
    }
    if (messageAt !== -1) {
      const item: HistoryItem = {
        type: 'message',
        id: this.id(),
        role: 'assistant',
        content: text,
      };
      out.splice(messageAt, 0, { type: 'item', item });
    }
    if (this.sawUsage) out.push({ type: 'usage', usage: this.usage() });
    this.failure = stopReasonFailure(this.ctx, this.stopReason);
    return out;
  }

  private start(index: number, block: Record<string, unknown>): ModelEvent[] {
    const base = this.id().replace(/^msg_/, '');
    switch (block.type) {
      case 'text':
        this.blocks.set(index, { kind: 'text', text: '' });
        return this.appendText(index, str(block.text));
      case 'thinking':
        this.blocks.set(index, {
          kind: 'thinking',
          id: `rs_${base}_${index}`,
          text: '',
          signature: str(block.signature),
        });
        return this.appendThinking(index, str(block.thinking));
      case 'redacted_thinking':
        this.blocks.set(index, {
          kind: 'redacted',
          id: `rs_${base}_${index}`,
          data: str(block.data),
        });
        return [];
      case 'tool_use':
        this.blocks.set(index, {
          kind: 'tool',
          id: `fc_${base}_${index}`,
          callId: str(block.id),
          name: str(block.name),
          json: '',
          input: block.input,
        });
        return [];
      default:
        return []; // server tools, documents…: not used by Yoke
    }
  }

  private delta(index: number, delta: Record<string, unknown>): ModelEvent[] {
    const block = this.blocks.get(index);
    if (!block) return [];
    switch (delta.type) {
      case 'text_delta':
        return this.appendText(index, str(delta.text));
      case 'thinking_delta':
        return this.appendThinking(index, str(delta.thinking));
      case 'signature_delta':
        if (block.kind === 'thinking') block.signature += str(delta.signature);
        return [];
      case 'input_json_delta':
        if (block.kind === 'tool') block.json += str(delta.partial_json);
        return [];
      default:
        return [];
    }
  }

  private appendText(index: number, text: string): ModelEvent[] {
    const block = this.blocks.get(index);
    if (block?.kind !== 'text' || text === '') return [];
    block.text += text;
    return [{ type: 'text-delta', itemId: this.id(), delta: text }];
  }

  private appendThinking(index: number, text: string): ModelEvent[] {
    const block = this.blocks.get(index);
    if (block?.kind !== 'thinking' || text === '') return [];
    block.text += text;
    return [{ type: 'reasoning-summary-delta', itemId: block.id, summaryIndex: 0, delta: text }];
  }

  /** The item for a non-text block (text blocks are gathered into one message). */
  private toItem(block: Block): HistoryItem | null {
    switch (block.kind) {
      case 'text':
        return null;
      case 'thinking':
        return {
          type: 'reasoning',
          id: block.id,
          summary: block.text === '' ? [] : [{ type: 'summary_text', text: block.text }],
          signature: block.signature,
        };
      case 'redacted':
        // No signature of its own: the empty one marks it as Anthropic's (anthropic-messages.ts).
        return {
          type: 'reasoning',
          id: block.id,
          summary: [],
          encrypted_content: block.data,
          signature: '',
        };
      case 'tool': {
        // Streamed input arrives as JSON text; a block without deltas carries `input` whole.
        const args =
          block.json !== ''
            ? block.json
            : isRecord(block.input)
              ? JSON.stringify(block.input)
              : '{}';
        return {
          type: 'function_call',
          id: block.id,
          call_id: block.callId,
          name: block.name,
          arguments: args,
        };
      }
    }
  }

  private id(): string {
    if (this.messageId === '')
      this.messageId = `msg_anthropic${Date.now().toString(36)}${++fallbackIds}`;
    return this.messageId;
  }

  /** message_start and message_delta both carry usage; later values replace earlier ones. */
  private addUsage(raw: Record<string, unknown>): void {
    this.sawUsage = true;
    if (typeof raw.input_tokens === 'number') this.input = num(raw.input_tokens);
    if (typeof raw.cache_read_input_tokens === 'number')
      this.cacheRead = num(raw.cache_read_input_tokens);
    if (typeof raw.cache_creation_input_tokens === 'number') {
      this.cacheWrite = num(raw.cache_creation_input_tokens);
    }
    if (typeof raw.output_tokens === 'number') this.output = num(raw.output_tokens);
  }

  private usage(): Usage {
    const inputTokens = this.input + this.cacheRead + this.cacheWrite;
    return {
      inputTokens,
      cachedInputTokens: this.cacheRead,
      cacheWriteInputTokens: this.cacheWrite,
      outputTokens: this.output,
      // Anthropic bills thinking as output and does not report it apart.
      reasoningOutputTokens: 0,
      totalTokens: inputTokens + this.output,
    };
  }

  private protocol(what: string): Failure {
    return {
      kind: 'protocol',
      what: `${this.ctx.url} ${what}`,
      fix: 'check that baseUrl points at an Anthropic Messages API server (…/v1)',
      reason: 'protocol',
      retryable: false,
    };
  }
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
