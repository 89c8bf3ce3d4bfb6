// The requests one end of a JSON-RPC connection sent and still awaits answers to: the client's
// calls (src/client/client.ts) and the server's questions to its client (src/server/
// connection.ts) keep them in this one table. It numbers the requests, settles each exactly
// once (an answer, a cancel, a timeout, or the connection closing), and forgets it then, so a
// late answer finds nothing and is reported as unknown by the caller.
import type { RequestId } from './jsonrpc.ts';

export type PendingEntry<M extends string> = {
  method: M;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
};

export type OpenOptions = {
  signal?: AbortSignal | undefined;
  timeoutMs?: number | undefined;
  /** The error of a request cancelled through `signal`. */
  cancelled: () => Error;
  /** The error of a request not answered within `timeoutMs`. */
  timedOut?: () => Error;
};

export class PendingRequests<M extends string> {
  private nextId = 0;
  private readonly entries = new Map<number, PendingEntry<M>>();

  get size(): number {
    return this.entries.size;
  }

  /**
   * A new request id and the promise its answer settles. A signal already aborted rejects at
   * once (nothing is to be sent then: `has(id)` is false).
   */
  open<R>(method: M, options: OpenOptions): { id: number; result: Promise<R> } {
    const id = this.nextId++;
    const { signal, timeoutMs } = options;
    const result = new Promise<R>((resolve, reject) => {
      if (signal?.aborted) return reject(options.cancelled());
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.entries.delete(id);
      };
      const onAbort = () => {
        done();
        reject(options.cancelled());
      };
      if (timeoutMs !== undefined && options.timedOut) {
        const timedOut = options.timedOut;
        timer = setTimeout(() => {
          done();
          reject(timedOut());
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.entries.set(id, {
        method,
        resolve: (value) => {
          done();
          resolve(value as R);
        },
        reject: (err) => {
          done();
          reject(err);
        },
      });
    });
    return { id, result };
  }

  /** Whether the request still awaits its answer. */
  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** The request an answer with this id settles; null for an id this end never sent or has
   * settled already. Settling it (resolve or reject) removes it. */
  get(id: RequestId): PendingEntry<M> | null {
    return typeof id === 'number' ? (this.entries.get(id) ?? null) : null;
  }

  /** Rejects every request still waiting (the connection closed). */
  rejectAll(error: (method: M) => Error): void {
    for (const entry of [...this.entries.values()]) entry.reject(error(entry.method));
  }
}
