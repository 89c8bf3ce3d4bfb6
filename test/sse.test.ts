import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSse, SSE_DONE, SseParser, type SseEvent } from '../src/models/sse.ts';

const encoder = new TextEncoder();

/** Feeds `text` to a fresh parser in pieces cut at `cuts`, then ends it. */
function parseInPieces(text: string, cuts: number[]): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  let at = 0;
  for (const cut of [...cuts, text.length]) {
    events.push(...parser.push(text.slice(at, cut)));
    at = cut;
  }
  events.push(...parser.end());
  return events;
}

async function collect(source: AsyncIterable<SseEvent>): Promise<SseEvent[]> {
  const out: SseEvent[] = [];
  for await (const event of source) out.push(event);
  return out;
}

describe('SseParser', () => {
  const stream =
    'event: response.created\ndata: {"a":1}\n\n' +
    ': a comment\n' +
    'data: line one\ndata: line two\n\n' +
    'event: x\r\ndata:no-space\r\n\r\n' +
    'id: 7\rdata: cr only\r\r';

  const expected: SseEvent[] = [
    { event: 'response.created', data: '{"a":1}' },
    { event: 'message', data: 'line one\nline two' },
    { event: 'x', data: 'no-space' },
    { event: 'message', data: 'cr only', id: '7' },
  ];

  it('parses event types, multi-line data, comments, CRLF and CR line ends', () => {
    assert.deepEqual(parseInPieces(stream, []), expected);
  });

  it('gives the same events however the input is split, even between CR and LF', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      assert.deepEqual(parseInPieces(stream, [cut]), expected, `split at ${cut}`);
    }
    const everyChar = Array.from({ length: stream.length }, (_, i) => i);
    assert.deepEqual(parseInPieces(stream, everyChar), expected);
  });

  it('does not dispatch events without data, and keeps the last event type only per event', () => {
    const events = parseInPieces('event: ping\n\nevent: a\nevent: b\ndata: 1\n\ndata: 2\n\n', []);
    assert.deepEqual(events, [
      { event: 'b', data: '1' },
      { event: 'message', data: '2' },
    ]);
  });

  it('keeps an empty data line and strips only one leading space', () => {
    assert.deepEqual(parseInPieces('data:\ndata:  two\n\n', []), [
      { event: 'message', data: '\n two' },
    ]);
  });

  it('flushes a complete last event without its blank line, but drops a half-received line', () => {
    assert.deepEqual(parseInPieces('data: [DONE]\n', []), [{ event: 'message', data: SSE_DONE }]);
    assert.deepEqual(parseInPieces('data: {"a":1}\n\ndata: {"trunc', []), [
      { event: 'message', data: '{"a":1}' },
    ]);
  });
});

describe('parseSse', () => {
  it('reads a web ReadableStream and decodes UTF-8 split across chunks', async () => {
    const bytes = encoder.encode('data: héllo ✓ 🚀\n\ndata: [DONE]\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    assert.deepEqual(await collect(parseSse(stream)), [
      { event: 'message', data: 'héllo ✓ 🚀' },
      { event: 'message', data: '[DONE]' },
    ]);
  });

  it('reads an async iterable of chunks', async () => {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield encoder.encode('event: a\r');
      yield encoder.encode('\ndata: 1\r\n');
      yield encoder.encode('\r\n');
    }
    assert.deepEqual(await collect(parseSse(chunks())), [{ event: 'a', data: '1' }]);
  });

  it('cancels the stream when the consumer stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode('data: x\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of parseSse(stream)) {
      assert.equal(event.data, 'x');
      break;
    }
    assert.equal(cancelled, true);
  });
});
