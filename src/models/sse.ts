// Incremental server-sent-events parser (the WHATWG `text/event-stream` rules).
//
// Lines end with CRLF, LF or CR (a CR at the end of one chunk and an LF at the start of the
// next count as one line end). `event:` sets the type, `data:` lines are joined with "\n",
// lines starting with ":" are comments, one space after the colon is dropped, and a blank
// line dispatches the event. An event with no `data:` line is not dispatched.
//
// At the end of the stream a pending event is dispatched only if its last line was complete
// (some servers omit the final blank line); a half-received line is dropped, so a stream cut
// in the middle of an event never yields truncated data. Chat Completions ends with
// `data: [DONE]`, which passes through as an ordinary event whose data is `SSE_DONE`.

export type SseEvent = {
  /** The `event:` field, or "message" when absent. */
  event: string;
  data: string;
  id?: string;
};

export const SSE_DONE = '[DONE]';

export class SseParser {
  private buffer = '';
  private skipLf = false;
  private eventType = '';
  private data: string[] = [];
  private lastId: string | undefined;

  /** Feeds decoded text; returns the events completed by it. */
  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    let start = 0;
    if (this.skipLf && text.startsWith('\n')) start = 1;
    this.skipLf = false;
    for (let i = start; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      const line = this.buffer + text.slice(start, i);
      this.buffer = '';
      if (ch === 13) {
        if (i + 1 === text.length) this.skipLf = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      this.line(line, out);
    }
    this.buffer += text.slice(start);
    return out;
  }

  /** Ends the stream: a pending event whose lines were all complete is dispatched. */
  end(): SseEvent[] {
    const out: SseEvent[] = [];
    if (this.buffer === '') this.dispatch(out);
    this.buffer = '';
    this.eventType = '';
    this.data = [];
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ":" comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.eventType = value;
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    // "retry" and unknown fields are ignored.
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data.length > 0) {
      const event: SseEvent = { event: this.eventType || 'message', data: this.data.join('\n') };
      if (this.lastId !== undefined) event.id = this.lastId;
      out.push(event);
    }
    this.eventType = '';
    this.data = [];
  }
}

export type ByteSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** Parses a byte stream into events as the bytes arrive. */
export async function* parseSse(source: ByteSource): AsyncGenerator<SseEvent, void, undefined> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  for await (const chunk of byteChunks(source)) {
    const text = decoder.decode(chunk, { stream: true });
    if (text !== '') yield* parser.push(text);
  }
  const tail = decoder.decode();
  if (tail !== '') yield* parser.push(tail);
  yield* parser.end();
}

/** Iterates a web ReadableStream (cancelling it when the loop stops early) or an iterable. */
export async function* byteChunks(source: ByteSource): AsyncGenerator<Uint8Array, void, undefined> {
  if (!isReadableStream(source)) {
    yield* source;
    return;
  }
  const reader = source.getReader();
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function isReadableStream(source: ByteSource): source is ReadableStream<Uint8Array> {
  return typeof (source as ReadableStream<Uint8Array>).getReader === 'function';
}
