// The normalized model interface. Every provider adapter turns its API into this one stream.
//
// History is kept in the OpenAI Responses item shape: it is the richest of the three wire
// formats (reasoning with encrypted content, call ids, item ids), so it round-trips losslessly
// for the Responses API, and the other adapters convert from it at their boundary only.

/** One piece of message content. */
export type ContentPart =
  | { type: 'input_text'; text: string }
  | { type: 'input_image'; image_url: string }
  | { type: 'output_text'; text: string };

export type MessageItem = {
  type: 'message';
  /** Provider item id (assistant messages); absent on messages we author. */
  id?: string;
  role: 'user' | 'assistant' | 'developer' | 'system';
  content: ContentPart[];
};

export type ReasoningItem = {
  type: 'reasoning';
  id: string;
  summary: { type: 'summary_text'; text: string }[];
  /** Opaque, passed back verbatim so the provider can continue its chain of thought. */
  encrypted_content?: string | null;
  /** Anthropic thinking signature, when the item came from there. */
  signature?: string;
};

export type FunctionCallItem = {
  type: 'function_call';
  id?: string;
  call_id: string;
  name: string;
  /** Raw JSON text exactly as the model produced it. */
  arguments: string;
};

/** Output of a tool call: text, or text and images (the Responses API's content items). */
export type FunctionCallOutputPart =
  { type: 'input_text'; text: string } | { type: 'input_image'; image_url: string };

export type FunctionCallOutputItem = {
  type: 'function_call_output';
  call_id: string;
  output: string | FunctionCallOutputPart[];
};

/** An item of model-visible history: what is sent, what is stored, what resume replays. */
export type HistoryItem = MessageItem | ReasoningItem | FunctionCallItem | FunctionCallOutputItem;

export type ToolSpec = {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
};

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high' | 'xhigh';

export type ModelRequest = {
  model: string;
  /** System / base instructions. Sent as the first developer message for Responses. */
  instructions: string;
  input: HistoryItem[];
  tools: ToolSpec[];
  /** Cache routing key; Yoke uses the thread id. */
  promptCacheKey?: string;
  reasoningEffort?: ReasoningEffort | null;
  /** JSON Schema the final answer must follow. */
  outputSchema?: Record<string, unknown> | null;
  parallelToolCalls?: boolean;
};

export type Usage = {
  inputTokens: number;
  cachedInputTokens: number;
  cacheWriteInputTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
  totalTokens: number;
};

export type StopReason =
  { type: 'completed' } | { type: 'aborted' } | { type: 'error'; error: ModelError };

export type ModelErrorKind =
  | 'auth' // 401/403: key missing or wrong
  | 'notFound' // 404: wrong base URL or model
  | 'badRequest' // 400/422: the request itself was refused
  | 'rateLimited' // 429 after all retries
  | 'server' // 5xx after all retries
  | 'connection' // could not connect / reset, after all retries
  | 'streamCut' // the stream ended before its final event, after all retries
  | 'contextWindow' // the input is too long for the model
  | 'protocol'; // the provider sent something we could not understand

export type ModelError = {
  kind: ModelErrorKind;
  /** One line a user can act on: what failed, at which provider, and the fix. */
  message: string;
  status?: number;
};

/** The one stream every provider produces. It never throws; it always ends with `end`. */
export type ModelEvent =
  /** A request is about to be sent (attempt 1, 2, …). */
  | { type: 'request'; attempt: number }
  | { type: 'text-delta'; itemId: string; delta: string }
  | { type: 'reasoning-summary-delta'; itemId: string; summaryIndex: number; delta: string }
  /** A complete output item, in the order the model produced it. */
  | { type: 'item'; item: HistoryItem }
  /** The endpoint has sent nothing for `elapsedMs`; the request is abandoned at `timeoutMs`. */
  | { type: 'waiting'; elapsedMs: number; timeoutMs: number }
  /** A transient failure; the request is retried after `delayMs`. */
  | RetryEvent
  | { type: 'usage'; usage: Usage }
  | { type: 'end'; stop: StopReason };

/**
 * A retry. `attempt` is the attempt about to run (of at most `maxAttempts` for failures before an
 * answer). A stream that broke off after the answer began is a reconnect: `reconnect` counts
 * them (1…max), and `reason` is Codex's "stream disconnected before completion: …" wording.
 */
export type RetryEvent = {
  type: 'retry';
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  reason: string;
  reconnect?: { count: number; max: number };
};

export type WireApi = 'responses' | 'chat' | 'anthropic';

export type ProviderConfig = {
  /** Name used in messages ("openai", "ollama", …). */
  name: string;
  baseUrl: string;
  wireApi: WireApi;
  /** Resolved API key (may be empty for local servers). */
  apiKey?: string;
  /** Environment variable the key came from, for error messages. */
  envKey?: string;
  headers?: Record<string, string>;
  /** The `originator` header (Codex's; see client-identity.ts). */
  originator?: string;
  /** The `user-agent` header. */
  userAgent?: string;
  /** Retries of a request that got no answer: 429/5xx/connection faults (default 4). */
  maxRetries?: number;
  /** Reconnects after a stream that broke off before its final event (default 5, as Codex). */
  streamMaxRetries?: number;
  /** Base of the exponential backoff, in ms. */
  retryBaseMs?: number;
  /** Abort a stream that sends nothing for this long (between events). */
  streamIdleTimeoutMs?: number;
  /** Give up on a response whose body passes this many bytes (default 32 MiB). */
  maxResponseBytes?: number;
  /** Abort a request whose response has not begun after this long (default 60 s). */
  streamFirstByteTimeoutMs?: number;
};

export type StreamFn = (request: ModelRequest, signal: AbortSignal) => AsyncIterable<ModelEvent>;
