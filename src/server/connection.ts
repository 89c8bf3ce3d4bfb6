// One JSON-RPC peer: a client connected over some MessageTransport. It parses what arrives,
// gates everything behind `initialize`, dispatches requests through the router, sends the
// server's own requests (ids from 0, a namespace apart from the client's) and notifications, and
// bounds what it queues for a client that stops reading.
//
// Sending never blocks and never throws: the engine fans events out synchronously to every
// subscribed connection, so a slow or dead client must cost it nothing. When the transport
// reports back-pressure, messages wait in this connection's queue; past the bound the client is
// told it is overloaded (best effort) and the connection is closed, freeing the queue at once.
import type * as z from 'zod';
import {
  decodeMessage,
  encodeError,
  encodeNotification,
  encodeRequest,
  encodeResult,
  RpcErrorCode,
  type IncomingMessage,
  type RequestId,
  type RpcErrorBody,
} from '../protocol/jsonrpc.ts';
import {
  methods,
  type ClientInfo,
  type ClientRequestMethod,
  type InitializeCapabilities,
  type ParamsOf,
  type ResultOf,
  type ServerNotification,
  type ServerRequestMethod,
} from '../protocol/methods.ts';
import { PendingRequests } from '../protocol/pending-requests.ts';
import type { MessageTransport } from '../protocol/transport.ts';
import { ServerError } from './errors.ts';
import type { Handshake } from './initialize.ts';
import { OutboundQueue } from './outbound-queue.ts';
import {
  describeIssues,
  type ConnectionContext,
  type PendingServerRequest,
  type Router,
  type ServerRequestOptions,
} from './router.ts';

export type ConnectionOptions = {
  /** Defaults to `conn-<n>`. */
  id?: string;
  /** Messages waiting for a transport that is not draining; past this the client is dropped. */
  maxQueuedMessages?: number;
  /** The same bound in bytes (UTF-8); see OutboundQueue for messages larger than that. */
  maxQueuedBytes?: number;
  /** Client requests being handled at once; more are refused with -32001 (retry later). */
  maxPendingRequests?: number;
  /** Anomalies worth a line (unknown response ids, client-reported errors). Default: stderr. */
  log?: (line: string) => void;
  /**
   * An in-process client built from the same typed method table (yoke exec): its params are
   * typed at compile time, so they are not validated again — zod's first parse costs ~10 ms
   * of start-up. Never set this for a transport that carries bytes from outside.
   */
  trusted?: boolean;
  /**
   * The client's `initialize`, already answered before this connection existed (the app
   * server's start-up stage answers it while the rest of Yoke loads): the connection starts
   * initialized.
   */
  handshake?: Handshake;
};

export type ConnectionStats = {
  pendingClientRequests: number;
  pendingServerRequests: number;
  queuedMessages: number;
  queuedBytes: number;
};

export const DEFAULT_MAX_QUEUED_MESSAGES = 10_000;
export const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_PENDING_REQUESTS = 1_000;

let connectionCounter = 0;

export class Connection {
  readonly id: string;
  /** What handlers receive; also handy for code that outlives a single request. */
  readonly context: ConnectionContext;

  private initialized = false;
  private clientInfo: ClientInfo | null = null;
  private capabilities: InitializeCapabilities | null = null;
  private optOut = new Set<string>();

  private readonly pending = new PendingRequests<ServerRequestMethod>();
  private pendingClientRequests = 0;

  private readonly queue: OutboundQueue;

  private closing = false;
  private finished = false;
  private closeReason = 'closed';
  private readonly closeHandlers = new Set<(reason: string) => void>();

  private readonly maxQueuedMessages: number;
  private readonly maxQueuedBytes: number;
  private readonly maxPendingRequests: number;
  private readonly log: (line: string) => void;
  private readonly trusted: boolean;

  constructor(
    private readonly transport: MessageTransport,
    private readonly router: Router,
    options: ConnectionOptions = {},
  ) {
    this.id = options.id ?? `conn-${++connectionCounter}`;
    this.maxQueuedMessages = options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES;
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.maxPendingRequests = options.maxPendingRequests ?? DEFAULT_MAX_PENDING_REQUESTS;
    this.trusted = options.trusted ?? false;
    this.log =
      options.log ?? ((line) => process.stderr.write(`yoke server [${this.id}]: ${line}\n`));
    // Getters over closures: clientInfo and capabilities change when initialize arrives.
    const info = () => this.clientInfo;
    const caps = () => this.capabilities;
    this.context = {
      connectionId: this.id,
      get clientInfo() {
        return info();
      },
      get capabilities() {
        return caps();
      },
      notify: (n) => this.notify(n),
      request: (method, params, opts) => this.request(method, params, opts),
      startRequest: (method, params, opts) => this.startRequest(method, params, opts),
      onClose: (fn) => this.onClose(fn),
    };
    if (options.handshake) this.initialize(options.handshake);
    // Everything receive() needs exists before the first message can arrive (the memory
    // transport delivers held messages as soon as a handler is registered).
    this.queue = new OutboundQueue(transport, {
      maxMessages: this.maxQueuedMessages,
      maxBytes: this.maxQueuedBytes,
    });
    transport.onMessage((text) => this.receive(text));
    transport.onDrain(() => {
      if (!this.closed) this.queue.drain();
    });
    transport.onClose((reason) => this.finish(reason));
  }

  get closed(): boolean {
    return this.closing || this.finished;
  }

  stats(): ConnectionStats {
    return {
      pendingClientRequests: this.pendingClientRequests,
      pendingServerRequests: this.pending.size,
      queuedMessages: this.queue.length,
      queuedBytes: this.queue.byteLength,
    };
  }

  /** Sends a notification with `emittedAtMs`, unless the client opted out of its method. */
  notify(notification: ServerNotification): void {
    if (this.closed || this.optOut.has(notification.method)) return;
    let text: string;
    try {
      text = encodeNotification(notification.method, notification.params, Date.now());
    } catch (err) {
      this.log(`could not serialize ${notification.method}: ${String(err)}`);
      return;
    }
    this.write(text);
  }

  request<M extends ServerRequestMethod>(
    method: M,
    params: ParamsOf<M>,
    options?: ServerRequestOptions,
  ): Promise<ResultOf<M>> {
    return this.startRequest(method, params, options).result;
  }

  startRequest<M extends ServerRequestMethod>(
    method: M,
    params: ParamsOf<M>,
    options: ServerRequestOptions = {},
  ): PendingServerRequest<M> {
    const { id, result } = this.pending.open<ResultOf<M>>(method, {
      signal: options.signal,
      cancelled: () => new ServerError('cancelled', `${method} was cancelled`),
    });
    const pending = this.pending.get(id);
    if (pending && this.closed)
      pending.reject(new ServerError('connection_closed', `connection closed before ${method}`));
    else if (pending) {
      try {
        this.write(encodeRequest(id, method, params));
      } catch (err) {
        pending.reject(
          err instanceof Error ? err : new ServerError('connection_closed', String(err)),
        );
      }
    }
    return { id, result };
  }

  onClose(fn: (reason: string) => void): () => void {
    if (this.finished) {
      const reason = this.closeReason;
      queueMicrotask(() => fn(reason));
      return () => {};
    }
    this.closeHandlers.add(fn);
    return () => this.closeHandlers.delete(fn);
  }

  close(reason?: string): void {
    if (this.closed) return;
    this.closing = true;
    this.queue.clear();
    this.transport.close(reason);
    this.finish(reason ?? 'closed by server');
  }

  // ---- incoming -------------------------------------------------------------------------

  private receive(text: string): void {
    if (this.closed) return;
    const message = decodeMessage(text);
    switch (message.kind) {
      case 'invalid':
        this.write(encodeError(message.id, message.error));
        return;
      case 'request':
        this.handleRequest(message.id, message.method, message.params);
        return;
      case 'notification':
        this.handleNotification(message.method);
        return;
      case 'response':
      case 'errorResponse':
        this.settle(message);
        return;
    }
  }

  private handleRequest(id: RequestId, method: string, params: unknown): void {
    const refusal = this.router.resolve(method);
    if (refusal) return this.reply(id, { ok: false, error: refusal });
    const m = method as ClientRequestMethod;
    if (m === 'initialize' && this.initialized) {
      return this.replyError(id, RpcErrorCode.invalidRequest, 'already initialized');
    }
    if (m !== 'initialize' && !this.initialized) {
      return this.replyError(
        id,
        RpcErrorCode.invalidRequest,
        'not initialized: send initialize first',
      );
    }
    if (this.pendingClientRequests >= this.maxPendingRequests) {
      return this.replyError(
        id,
        RpcErrorCode.overloaded,
        `server overloaded: ${this.pendingClientRequests} requests in flight; retry later`,
      );
    }
    const parsed = this.trusted
      ? ({ ok: true, value: params ?? {} } as const)
      : this.router.parseParams(m, params);
    if (!parsed.ok) return this.reply(id, parsed);
    if (m === 'initialize') {
      // Marked at once, not when the handler returns, so a client that pipelines its first
      // requests behind initialize (without waiting for the answer) is served in order.
      const p = parsed.value as ParamsOf<'initialize'>;
      this.initialize({ clientInfo: p.clientInfo, capabilities: p.capabilities ?? null });
    }
    this.pendingClientRequests++;
    const after: (() => void)[] = [];
    const hooks = { afterReply: (fn: () => void) => void after.push(fn) };
    void this.router.call(m, parsed.value, this.context, hooks).then((outcome) => {
      this.pendingClientRequests--;
      if (!outcome.ok && m === 'initialize') this.initialized = false;
      this.reply(id, outcome);
      for (const fn of after) {
        try {
          fn();
        } catch (err) {
          this.log(`an after-reply hook of ${m} failed: ${String(err)}`);
        }
      }
    });
  }

  private initialize(handshake: Handshake): void {
    this.initialized = true;
    this.clientInfo = handshake.clientInfo;
    this.capabilities = handshake.capabilities;
    this.optOut = new Set(handshake.capabilities?.optOutNotificationMethods ?? []);
  }

  private handleNotification(method: string): void {
    // `initialized` only acknowledges the handshake; there is nothing else a client may notify.
    if (method === 'initialized') return;
    this.log(`ignored client notification ${JSON.stringify(method.slice(0, 200))}`);
  }

  /** A client's answer to one of the server's requests. */
  private settle(message: Extract<IncomingMessage, { kind: 'response' | 'errorResponse' }>): void {
    if (message.id === null) {
      const { kind: _k, ...rest } = message;
      this.log(`client reported an error: ${JSON.stringify(rest).slice(0, 500)}`);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) {
      this.log(`ignored a response for unknown request id ${JSON.stringify(message.id)}`);
      return;
    }
    if (message.kind === 'errorResponse') {
      const { code, message: text } = message.error;
      pending.reject(
        new ServerError('client_error', `${pending.method} failed on the client: ${text}`, code),
      );
      return;
    }
    // The answer is untrusted input (it decides whether a command runs): check it.
    const schema = methods[pending.method].result as z.ZodType;
    const parsed = schema.safeParse(message.result);
    if (parsed.success) pending.resolve(parsed.data);
    else {
      const detail = describeIssues(parsed.error.issues);
      pending.reject(
        new ServerError('invalid_response', `invalid response to ${pending.method}: ${detail}`),
      );
    }
  }

  // ---- outgoing -------------------------------------------------------------------------

  private replyError(id: RequestId, code: number, message: string): void {
    this.reply(id, { ok: false, error: { code, message } });
  }

  private reply(
    id: RequestId,
    outcome: { ok: true; value: unknown } | { ok: false; error: RpcErrorBody },
  ): void {
    if (this.closed) return;
    if (!outcome.ok) return this.write(encodeError(id, outcome.error));
    let text: string;
    try {
      text = encodeResult(id, outcome.value);
    } catch (err) {
      this.log(`could not serialize a result: ${String(err)}`);
      text = encodeError(id, {
        code: RpcErrorCode.internalError,
        message: 'internal error: the result could not be serialized',
      });
    }
    this.write(text);
  }

  private write(text: string): void {
    if (this.closed) return;
    if (!this.queue.push(text)) this.overload();
  }

  private overload(): void {
    const reason =
      `overloaded: the client is not reading; more than ${this.maxQueuedMessages} messages ` +
      `or ${this.maxQueuedBytes} bytes were waiting`;
    this.queue.clear();
    // Bypasses the queue on purpose: one small message the transport buffers, then we close.
    this.transport.send(encodeError(null, { code: RpcErrorCode.overloaded, message: reason }));
    this.close(reason);
  }

  private finish(reason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.closeReason = reason;
    this.queue.clear();
    this.pending.rejectAll(
      (method) =>
        new ServerError(
          'connection_closed',
          `connection closed (${reason}) before ${method} was answered`,
        ),
    );
    const handlers = [...this.closeHandlers];
    this.closeHandlers.clear();
    for (const fn of handlers) {
      try {
        fn(reason);
      } catch (err) {
        this.log(`a close handler failed: ${String(err)}`);
      }
    }
  }
}
