// A fleet worker's claim of a task it was handed, kept through a store outage. A claim that
// fails because the store cannot be reached (`store_unavailable`) is tried again with backoff
// until it gets through; the job stays with the worker meanwhile (BullMQ renews its lock while
// the processor runs), so the task is neither failed nor left `queued`. The wait is logged once
// when it starts and once when it ends, never per attempt. Any other error is thrown as is.

/** Between attempts: 250 ms, doubling, at most 2 s. */
export const CLAIM_RETRY_DELAYS_MS = { first: 250, max: 2000 };

export type ClaimWaitOptions = {
  taskId: string;
  /** Aborted when the worker shuts down: the wait ends with 'stopped'. */
  signal: AbortSignal;
  log: (line: string) => void;
  delays?: { first: number; max: number };
};

/** `claim()`'s answer once the store takes it, or 'stopped' when `signal` ends the wait. */
export async function claimThroughOutage<T>(
  claim: () => Promise<T>,
  options: ClaimWaitOptions,
): Promise<T | 'stopped'> {
  const { taskId, signal, log } = options;
  const delays = options.delays ?? CLAIM_RETRY_DELAYS_MS;
  let waitingSince: number | null = null;
  for (let delay = delays.first; ; delay = Math.min(delays.max, delay * 2)) {
    if (signal.aborted) {
      if (waitingSince !== null)
        log(
          `task ${taskId} still waited for the store when this worker stopped; it is not claimed`,
        );
      return 'stopped';
    }
    try {
      const claimed = await claim();
      if (waitingSince !== null)
        log(
          `task ${taskId} got through to the store after ${seconds(waitingSince)} s ` +
            'and is claimed',
        );
      return claimed;
    } catch (err) {
      if (!unavailable(err)) throw err;
      if (waitingSince === null) {
        waitingSince = Date.now();
        log(
          `task ${taskId} waits for the store: ${(err as Error).message}; ` +
            'its claim is retried until the store is back (the task stays with this worker)',
        );
      }
    }
    await pause(delay, signal);
  }
}

/** The store's code for "cannot be reached now" (store/db.ts, StoreError). */
const unavailable = (err: unknown) =>
  (err as { code?: unknown } | null)?.code === 'store_unavailable';

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
