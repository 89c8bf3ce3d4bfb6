// Renders a scripted response as the SSE frames each API streams.
//
// Responses: `event: <type>\ndata: <json with "type">\n\n` — response.created, then per item
// output_item.added → content/summary part and deltas → output_item.done, then
// response.completed with usage. Chat: `data: <chunk>\n\n` … `data: [DONE]\n\n`.

import type { MockOutput } from './mock-model-script.ts';

/** Per-server id counters, so ids are realistic and unique: msg_1, rs_1, fc_1, call_1. */
export class IdCounters {
  private readonly counts = new Map<string, number>();
  next(prefix: string): string {
    const n = (this.counts.get(prefix) ?? 0) + 1;
    this.counts.set(prefix, n);
    return `${prefix}_${n}`;
  }
}

export type UsageNumbers = { input: number; cached: number; output: number; reasoning: number };

/** full: the whole response; start: response.created only (hang); cut: items started, never
 * finished; failed: response.created then a failure. */
export type RenderMode = 'full' | 'start' | 'cut' | 'failed';

export type RenderContext = {
  ids: IdCounters;
  model: string;
  usage: UsageNumbers;
  failure?: { code: string; message: string };
};

function halves(value: string): string[] {
  if (value.length < 2) return [value];
  const mid = Math.ceil(value.length / 2);
  return [value.slice(0, mid), value.slice(mid)];
}

export function responsesFrames(
  outputs: MockOutput[],
  mode: RenderMode,
  ctx: RenderContext,
): string[] {
  const frames: string[] = [];
  let seq = 0;
  const emit = (type: string, payload: Record<string, unknown>): void => {
    frames.push(
      `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...payload })}\n\n`,
    );
  };
  const responseId = ctx.ids.next('resp');
  const response = (status: string, output: unknown[]): Record<string, unknown> => ({
    id: responseId,
    object: 'response',
    created_at: 1_700_000_000,
    status,
    model: ctx.model,
    output,
  });
  emit('response.created', { response: response('in_progress', []) });
  if (mode === 'start') return frames;
  if (mode === 'failed') {
    const error = {
      code: ctx.failure?.code ?? 'server_error',
      message: ctx.failure?.message ?? 'failed',
    };
    emit('response.failed', { response: { ...response('failed', []), error } });
    return frames;
  }
  const done: unknown[] = [];
  outputs.forEach((output, output_index) => {
    if (output.kind === 'text') {
      const id = ctx.ids.next('msg');
      emit('response.output_item.added', {
        output_index,
        item: { id, type: 'message', status: 'in_progress', content: [], role: 'assistant' },
      });
      const at = { item_id: id, output_index, content_index: 0 };
      emit('response.content_part.added', {
        ...at,
        part: { type: 'output_text', annotations: [], text: '' },
      });
      for (const delta of output.chunks) emit('response.output_text.delta', { ...at, delta });
      if (mode === 'cut') return;
      emit('response.output_text.done', { ...at, text: output.text });
      const part = { type: 'output_text', annotations: [], text: output.text };
      emit('response.content_part.done', { ...at, part });
      const item = { id, type: 'message', status: 'completed', content: [part], role: 'assistant' };
      emit('response.output_item.done', { output_index, item });
      done.push(item);
    } else if (output.kind === 'reasoning') {
      const id = ctx.ids.next('rs');
      emit('response.output_item.added', {
        output_index,
        item: { id, type: 'reasoning', summary: [] },
      });
      const at = { item_id: id, output_index, summary_index: 0 };
      emit('response.reasoning_summary_part.added', {
        ...at,
        part: { type: 'summary_text', text: '' },
      });
      for (const delta of halves(output.summary)) {
        emit('response.reasoning_summary_text.delta', { ...at, delta });
      }
      if (mode === 'cut') return;
      emit('response.reasoning_summary_text.done', { ...at, text: output.summary });
      const part = { type: 'summary_text', text: output.summary };
      emit('response.reasoning_summary_part.done', { ...at, part });
      const encrypted =
        output.encrypted === undefined ? `gAAAAA-encrypted-${id}` : output.encrypted;
      const item = { id, type: 'reasoning', summary: [part], encrypted_content: encrypted };
      emit('response.output_item.done', { output_index, item });
      done.push(item);
    } else {
      const id = ctx.ids.next('fc');
      const callId = output.callId ?? ctx.ids.next('call');
      const start = {
        id,
        type: 'function_call',
        status: 'in_progress',
        arguments: '',
        call_id: callId,
        name: output.name,
      };
      emit('response.output_item.added', { output_index, item: start });
      for (const delta of halves(output.arguments)) {
        emit('response.function_call_arguments.delta', { item_id: id, output_index, delta });
      }
      if (mode === 'cut') return;
      emit('response.function_call_arguments.done', {
        item_id: id,
        output_index,
        arguments: output.arguments,
      });
      const item = { ...start, status: 'completed', arguments: output.arguments };
      emit('response.output_item.done', { output_index, item });
      done.push(item);
    }
  });
  if (mode === 'cut') return frames;
  const { input, cached, output, reasoning } = ctx.usage;
  const usage = {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
  emit('response.completed', { response: { ...response('completed', done), usage } });
  return frames;
}

export function chatFrames(outputs: MockOutput[], mode: RenderMode, ctx: RenderContext): string[] {
  const frames: string[] = [];
  const id = ctx.ids.next('chatcmpl');
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): void => {
    const body = {
      id,
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: ctx.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    };
    frames.push(`data: ${JSON.stringify(body)}\n\n`);
  };
  chunk({ role: 'assistant', content: '' });
  if (mode === 'start') return frames;
  if (mode === 'failed') {
    const error = {
      message: ctx.failure?.message ?? 'failed',
      type: 'server_error',
      code: ctx.failure?.code,
    };
    frames.push(`data: ${JSON.stringify({ error })}\n\n`);
    return frames;
  }
  let calls = 0;
  for (const output of outputs) {
    if (output.kind === 'text') {
      for (const content of output.chunks) chunk({ content });
    } else if (output.kind === 'reasoning') {
      for (const piece of halves(output.summary)) chunk({ reasoning_content: piece });
    } else {
      const index = calls++;
      const callId = output.callId ?? ctx.ids.next('call');
      const fn = { name: output.name, arguments: '' };
      chunk({ tool_calls: [{ index, id: callId, type: 'function', function: fn }] });
      for (const piece of halves(output.arguments)) {
        chunk({ tool_calls: [{ index, function: { arguments: piece } }] });
      }
    }
  }
  if (mode === 'cut') return frames;
  chunk({}, calls > 0 ? 'tool_calls' : 'stop');
  const { input, cached, output, reasoning } = ctx.usage;
  const usage = {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
  frames.push(
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model: ctx.model, choices: [], usage })}\n\n`,
  );
  frames.push('data: [DONE]\n\n');
  return frames;
}
