// Backoff policy for transient provider failures (429, 5xx, connection faults, cut streams).
//
// Delay for retry r (1 = the first retry): exp = min(capMs, baseMs * 2^(r-1)), then jitter:
// "full" picks uniformly in [0, exp], "equal" in [exp/2, exp] (the default: it spreads load
// without ever retrying almost at once), "none" uses exp. A server's Retry-After
// (`retry-after-ms`, `retry-after` in seconds or as an HTTP date) replaces the computed delay;
// if it asks for longer than `maxRetryAfterMs` we give up instead of stalling the turn.

export type Jitter = 'full' | 'equal' | 'none';

export type RetryPolicy = {
  /** Retries after the first attempt. */
  maxRetries: number;
  baseMs: number;
  capMs: number;
  jitter: Jitter;
  /** Longest Retry-After we are willing to wait. */
  maxRetryAfterMs: number;
};

export const DEFAULT_MAX_RETRIES = 4;
export const DEFAULT_RETRY_BASE_MS = 500;
export const DEFAULT_RETRY_CAP_MS = 30_000;
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

export function retryPolicy(config: { maxRetries?: number; retryBaseMs?: number }): RetryPolicy {
  return {
    maxRetries: Math.max(0, Math.floor(config.maxRetries ?? DEFAULT_MAX_RETRIES)),
    baseMs: Math.max(0, config.retryBaseMs ?? DEFAULT_RETRY_BASE_MS),
    capMs: DEFAULT_RETRY_CAP_MS,
    jitter: 'equal',
    maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
  };
}

/** The delay before retry number `retry` (1-based); `random` returns a number in [0, 1). */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  switch (policy.jitter) {
    case 'full':
      return Math.round(random() * exp);
    case 'equal':
      return Math.round(exp / 2 + (random() * exp) / 2);
    case 'none':
      return Math.round(exp);
  }
}

type HeaderSource = { get(name: string): string | null } | Record<string, string | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : record[key];
}

/** The delay a response asks for, in ms, or undefined when it names none (or an invalid one). */
export function parseRetryAfter(
  headers: HeaderSource,
  now: number = Date.now(),
): number | undefined {
  const ms = header(headers, 'retry-after-ms')?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const value = header(headers, 'retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** Waits `ms`, or less if the signal aborts. Never rejects: check `signal.aborted` after. */
export const sleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
