// The shared transport: POST a JSON body, read the SSE answer, retry transient failures.
//
// Retry rule (the simplest correct one): nothing is buffered — deltas and items reach the
// consumer as soon as they are parsed — so an attempt may be retried only while it has emitted
// nothing. Two budgets, as Codex keeps them: a request that got no answer (429 / 5xx /
// connection fault / no first byte) is retried up to maxRetries times (request_max_retries,
// default 4); a stream that began and then broke off before its final event (cut, idle, closed
// early, an `error` event such as rate_limit_exceeded) is reconnected up to streamMaxRetries
// times (stream_max_retries, default 5), each `retry` event then carrying `reconnect` (n of
// max). The `retry` event is emitted BEFORE the sleep. Once an attempt has emitted output, a cut
// ends the stream with kind 'streamCut' rather than replaying text the consumer has already
// shown. `request` events carry the attempt number about to run, counting both kinds.
//
// The first-byte timer (streamFirstByteTimeoutMs, default 60 s) runs from sending the request
// until the response's headers arrive; halfway (at most 10 s in) a `waiting` event says that
// the endpoint has not answered yet. The idle timer (streamIdleTimeoutMs) then runs between
// body chunks; it is paused while the consumer holds an event. Aborting the signal, or
// stopping the iteration early, aborts the request, which closes the connection.

import {
  connectionFailure,
  cutFailure,
  firstByteFailure,
  httpFailure,
  invalidUrlFailure,
  oneLine,
  toModelError,
  tooLargeFailure,
  type CallContext,
  type Failure,
} from './errors.ts';
import {
  backoffDelay,
  parseRetryAfter,
  retryPolicy,
  sleep as realSleep,
  type Sleep,
} from './retry.ts';
import { httpPost, type BodyReader, type HttpPost, type HttpResponse } from './node-http.ts';
import { SseParser, type SseEvent } from './sse.ts';
import type { ModelError, ModelEvent, ProviderConfig } from './types.ts';

export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
/** Far above any real answer (a 128k-token answer streams a few MB): a bound, not a budget. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
export const DEFAULT_FIRST_BYTE_TIMEOUT_MS = 60_000;
/** Codex's stream_max_retries default. */
export const DEFAULT_STREAM_MAX_RETRIES = 5;
/** The `waiting` notice comes this long into the wait (at most), or halfway. */
const WAITING_NOTICE_MS = 10_000;

/** Injectable effects, for tests. */
export type TransportDeps = {
  post?: HttpPost;
  sleep?: Sleep;
  /** In [0, 1); drives the backoff jitter. */
  random?: () => number;
  now?: () => number;
};

/** Turns one attempt's SSE events into model events. */
export type WireParser = {
  /** Handles one event; returns the events to emit now. */
  push(event: SseEvent): ModelEvent[];
  /** True once the final event (response.completed, [DONE]) was seen. */
  readonly done: boolean;
  /** Set when the stream itself reported a failure (response.failed, an error chunk). */
  readonly failure: Failure | null;
  /** Called once after `done`: the events still to emit (chat items, usage). It may set
   * `failure` (e.g. a truncated answer), which then ends the stream after these events. */
  finish(): ModelEvent[];
  /** At end of stream without the final event: may the response count as complete? */
  acceptEof?(): boolean;
};

export type WireCall = {
  config: ProviderConfig;
  model: string;
  /** Appended to baseUrl: "responses", "chat/completions". */
  path: string;
  /** Builds the JSON body (called once, inside the never-throwing stream). */
  body: () => string;
  /** Name of the final event, for messages. */
  finalEvent: string;
  createParser: (ctx: CallContext) => WireParser;
};

type AttemptResult =
  | { type: 'completed' }
  | { type: 'aborted' }
  /** `stream`: the answer had begun (200 and an event stream) when it failed. */
  | { type: 'failed'; failure: Failure; emitted: boolean; phase: 'request' | 'stream' };

export function joinUrl(baseUrl: string, path: string): string | null {
  try {
    const url = new URL(`${baseUrl.replace(/\/+$/, '')}/${path}`);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function requestHeaders(config: ProviderConfig): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'text/event-stream',
  };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  if (config.originator) headers.originator = config.originator;
  if (config.userAgent) headers['user-agent'] = config.userAgent;
  return { ...headers, ...config.headers };
}

/** Runs a call with retries. Never throws; always ends with exactly one `end` event. */
export async function* streamWithRetries(
  call: WireCall,
  signal: AbortSignal,
  deps: TransportDeps = {},
): AsyncGenerator<ModelEvent, void, undefined> {
  const { config } = call;
  try {
    const url = joinUrl(config.baseUrl, call.path);
    if (url === null) {
      yield end(toModelError(config.name, invalidUrlFailure(config.baseUrl), 1));
      return;
    }
    const ctx: CallContext = {
      provider: config.name,
      url,
      baseUrl: config.baseUrl,
      model: call.model,
      apiKeySet: Boolean(config.apiKey),
    };
    if (config.envKey) ctx.envKey = config.envKey;
    const body = call.body();
    const policy = retryPolicy(config);
    const streamMax = Math.max(
      0,
      Math.floor(config.streamMaxRetries ?? DEFAULT_STREAM_MAX_RETRIES),
    );
    const sleep = deps.sleep ?? realSleep;
    let requestRetries = 0;
    let reconnects = 0;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) {
        yield { type: 'end', stop: { type: 'aborted' } };
        return;
      }
      yield { type: 'request', attempt };
      const result = yield* runAttempt(call, ctx, body, signal, deps);
      if (result.type === 'completed' || result.type === 'aborted') {
        yield { type: 'end', stop: { type: result.type } };
        return;
      }
      const { failure, emitted } = result;
      if (emitted && failure.kind === 'streamCut') {
        yield end(toModelError(config.name, afterOutput(failure), attempt));
        return;
      }
      const reconnect = result.phase === 'stream';
      const budget = reconnect ? streamMax : policy.maxRetries;
      if (!failure.retryable || emitted || (reconnect ? reconnects : requestRetries) >= budget) {
        yield end(toModelError(config.name, failure, attempt));
        return;
      }
      if (failure.retryAfterMs !== undefined && failure.retryAfterMs > policy.maxRetryAfterMs) {
        const wait = Math.ceil(failure.retryAfterMs / 1000);
        const fix = `the provider asked to wait ${wait} s before retrying; try again later`;
        yield end(toModelError(config.name, { ...failure, fix }, attempt));
        return;
      }
      const retry = reconnect ? ++reconnects : ++requestRetries;
      const delayMs =
        failure.retryAfterMs ?? backoffDelay(policy, retry, deps.random ?? Math.random);
      yield {
        type: 'retry',
        attempt: retry + 1,
        maxAttempts: budget + 1,
        delayMs,
        reason: failure.reason,
        ...(reconnect ? { reconnect: { count: reconnects, max: streamMax } } : {}),
      };
      await sleep(delayMs, signal);
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    yield end({
      kind: 'protocol',
      message: oneLine(
        `${config.name}: unexpected failure in the ${config.wireApi} adapter: ${message}`,
      ),
    });
  }
}

function end(error: ModelError): ModelEvent {
  return { type: 'end', stop: { type: 'error', error } };
}

function afterOutput(failure: Failure): Failure {
  return {
    ...failure,
    retryable: false,
    fix: 'output had already been streamed, so it was not retried; try again',
  };
}

async function* runAttempt(
  call: WireCall,
  ctx: CallContext,
  body: string,
  signal: AbortSignal,
  deps: TransportDeps,
): AsyncGenerator<ModelEvent, AttemptResult, undefined> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const idleMs = call.config.streamIdleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
  const firstByteMs = call.config.streamFirstByteTimeoutMs ?? DEFAULT_FIRST_BYTE_TIMEOUT_MS;
  let expired: 'idle' | 'firstByte' | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (kind: 'idle' | 'firstByte' = 'idle'): void => {
    clearTimeout(timer);
    timer = setTimeout(
      () => {
        expired = kind;
        controller.abort();
      },
      kind === 'idle' ? idleMs : firstByteMs,
    );
  };
  const interrupted = (err: unknown, phase: 'request' | 'stream'): AttemptResult => {
    if (signal.aborted) return { type: 'aborted' };
    if (expired === 'firstByte')
      return {
        type: 'failed',
        failure: firstByteFailure(ctx, firstByteMs),
        emitted: false,
        phase: 'request',
      };
    const cause = expired === 'idle' ? `no data for ${idleMs} ms` : errorText(err);
    const failure =
      phase === 'request' && !expired
        ? connectionFailure(ctx, err)
        : cutFailure(ctx, cause, call.finalEvent);
    return {
      type: 'failed',
      failure,
      emitted: false,
      phase: failure.kind === 'streamCut' ? 'stream' : 'request',
    };
  };
  const post = deps.post ?? httpPost;
  let reader: BodyReader | undefined;
  // How the body ended: at EOF, at the final event (the rest is drained so the connection
  // can be reused), or neither (cancelled: the connection is closed).
  let ended: 'eof' | 'final' | null = null;
  try {
    arm('firstByte');
    let response: HttpResponse;
    try {
      const posted = post(ctx.url, {
        method: 'POST',
        headers: requestHeaders(call.config),
        body,
        signal: controller.signal,
      });
      // Nothing yet after a while: say so (the consumer shows it), then keep waiting.
      const noticeMs = Math.min(WAITING_NOTICE_MS, Math.floor(firstByteMs / 2));
      let notice: ReturnType<typeof setTimeout> | undefined;
      const waited = new Promise<'waiting'>((resolve) => {
        notice = setTimeout(() => resolve('waiting'), noticeMs);
      });
      posted.catch(() => undefined);
      const first = await Promise.race([posted, waited]).finally(() => clearTimeout(notice));
      if (first === 'waiting')
        yield { type: 'waiting', elapsedMs: noticeMs, timeoutMs: firstByteMs };
      response = await posted;
    } catch (err) {
      return interrupted(err, 'request');
    }
    arm('idle');
    if (!response.ok) {
      let text = '';
      try {
        text = await response.text();
      } catch (err) {
        if (signal.aborted) return { type: 'aborted' };
        text = errorText(err);
      }
      const retryAfter = parseRetryAfter(response.headers, (deps.now ?? Date.now)());
      const failure = httpFailure(ctx, response.status, response.statusText, text, retryAfter);
      return { type: 'failed', failure, emitted: false, phase: 'request' };
    }
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.includes('application/json') || response.body === null) {
      const failure: Failure = {
        kind: 'protocol',
        what: `expected an event stream from ${ctx.url} but got ${contentType || 'no body'}`,
        fix: 'use a server that supports streaming (stream: true) or check baseUrl',
        reason: 'not an event stream',
        retryable: false,
      };
      return { type: 'failed', failure, emitted: false, phase: 'request' };
    }
    reader = response.body.getReader();
    const parser = call.createParser(ctx);
    const sse = new SseParser();
    const decoder = new TextDecoder();
    const maxBytes = call.config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    let received = 0;
    let emitted = false;
    let eof = false;
    while (!eof) {
      let events: SseEvent[];
      try {
        const chunk = await reader.read();
        clearTimeout(timer);
        if (!chunk.done && (received += chunk.value.length) > maxBytes) {
          return {
            type: 'failed',
            failure: tooLargeFailure(ctx, maxBytes),
            emitted,
            phase: 'stream',
          };
        }
        if (chunk.done) {
          eof = true;
          ended = 'eof';
          events = [...sse.push(decoder.decode()), ...sse.end()];
        } else {
          events = sse.push(decoder.decode(chunk.value, { stream: true }));
        }
      } catch (err) {
        const result = interrupted(err, 'stream');
        return result.type === 'failed' ? { ...result, emitted } : result;
      }
      for (const event of events) {
        for (const out of parser.push(event)) {
          emitted = true;
          yield out;
        }
        if (parser.failure)
          return { type: 'failed', failure: parser.failure, emitted, phase: 'stream' };
        if (parser.done) {
          ended ??= 'final';
          return yield* finish(parser, emitted);
        }
      }
      if (signal.aborted) return { type: 'aborted' };
      arm();
    }
    if (parser.acceptEof?.()) return yield* finish(parser, emitted);
    const failure = cutFailure(ctx, `stream closed before ${call.finalEvent}`, call.finalEvent);
    return { type: 'failed', failure, emitted, phase: 'stream' };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    if (ended === 'final' && reader) drain(reader, controller);
    else if (ended === null) {
      reader?.cancel().catch(() => undefined);
      controller.abort();
    }
  }
}

/** Reads what is left after the final event (usually nothing but the end of the body), so
 * the keep-alive connection is reused; gives up and closes it after a second. */
function drain(reader: BodyReader, controller: AbortController): void {
  const timer = setTimeout(() => controller.abort(), 1000);
  timer.unref();
  void (async () => {
    try {
      while (!(await reader.read()).done) {
        // discard
      }
    } catch {
      // the connection went away; nothing to reuse
    } finally {
      clearTimeout(timer);
    }
  })();
}

async function* finish(
  parser: WireParser,
  emittedBefore: boolean,
): AsyncGenerator<ModelEvent, AttemptResult, undefined> {
  let emitted = emittedBefore;
  for (const out of parser.finish()) {
    emitted = true;
    yield out;
  }
  if (parser.failure) return { type: 'failed', failure: parser.failure, emitted, phase: 'stream' };
  return { type: 'completed' };
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  const inner = cause instanceof Error ? `: ${cause.message}` : '';
  return oneLine(`${err.message}${inner}`, 160);
}
