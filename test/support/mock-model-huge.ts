// A huge text answer for the mock model, generated frame by frame as it is written, so a test
// can send 50 MB without holding it: 64 KiB deltas, then (only if the client is still reading)
// the closing events, which repeat the whole text as the real APIs do.
import type { IdCounters } from './mock-model-sse.ts';

const DELTA = 64 * 1024;

function* deltas(bytes: number): Generator<string> {
  for (let sent = 0, i = 0; sent < bytes; sent += DELTA, i++)
    yield String.fromCharCode(97 + (i % 26)).repeat(Math.min(DELTA, bytes - sent));
}

const fullText = (bytes: number): string => [...deltas(bytes)].join('');

export function* hugeFrames(
  api: 'responses' | 'chat',
  bytes: number,
  ids: IdCounters,
  model: string,
): Generator<string> {
  if (api === 'chat') {
    const id = ids.next('chatcmpl');
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    yield chunk({ role: 'assistant', content: '' });
    for (const content of deltas(bytes)) yield chunk({ content });
    yield chunk({}, 'stop');
    yield 'data: [DONE]\n\n';
    return;
  }
  let seq = 0;
  const event = (type: string, payload: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...payload })}\n\n`;
  const responseId = ids.next('resp');
  const itemId = ids.next('msg');
  const response = (status: string, output: unknown[]) => ({
    id: responseId,
    object: 'response',
    created_at: 1_700_000_000,
    status,
    model,
    output,
  });
  yield event('response.created', { response: response('in_progress', []) });
  const item = { id: itemId, type: 'message', role: 'assistant' };
  yield event('response.output_item.added', {
    output_index: 0,
    item: { ...item, status: 'in_progress', content: [] },
  });
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  for (const delta of deltas(bytes)) yield event('response.output_text.delta', { ...at, delta });
  const part = { type: 'output_text', annotations: [], text: fullText(bytes) };
  const done = { ...item, status: 'completed', content: [part] };
  yield event('response.output_item.done', { output_index: 0, item: done });
  const usage = { input_tokens: 1, output_tokens: Math.ceil(bytes / 4), total_tokens: 1 };
  yield event('response.completed', { response: { ...response('completed', [done]), usage } });
}
