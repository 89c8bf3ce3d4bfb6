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

export type MockStep =
  /** A normal streamed response with these items, in order. */
  | { kind: 'respond'; outputs: MockOutput[]; usage?: MockUsage }
  /** An HTTP error status with a JSON (or raw) body. */
  | { kind: 'error'; status: number; body: string; headers: Record<string, string> }
  /** 200, the first event and the start of these outputs, then nothing until the client
   * hangs up. */
  | { kind: 'hang'; outputs: MockOutput[] }
  /** 200 and the start of these outputs (no final event), then the socket is closed. */
  | { kind: 'cut'; outputs: MockOutput[] }
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
