// Redis connections for the fleet (the BullMQ queue, live events): ioredis retrying forever
// (BullMQ requires maxRetriesPerRequest: null) and errors never thrown at the process. A process
// has several connections (the queue's, the worker's, the bus's, and the ones BullMQ makes of
// them); one RedisWatch watches them all, so an outage is logged ONCE per process when it
// starts and once when every connection is back — naming the server without its password —
// and whoever cares (a front catching up on what it missed) is told when it is over.
import { Redis } from 'ioredis';
import { redactUrl, scrub } from '../store/url.ts';

export type RedisLog = (line: string) => void;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** An error that only says Redis cannot be reached now (ioredis, or BullMQ passing one on). */
export function isConnectionError(err: Error & { code?: string }): boolean {
  if (err.code && CONNECTION_CODES.has(err.code)) return true;
  return /Connection is closed|Stream isn't writeable|Socket closed unexpectedly|connect E[A-Z]+|read E[A-Z]+|write E[A-Z]+|LOADING/i.test(
    err.message,
  );
}

export class RedisWatch {
  private readonly where: string;
  /** Connections that have been ready once and are not now. */
  private readonly down = new Set<Redis>();
  private since: number | null = null;
  private readonly recovered = new Set<(outageMs: number) => void>();

  constructor(
    private readonly url: string,
    private readonly log: RedisLog,
  ) {
    this.where = redactUrl(url);
  }

  /** A new watched connection; `what` names it to Redis (CLIENT LIST). */
  connect(what: string): Redis {
    const redis = new Redis(this.url, {
      maxRetriesPerRequest: null,
      // Reconnect quickly after a restart, never give up.
      retryStrategy: (times) => Math.min(2000, 50 * 2 ** Math.min(times, 6)),
      connectionName: `yoke-${what}`,
    });
    let wasReady = false;
    redis.on('error', (err: Error & { code?: string }) => this.lost(redis, err));
    redis.on('reconnecting', () => wasReady && this.lost(redis, null));
    redis.on('ready', () => {
      wasReady = true;
      this.back(redis);
    });
    // Closed on purpose (shutdown): not an outage.
    redis.on('end', () => this.down.delete(redis));
    return redis;
  }

  /**
   * An error BullMQ passed on (its own copies of our connections are not watched): true when it
   * only says Redis is unreachable — the watched connections tell that outage — else false.
   */
  swallow(err: Error & { code?: string }): boolean {
    return isConnectionError(err);
  }

  /** Calls `fn` after each outage, once every connection is back. */
  onRecovered(fn: (outageMs: number) => void): () => void {
    this.recovered.add(fn);
    return () => this.recovered.delete(fn);
  }

  get unreachableSinceMs(): number | null {
    return this.since;
  }

  private lost(redis: Redis, err: (Error & { code?: string }) | null): void {
    if (redis.status !== 'ready') this.down.add(redis);
    if (this.since !== null) return;
    this.since = Date.now();
    const why = err
      ? scrub(
          err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message,
          this.url,
        )
      : 'the connection was closed';
    this.log(
      `queue: Redis at ${this.where} is unreachable (${why}); reconnecting until it is back ` +
        '(running tasks carry on, new ones wait)',
    );
  }

  private back(redis: Redis): void {
    this.down.delete(redis);
    if (this.since === null || this.down.size > 0) return;
    const outageMs = Date.now() - this.since;
    this.since = null;
    this.log(
      `queue: Redis at ${this.where} is reachable again after ${(outageMs / 1000).toFixed(1)} s`,
    );
    for (const fn of this.recovered) {
      try {
        fn(outageMs);
      } catch (err) {
        this.log(`queue: after the outage: ${(err as Error).message}`);
      }
    }
  }
}

/** Resolves once the connection is ready; rejects with a clear message after `timeoutMs`. */
export function redisReady(redis: Redis, url: string, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let last = '';
    const onError = (err: Error) => (last = scrub(err.message, url));
    const timer = setTimeout(() => {
      redis.off('error', onError);
      redis.off('ready', onReady);
      reject(
        new RedisUnavailable(
          `cannot reach Redis at ${redactUrl(url)}${last ? `: ${last}` : ''} (waited ${timeoutMs / 1000} s)`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      redis.off('error', onError);
      resolve();
    };
    redis.on('error', onError);
    redis.once('ready', onReady);
  });
}

export class RedisUnavailable extends Error {
  readonly code = 'queue_unavailable';
}

/** One watched connection on its own (tests, tools): its outages logged once each way. */
export function connectRedis(url: string, what: string, log: RedisLog): Redis {
  return new RedisWatch(url, log).connect(what);
}
