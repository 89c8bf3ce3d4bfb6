// Redis connections for the fleet (the BullMQ queue, live events): ioredis retrying forever
// (BullMQ requires maxRetriesPerRequest: null), errors never thrown at the process, and an
// outage logged once when it starts and once when it ends — naming the server without its
// password.
import { Redis } from 'ioredis';
import { redactUrl, scrub } from '../store/url.ts';

export type RedisLog = (line: string) => void;

export function connectRedis(url: string, what: string, log: RedisLog): Redis {
  const where = redactUrl(url);
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    // Reconnect quickly after a restart, never give up.
    retryStrategy: (times) => Math.min(2000, 50 * 2 ** Math.min(times, 6)),
    connectionName: `yoke-${what}`,
  });
  let downSince: number | null = null;
  let wasReady = false;
  redis.on('error', (err: Error & { code?: string }) => {
    if (downSince !== null) return;
    downSince = Date.now();
    const why = scrub(
      err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message,
      url,
    );
    log(`queue: Redis at ${where} is unreachable for the ${what} (${why}); reconnecting`);
  });
  redis.on('ready', () => {
    if (downSince !== null && wasReady) {
      const seconds = ((Date.now() - downSince) / 1000).toFixed(1);
      log(`queue: Redis at ${where} is reachable again for the ${what} after ${seconds} s`);
    }
    downSince = null;
    wasReady = true;
  });
  return redis;
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
