// The scripted mock model: what one response should be, and small builders for it.
//
//   startMockModel([
//     reasoning('thinking', { encrypted: 'enc-1' }),
//     step(toolCall('shell', { cmd: 'ls' }), toolCall('read', { path: 'a' })),
//     error(429, undefined, { 'retry-after': '2' }),
//     text('done', { chunks: 3 }),
//   ]);

/** One output item of a response. */
export type MockOutput =
  | { kind: 'text'; text: string; chunks: string[] }
  | { kind: 'toolCall'; name: string; arguments: string; callId?: string }
  | { kind: 'reasoning'; summary: string; encrypted?: string | null };

/** Token counts to report instead of the computed ones. */
export type MockUsage = {
  inputTokens?: number;
  cachedTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
};

/**
 * Called before frame `index` (0-based) of `count` is written; a promise returned holds the
 * stream there until it settles — a test paces a stream by what its clients have seen, or
 * holds it mid-item to act "during a stream".
 */
export type Gate = (index: number, count: number) => Promise<void> | void;

export type MockStep =
  /** A normal streamed response with these items, in order. */
  | { kind: 'respond'; outputs: MockOutput[]; usage?: MockUsage; gate?: Gate }
  /** An HTTP error status with a JSON (or raw) body. */
  | { kind: 'error'; status: number; body: string; headers: Record<string, string> }
  /** 200, the first event and the start of these outputs, then nothing until the client
   * hangs up. */
  | { kind: 'hang'; outputs: MockOutput[]; gate?: Gate }
  /** 200 and the start of these outputs (no final event), then the socket is closed. */
  | { kind: 'cut'; outputs: MockOutput[]; gate?: Gate }
  /** 200 and one text answer of about `bytes` bytes, generated while it is sent. */
  | { kind: 'huge'; bytes: number }
  /** 200 and exactly this body, in these pieces (malformed streams). */
  | { kind: 'raw'; chunks: string[] }
  /** The socket is destroyed before any response header. */
  | { kind: 'reset' }
  /** 200, then a stream-level failure (response.failed / an error chunk). */
  | { kind: 'failed'; code: string; message: string };

export type MockUsagePart = { kind: 'usage'; usage: MockUsage };

/** What a script entry may be: a full step, or a single output as shorthand for a response. */
export type ScriptEntry = MockStep | MockOutput;

/** Split `text` into `n` nearly equal pieces (at least one). */
function splitInto(text: string, n: number): string[] {
  const count = Math.max(1, Math.min(n, text.length));
  const size = Math.ceil(text.length / count);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces.length > 0 ? pieces : [''];
}

/** An assistant message. Default chunking: one delta per word. */
export function text(value: string, options: { chunks?: number | string[] } = {}): MockOutput {
  const { chunks } = options;
  let pieces: string[];
  if (Array.isArray(chunks)) pieces = chunks;
  else if (typeof chunks === 'number') pieces = splitInto(value, chunks);
  else pieces = value.match(/\s*\S+\s*|\s+/g) ?? [''];
  return { kind: 'text', text: value, chunks: pieces };
}

/** A function call; `args` is an object (JSON-encoded) or the raw argument text. */
export function toolCall(
  name: string,
  args: Record<string, unknown> | string = {},
  options: { callId?: string } = {},
): MockOutput {
  const output: MockOutput = {
    kind: 'toolCall',
    name,
    arguments: typeof args === 'string' ? args : JSON.stringify(args),
  };
  if (options.callId !== undefined) output.callId = options.callId;
  return output;
}

/** A reasoning item with one summary part. `encrypted` defaults to a generated opaque string. */
export function reasoning(
  summary: string,
  options: { encrypted?: string | null } = {},
): MockOutput {
  const output: MockOutput = { kind: 'reasoning', summary };
  if (options.encrypted !== undefined) output.encrypted = options.encrypted;
  return output;
}

export function usage(values: MockUsage): MockUsagePart {
  return { kind: 'usage', usage: values };
}

/** One response made of several outputs (and optionally a usage override). */
export function step(...parts: (MockOutput | MockUsagePart)[]): MockStep {
  const outputs: MockOutput[] = [];
  let override: MockUsage | undefined;
  for (const part of parts) {
    if (part.kind === 'usage') override = { ...override, ...part.usage };
    else outputs.push(part);
  }
  return override === undefined
    ? { kind: 'respond', outputs }
    : { kind: 'respond', outputs, usage: override };
}

/** Several tool calls in one response. */
export function toolCalls(calls: MockOutput[]): MockStep {
  return step(...calls);
}

export function error(
  status: number,
  body?: string | Record<string, unknown>,
  headers: Record<string, string> = {},
): MockStep {
  const json = body ?? {
    error: {
      message: `mock error ${status}`,
      type: status >= 500 ? 'server_error' : 'invalid_request_error',
      code: null,
    },
  };
  return {
    kind: 'error',
    status,
    body: typeof json === 'string' ? json : JSON.stringify(json),
    headers,
  };
}

/** Starts a response (with the beginnings of `outputs`, if any) and then sends nothing. */
export function hang(...outputs: MockOutput[]): MockStep {
  return { kind: 'hang', outputs };
}

/** Starts a response (with the beginnings of `outputs`, if any) and drops the connection. */
export function cut(...outputs: MockOutput[]): MockStep {
  return { kind: 'cut', outputs };
}

export function reset(): MockStep {
  return { kind: 'reset' };
}

/** The same step, its frames paced by `gate` (see Gate). */
export function paced(entry: ScriptEntry, gate: Gate): MockStep {
  const step = toStep(entry);
  if (step.kind !== 'respond' && step.kind !== 'hang' && step.kind !== 'cut')
    throw new Error(`paced: a ${step.kind} step has no frames to pace`);
  return { ...step, gate };
}

/** A text answer of about `bytes` bytes in 64 KiB deltas, made as it is sent. */
export function huge(bytes: number): MockStep {
  return { kind: 'huge', bytes };
}

/** A 200 event stream whose body is exactly `chunks`, e.g. an event that is not JSON. */
export function raw(...chunks: string[]): MockStep {
  return { kind: 'raw', chunks };
}

export function failed(
  code = 'server_error',
  message = 'The model failed to generate a response.',
): MockStep {
  return { kind: 'failed', code, message };
}

export function toStep(entry: ScriptEntry): MockStep {
  return entry.kind === 'text' || entry.kind === 'toolCall' || entry.kind === 'reasoning'
    ? step(entry)
    : entry;
}
