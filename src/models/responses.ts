// OpenAI Responses API adapter: `POST {baseUrl}/responses` with `stream: true`.
//
// The body is a deterministic function of the request: keys are written in a fixed order,
// history items are serialized exactly as stored, and `input` comes LAST, so a request whose
// history extends the previous one is a byte-prefix-extension of it up to the closing `]}`
// (see cache-prefix.ts). Base instructions are the first input item, a developer message,
// as Codex does, rather than the `instructions` field.

import {
  contextWindowFix,
  errorFields,
  isRecord,
  oneLine,
  type CallContext,
  type Failure,
} from './errors.ts';
import { streamWithRetries, type TransportDeps, type WireParser } from './http.ts';
import type { SseEvent } from './sse.ts';
import type {
  ContentPart,
  HistoryItem,
  ModelErrorKind,
  ModelEvent,
  ModelRequest,
  ProviderConfig,
  StreamFn,
  Usage,
} from './types.ts';

export function buildResponsesBody(request: ModelRequest): string {
  const input: unknown[] = [];
  if (request.instructions !== '') {
    input.push({
      type: 'message',
      role: 'developer',
      content: [{ type: 'input_text', text: request.instructions }],
    });
  }
  input.push(...request.input);
  const body: Record<string, unknown> = {
    model: request.model,
    stream: true,
    store: false,
    tool_choice: 'auto',
    parallel_tool_calls: request.parallelToolCalls ?? true,
  };
  if (request.reasoningEffort) body.reasoning = { effort: request.reasoningEffort };
  body.include = ['reasoning.encrypted_content'];
  if (request.promptCacheKey !== undefined) body.prompt_cache_key = request.promptCacheKey;
  if (request.outputSchema) {
    body.text = {
      format: {
        type: 'json_schema',
        name: 'codex_output_schema',
        schema: request.outputSchema,
        strict: true,
      },
    };
  }
  body.tools = request.tools.map((tool) => ({
    type: 'function',
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    strict: false,
  }));
  body.input = input;
  return JSON.stringify(body);
}

export function createResponsesStreamFn(
  config: ProviderConfig,
  deps: TransportDeps = {},
): StreamFn {
  return (request, signal) =>
    streamWithRetries(
      {
        config,
        model: request.model,
        path: 'responses',
        body: () => buildResponsesBody(request),
        finalEvent: 'response.completed',
        createParser: (ctx) => new ResponsesParser(ctx),
      },
      signal,
      deps,
    );
}

/** Parses Responses SSE events. */
export class ResponsesParser implements WireParser {
  done = false;
  failure: Failure | null = null;
  private itemsSeen = 0;

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
      case 'response.output_text.delta':
        return [{ type: 'text-delta', itemId: str(data.item_id), delta: str(data.delta) }];
      case 'response.reasoning_summary_text.delta':
        return [
          {
            type: 'reasoning-summary-delta',
            itemId: str(data.item_id),
            summaryIndex: typeof data.summary_index === 'number' ? data.summary_index : 0,
            delta: str(data.delta),
          },
        ];
      case 'response.output_item.done': {
        const item = outputItem(data.item);
        if (item === null) return [];
        this.itemsSeen++;
        return [{ type: 'item', item }];
      }
      case 'response.completed':
        return this.completed(data.response);
      case 'response.failed':
        this.failure = this.failed(isRecord(data.response) ? data.response.error : undefined);
        return [];
      case 'response.incomplete':
        this.failure = this.incomplete(data.response);
        return [];
      case 'error':
        // Both shapes: {"type":"error","error":{"code":…,"message":…}} and the flat
        // {"type":"error","code":…,"message":…}.
        this.failure = this.failed(isRecord(data.error) ? data.error : data);
        return [];
      default:
        return [];
    }
  }

  finish(): ModelEvent[] {
    return [];
  }

  private completed(response: unknown): ModelEvent[] {
    this.done = true;
    const out: ModelEvent[] = [];
    if (!isRecord(response)) return out;
    // Servers that skip output_item.done still list the items in the final response.
    if (this.itemsSeen === 0 && Array.isArray(response.output)) {
      for (const raw of response.output) {
        const item = outputItem(raw);
        if (item !== null) out.push({ type: 'item', item });
      }
    }
    if (isRecord(response.usage))
      out.push({ type: 'usage', usage: responsesUsage(response.usage) });
    return out;
  }

  private failed(error: unknown): Failure {
    const { message, code } = errorFields(isRecord(error) ? { error } : {});
    const detail = message ?? code ?? 'no reason given';
    const kind = failedKind(code, message);
    const failure: Failure = {
      kind,
      what: `the response from ${this.ctx.url} failed${code ? ` (${code})` : ''}`,
      detail,
      fix: failedFix(kind, code, this.ctx.model),
      reason: oneLine(`${code ?? 'response.failed'}: ${detail}`, 200),
      retryable: RETRYABLE_CODES.has(code ?? ''),
    };
    const wait = retryHint(message);
    if (wait !== undefined) failure.retryAfterMs = wait;
    return failure;
  }

  private incomplete(response: unknown): Failure {
    const details = isRecord(response) ? response.incomplete_details : undefined;
    const reason =
      isRecord(details) && typeof details.reason === 'string' ? details.reason : 'unknown';
    // max_output_tokens usually means the context is full; content_filter is a refusal.
    const kind: ModelErrorKind = reason === 'content_filter' ? 'badRequest' : 'contextWindow';
    return {
      kind,
      what: `the response from ${this.ctx.url} is incomplete (${reason})`,
      fix:
        kind === 'badRequest'
          ? 'the provider filtered the output; rephrase the request'
          : `the output hit the token limit of ${this.ctx.model}; compact the thread or ask for less`,
      reason,
      retryable: false,
    };
  }

  private protocol(what: string): Failure {
    return {
      kind: 'protocol',
      what: `${this.ctx.url} ${what}`,
      fix: 'check that baseUrl points at an OpenAI Responses API server',
      reason: 'protocol',
      retryable: false,
    };
  }
}

/** Codes of a failed or errored stream that another attempt may not meet. */
const RETRYABLE_CODES = new Set([
  'server_error',
  'rate_limit_exceeded',
  'server_is_overloaded',
  'slow_down',
]);

/** "Please try again in 1.5s" / "in 250ms": the wait a rate-limit message asks for, in ms. */
export function retryHint(message: string | undefined): number | undefined {
  const match = /try again in (\d+(?:\.\d+)?)\s*(ms|s)\b/i.exec(message ?? '');
  if (!match) return undefined;
  const value = Number(match[1]);
  return Math.ceil(match[2]!.toLowerCase() === 'ms' ? value : value * 1000);
}

function failedKind(code: string | undefined, message: string | undefined): ModelErrorKind {
  if (code === 'context_length_exceeded' || /context (length|window)/i.test(message ?? '')) {
    return 'contextWindow';
  }
  if (code === 'rate_limit_exceeded' || code === 'insufficient_quota') return 'rateLimited';
  if (code === 'invalid_prompt' || code === 'invalid_request_error') return 'badRequest';
  return 'server';
}

function failedFix(kind: ModelErrorKind, code: string | undefined, model: string): string {
  if (kind === 'contextWindow') return contextWindowFix(model);
  if (code === 'insufficient_quota')
    return 'the account is out of quota; check its plan and billing';
  if (kind === 'rateLimited') return 'wait and try again, or lower the request rate';
  if (kind === 'badRequest') return 'the provider refused the prompt; rephrase it';
  return 'the provider failed to answer; try again later';
}

/** Normalizes a provider output item; null for types Yoke does not use. */
export function outputItem(raw: unknown): HistoryItem | null {
  if (!isRecord(raw)) return null;
  if (raw.type === 'message') {
    const content: ContentPart[] = [];
    for (const part of Array.isArray(raw.content) ? raw.content : []) {
      if (!isRecord(part)) continue;
      if (part.type === 'output_text') content.push({ type: 'output_text', text: str(part.text) });
      else if (part.type === 'refusal')
        content.push({ type: 'output_text', text: str(part.refusal) });
    }
    return { type: 'message', ...idOf(raw), role: 'assistant', content };
  }
  if (raw.type === 'reasoning') {
    const summary = (Array.isArray(raw.summary) ? raw.summary : [])
      .filter(isRecord)
      .map((part) => ({ type: 'summary_text' as const, text: str(part.text) }));
    const item: HistoryItem = { type: 'reasoning', id: str(raw.id), summary };
    if (typeof raw.encrypted_content === 'string' || raw.encrypted_content === null) {
      item.encrypted_content = raw.encrypted_content;
    }
    return item;
  }
  if (raw.type === 'function_call') {
    return {
      type: 'function_call',
      ...idOf(raw),
      call_id: str(raw.call_id),
      name: str(raw.name),
      arguments: str(raw.arguments),
    };
  }
  return null;
}

function idOf(raw: Record<string, unknown>): { id?: string } {
  return typeof raw.id === 'string' ? { id: raw.id } : {};
}

export function responsesUsage(raw: Record<string, unknown>): Usage {
  const inputTokens = num(raw.input_tokens);
  const outputTokens = num(raw.output_tokens);
  const inputDetails = isRecord(raw.input_tokens_details) ? raw.input_tokens_details : {};
  const outputDetails = isRecord(raw.output_tokens_details) ? raw.output_tokens_details : {};
  return {
    inputTokens,
    cachedInputTokens: num(inputDetails.cached_tokens),
    cacheWriteInputTokens: 0,
    outputTokens,
    reasoningOutputTokens: num(outputDetails.reasoning_tokens),
    totalTokens:
      typeof raw.total_tokens === 'number' ? raw.total_tokens : inputTokens + outputTokens,
  };
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
