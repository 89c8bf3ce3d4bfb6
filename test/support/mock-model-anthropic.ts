// Renders a scripted response as Anthropic Messages SSE: `event: <type>\ndata: <json>\n\n`.
//
// message_start (usage) → ping → per output content_block_start → deltas → content_block_stop
// → message_delta (stop_reason, output usage) → message_stop. Text → a text block; reasoning →
// a thinking block whose signature is the step's `encrypted` value (or a generated one);
// toolCall → a tool_use block with input_json_delta pieces (ids toolu_1, toolu_2, … unless the
// step names one). A `failed` step becomes `event: error` after message_start, by default
// with overloaded_error, as Anthropic sends when it is overloaded mid-request.
//
// Usage follows the mock's rule (input ≈ body / 4, cached ≈ common prefix with the previous
// request / 4) in Anthropic's split: cache_read_input_tokens = cached; when the request set
// any cache breakpoint the rest of the input is written to the cache
// (cache_creation_input_tokens) and input_tokens is 0, otherwise it is all input_tokens.

import type { MockOutput } from './mock-model-script.ts';
import type { RenderContext, RenderMode } from './mock-model-sse.ts';

export type AnthropicRenderContext = RenderContext & {
  /** Whether the request carried a cache_control breakpoint. */
  cacheControl: boolean;
};

function halves(value: string): string[] {
  if (value.length < 2) return [value];
  const mid = Math.ceil(value.length / 2);
  return [value.slice(0, mid), value.slice(mid)];
}

/** Anthropic's error type for a scripted failure code (OpenAI-style codes in the scripts). */
function errorType(code: string | undefined): string {
  switch (code) {
    case undefined:
    case 'server_error':
    case 'overloaded_error':
      return 'overloaded_error';
    case 'rate_limit_exceeded':
      return 'rate_limit_error';
    case 'context_length_exceeded':
      return 'invalid_request_error';
    default:
      return code;
  }
}

export function anthropicFrames(
  outputs: MockOutput[],
  mode: RenderMode,
  ctx: AnthropicRenderContext,
): string[] {
  const frames: string[] = [];
  const emit = (type: string, payload: Record<string, unknown> = {}): void => {
    frames.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`);
  };
  const { input, cached, output } = ctx.usage;
  const rest = Math.max(0, input - cached);
  emit('message_start', {
    message: {
      id: ctx.ids.next('msg'),
      type: 'message',
      role: 'assistant',
      model: ctx.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: ctx.cacheControl ? 0 : rest,
        cache_creation_input_tokens: ctx.cacheControl ? rest : 0,
        cache_read_input_tokens: cached,
        output_tokens: 1,
      },
    },
  });
  emit('ping');
  if (mode === 'start') return frames;
  if (mode === 'failed') {
    const error = {
      type: errorType(ctx.failure?.code),
      message: ctx.failure?.message ?? 'Overloaded',
    };
    emit('error', { error });
    return frames;
  }
  let calls = 0;
  outputs.forEach((item, index) => {
    if (item.kind === 'text') {
      emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const text of item.chunks) {
        emit('content_block_delta', { index, delta: { type: 'text_delta', text } });
      }
    } else if (item.kind === 'reasoning') {
      const signature = item.encrypted ?? `sig-${ctx.ids.next('thinking')}`;
      emit('content_block_start', {
        index,
        content_block: { type: 'thinking', thinking: '', signature: '' },
      });
      for (const thinking of halves(item.summary)) {
        emit('content_block_delta', { index, delta: { type: 'thinking_delta', thinking } });
      }
      if (mode === 'cut') return;
      emit('content_block_delta', { index, delta: { type: 'signature_delta', signature } });
    } else {
      calls++;
      const id = item.callId ?? ctx.ids.next('toolu');
      emit('content_block_start', {
        index,
        content_block: { type: 'tool_use', id, name: item.name, input: {} },
      });
      for (const partial_json of halves(item.arguments)) {
        emit('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
      }
    }
    if (mode !== 'cut') emit('content_block_stop', { index });
  });
  if (mode === 'cut') return frames;
  emit('message_delta', {
    delta: { stop_reason: calls > 0 ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: output },
  });
  emit('message_stop');
  return frames;
}
