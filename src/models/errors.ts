// Failure classification and the one-line messages users see.
//
// A `Failure` is what one attempt ended with; `toModelError` turns the last one into the
// stop reason's ModelError: "<provider>: <what>[ after N attempts][: <provider's words>] — <fix>".
// A stream that broke off leads with Codex's words instead, for tools that look for them:
// "stream disconnected before completion: <cause> (<provider>: <url>[, after N attempts]) — <fix>".

import type { ModelError, ModelErrorKind } from './types.ts';

export type Failure = {
  kind: ModelErrorKind;
  status?: number;
  /** What happened, naming the URL: "401 Unauthorized from http://…/v1/responses". */
  what: string;
  /** The provider's own explanation, if it gave one. */
  detail?: string;
  /** What the user can do about it. */
  fix: string;
  /** Short form for retry events: "429 Too Many Requests", "ECONNRESET". */
  reason: string;
  /** The URL, for failures whose `what` does not name it (stream cuts). */
  where?: string;
  retryable: boolean;
  retryAfterMs?: number;
};

/** What error messages need to know about the call. */
export type CallContext = {
  provider: string;
  url: string;
  baseUrl: string;
  model: string;
  envKey?: string;
  apiKeySet: boolean;
};

export function toModelError(provider: string, failure: Failure, attempts: number): ModelError {
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  const detail = failure.detail ? `: ${failure.detail}` : '';
  const message =
    failure.where === undefined
      ? oneLine(`${provider}: ${failure.what}${tries}${detail} — ${failure.fix}`)
      : oneLine(
          `${failure.what}${detail} (${provider}: ${failure.where}${tries && `,${tries}`}) — ${failure.fix}`,
        );
  const error: ModelError = { kind: failure.kind, message };
  if (failure.status !== undefined) error.status = failure.status;
  return error;
}

export function oneLine(text: string, max = 600): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The message and code a provider put in an error body (OpenAI, Ollama, vLLM, llama.cpp…). */
export function providerErrorInfo(body: string): { message?: string; code?: string } {
  const text = body.trim();
  if (text === '') return {};
  try {
    const json: unknown = JSON.parse(text);
    const found = errorFields(json);
    if (found.message !== undefined || found.code !== undefined) return found;
  } catch {
    // not JSON: fall through to the raw text
  }
  return { message: oneLine(text, 300) };
}

/** Reads `{error:{message,code,type}}`, `{error:"…"}`, `{message}`, `{detail}` shapes. */
export function errorFields(json: unknown): { message?: string; code?: string } {
  if (!isRecord(json)) return {};
  const inner = json.error;
  if (typeof inner === 'string') return { message: oneLine(inner, 300) };
  const source = isRecord(inner) ? inner : json;
  const out: { message?: string; code?: string } = {};
  const message = source.message ?? source.detail;
  if (typeof message === 'string' && message !== '') out.message = oneLine(message, 300);
  const code = typeof source.code === 'string' ? source.code : source.type;
  if (typeof code === 'string' && code !== '' && code !== 'error') out.code = code;
  return out;
}

const CONTEXT_PATTERN =
  /context[ _-]?(length|window)|maximum context|too many tokens|prompt is too long|input is too long|exceeds the (model'?s )?(maximum|max)/i;

export function isContextWindowError(
  code: string | undefined,
  message: string | undefined,
): boolean {
  if (code === 'context_length_exceeded' || code === 'string_above_max_length') return true;
  return message !== undefined && CONTEXT_PATTERN.test(message);
}

export function contextWindowFix(model: string): string {
  return `the conversation is too long for ${model}; compact it or start a new thread`;
}

/** Classifies a non-2xx HTTP response. */
export function httpFailure(
  ctx: CallContext,
  status: number,
  statusText: string,
  body: string,
  retryAfterMs: number | undefined,
): Failure {
  const { message, code } = providerErrorInfo(body);
  const reason = `${status}${statusText ? ` ${statusText}` : ''}`;
  const base = { status, what: `${reason} from ${ctx.url}`, reason, retryable: false };
  const withDetail = message === undefined ? base : { ...base, detail: message };
  if (status === 401 || status === 403) return { ...withDetail, kind: 'auth', fix: authFix(ctx) };
  if (status === 404) {
    return {
      ...withDetail,
      kind: 'notFound',
      fix: `check baseUrl (${ctx.baseUrl}) and the model name (${ctx.model})`,
    };
  }
  if (status === 413 || isContextWindowError(code, message)) {
    return { ...withDetail, kind: 'contextWindow', fix: contextWindowFix(ctx.model) };
  }
  if (status === 429) {
    if (code === 'insufficient_quota') {
      return {
        ...withDetail,
        kind: 'rateLimited',
        fix: 'the account is out of quota; check its plan and billing',
      };
    }
    const failure: Failure = {
      ...withDetail,
      kind: 'rateLimited',
      fix: 'wait and try again, or lower the request rate',
      retryable: true,
    };
    if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
    return failure;
  }
  if (status >= 500 || status === 408 || status === 425) {
    const failure: Failure = {
      ...withDetail,
      kind: 'server',
      fix: 'the provider is having trouble; try again later',
      retryable: true,
    };
    if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
    return failure;
  }
  return {
    ...withDetail,
    kind: 'badRequest',
    fix: `the provider refused the request; check the model (${ctx.model}) and the options it supports`,
  };
}

function authFix(ctx: CallContext): string {
  if (!ctx.envKey) return "check the provider's apiKey / envKey setting";
  if (!ctx.apiKeySet) return `no API key was sent; set ${ctx.envKey} (envKey)`;
  return `check the API key in ${ctx.envKey} (envKey)`;
}

/**
 * A fetch that failed before any response: refused, reset, DNS, TLS… A name that does not
 * resolve, or a refused connection to this machine (nothing listens there), will not change
 * within seconds: those fail at once instead of being retried.
 */
export function connectionFailure(ctx: CallContext, err: unknown): Failure {
  const code = errorCode(err);
  const unresolved = code === 'ENOTFOUND';
  const refusedHere = code === 'ECONNREFUSED' && isLoopback(ctx.url);
  const fix = unresolved
    ? `the host name in baseUrl (${ctx.baseUrl}) does not resolve; check it (and the network)`
    : refusedHere
      ? `nothing is listening at ${ctx.baseUrl} on this machine; start the model server or fix baseUrl`
      : `check that the server is running and that baseUrl (${ctx.baseUrl}) is right`;
  return {
    kind: 'connection',
    what: `connection to ${ctx.url} failed (${code})`,
    fix,
    reason: code,
    retryable: !unresolved && !refusedHere,
  };
}

function isLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** The endpoint took the request and sent nothing back in time (not even headers). */
export function firstByteFailure(ctx: CallContext, ms: number): Failure {
  return {
    kind: 'connection',
    what: `${ctx.url} accepted the request but sent nothing for ${ms / 1000} s`,
    fix: 'check the model server (is it overloaded or stuck?); stream_first_byte_timeout_ms sets how long to wait',
    reason: `no response within ${ms / 1000} s (first-byte timeout)`,
    retryable: true,
  };
}

/**
 * The response stream stopped before its final event (dropped, reset, or idle too long), in
 * Codex's words: "stream disconnected before completion: stream closed before response.completed".
 */
export function cutFailure(ctx: CallContext, cause: string, finalEvent: string): Failure {
  const what = `${STREAM_DISCONNECTED}: ${cause}`;
  return {
    kind: 'streamCut',
    what,
    where: ctx.url,
    fix: `the connection dropped before ${finalEvent}; try again, and check any proxy between Yoke and the provider`,
    reason: what,
    retryable: true,
  };
}

export const STREAM_DISCONNECTED = 'stream disconnected before completion';

export function tooLargeFailure(ctx: CallContext, limit: number): Failure {
  const mib = (limit / (1024 * 1024)).toFixed(limit % (1024 * 1024) === 0 ? 0 : 1);
  return {
    kind: 'protocol',
    what: `the response from ${ctx.url} passed ${mib} MiB and was cut off`,
    fix: 'a model answer is far smaller than that; if this one is expected, raise max_response_bytes for this provider',
    reason: 'response too large',
    retryable: false,
  };
}

export function invalidUrlFailure(baseUrl: string): Failure {
  return {
    kind: 'connection',
    what: `invalid baseUrl "${baseUrl}"`,
    fix: 'set baseUrl to a full http(s) URL such as http://localhost:11434/v1',
    reason: 'invalid URL',
    retryable: false,
  };
}

/** The most specific code in an error and its `cause` chain, e.g. ECONNREFUSED. */
export function errorCode(err: unknown): string {
  let fallback = 'fetch failed';
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (isRecord(e)) {
      if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) return e.code;
      if (typeof e.message === 'string' && e.message !== '') fallback = e.message;
      e = e.cause;
    } else break;
  }
  return oneLine(fallback, 120);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
