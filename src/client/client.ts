// The typed JSON-RPC client every surface uses. Browser-safe: it imports only src/protocol and
// zod, and talks to whatever MessageTransport it is given (WebSocket, a spawned server's stdio,
// or the in-memory pair when client and server share a process).
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
  isMethodName,
  methods,
  type ClientInfo,
  type ClientNotificationMethod,
  type ClientRequestMethod,
  type InitializeCapabilities,
  type ParamsOf,
  type ResultOf,
  type ServerNotification,
  type ServerNotificationMethod,
  type ServerRequestMethod,
} from '../protocol/methods.ts';
import { PendingRequests } from '../protocol/pending-requests.ts';
import type { MessageTransport } from '../protocol/transport.ts';
import { ClientError } from './client-error.ts';

export type ClientOptions = {
  /** Check results and notifications against the method table (tests, conformance). */
  validate?: boolean;
  /** Anomalies: dropped notifications, failing handlers, unknown response ids. */
  log?: (line: string) => void;
};

export type RequestOptions = { timeoutMs?: number; signal?: AbortSignal };

/** `emittedAtMs` travels beside params; null when the server did not send it. */
export type NotificationMeta = { emittedAtMs: number | null };
export type ServerRequestMeta = { id: RequestId };

type NotificationHandler = (params: unknown, meta: NotificationMeta) => void;
type AnyServerRequestHandler = (params: unknown, meta: ServerRequestMeta) => unknown;

export class YokeClient {
  private readonly pending = new PendingRequests<ClientRequestMethod>();
  private readonly notificationHandlers = new Map<string, Set<NotificationHandler>>();
  private readonly wildcardHandlers = new Set<
    (n: ServerNotification, meta: NotificationMeta) => void
  >();
  private readonly serverRequestHandlers = new Map<string, AnyServerRequestHandler>();
  private readonly serverErrorHandlers = new Set<(error: RpcErrorBody) => void>();
  private readonly closeHandlers = new Set<(reason: string) => void>();
  private isClosed = false;
  private finished = false;
  private readonly validate: boolean;
  private readonly log: (line: string) => void;

  constructor(
    private readonly transport: MessageTransport,
    options: ClientOptions = {},
  ) {
    this.validate = options.validate ?? false;
    this.log = options.log ?? ((line) => console.warn(`yoke client: ${line}`));
    transport.onMessage((text) => this.receive(text));
    transport.onClose((reason) => this.finish(reason));
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Requests awaiting an answer (for diagnostics and tests). */
  get pendingCount(): number {
    return this.pending.size;
  }

  request<M extends ClientRequestMethod>(
    method: M,
    params: ParamsOf<M>,
    options: RequestOptions = {},
  ): Promise<ResultOf<M>> {
    // A late answer after a timeout or an abort finds no pending entry and is dropped.
    const { id, result } = this.pending.open<ResultOf<M>>(method, {
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      cancelled: () => new ClientError('cancelled', `${method} was cancelled`),
      timedOut: () =>
        new ClientError('timeout', `${method} timed out after ${options.timeoutMs} ms`),
    });
    if (this.isClosed)
      this.pending.get(id)?.reject(new ClientError('closed', `${method}: client is closed`));
    else if (this.pending.has(id)) this.send(id, () => encodeRequest(id, method, params));
    return result;
  }

  notify<M extends ClientNotificationMethod>(method: M, params?: ParamsOf<M>): void {
    if (this.isClosed) return;
    this.transport.send(encodeNotification(method, params));
  }

  /** `initialize` then `initialized`, as every session starts. */
  async initialize(
    clientInfo: ClientInfo,
    capabilities?: InitializeCapabilities,
    options?: RequestOptions,
  ): Promise<ResultOf<'initialize'>> {
    const result = await this.request('initialize', { clientInfo, capabilities }, options);
    this.notify('initialized');
    return result;
  }

  onNotification<M extends ServerNotificationMethod>(
    method: M,
    handler: (params: ParamsOf<M>, meta: NotificationMeta) => void,
  ): () => void;
  /** Every notification, including methods this table does not know (a newer server's). */
  onNotification(
    method: '*',
    handler: (notification: ServerNotification, meta: NotificationMeta) => void,
  ): () => void;
  onNotification(method: string, handler: (arg: never, meta: NotificationMeta) => void) {
    if (method === '*') {
      const h = handler as (n: ServerNotification, meta: NotificationMeta) => void;
      this.wildcardHandlers.add(h);
      return () => void this.wildcardHandlers.delete(h);
    }
    const h = handler as NotificationHandler;
    let set = this.notificationHandlers.get(method);
    if (!set) this.notificationHandlers.set(method, (set = new Set()));
    set.add(h);
    return () => void set.delete(h);
  }

  /** Answers the server's requests of one method (one handler per method; the last one wins). */
  onServerRequest<M extends ServerRequestMethod>(
    method: M,
    handler: (params: ParamsOf<M>, meta: ServerRequestMeta) => Promise<ResultOf<M>> | ResultOf<M>,
  ): () => void {
    const h = handler as AnyServerRequestHandler;
    this.serverRequestHandlers.set(method, h);
    return () => {
      if (this.serverRequestHandlers.get(method) === h) this.serverRequestHandlers.delete(method);
    };
  }

  /** Errors the server could not tie to a request (`{id: null, error}`), e.g. overload. */
  onServerError(handler: (error: RpcErrorBody) => void): () => void {
    this.serverErrorHandlers.add(handler);
    return () => void this.serverErrorHandlers.delete(handler);
  }

  onClose(handler: (reason: string) => void): () => void {
    if (this.isClosed) {
      queueMicrotask(() => handler('closed'));
      return () => {};
    }
    this.closeHandlers.add(handler);
    return () => void this.closeHandlers.delete(handler);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.transport.close();
    this.finish('closed by client');
  }

  // ---- incoming -------------------------------------------------------------------------

  private receive(text: string): void {
    if (this.isClosed) return;
    const message = decodeMessage(text);
    switch (message.kind) {
      case 'response':
      case 'errorResponse':
        return this.settle(message);
      case 'notification':
        return this.dispatchNotification(message.method, message.params, message.emittedAtMs);
      case 'request':
        void this.answer(message.id, message.method, message.params);
        return;
      case 'invalid':
        this.log(`ignored a malformed message from the server: ${message.error.message}`);
        return;
    }
  }

  private settle(message: Extract<IncomingMessage, { kind: 'response' | 'errorResponse' }>): void {
    if (message.id === null) {
      if (message.kind === 'errorResponse') {
        for (const h of this.serverErrorHandlers) this.guard(() => h(message.error));
        if (this.serverErrorHandlers.size === 0) this.log(`server error: ${message.error.message}`);
      }
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return this.log(`ignored an answer for unknown id ${JSON.stringify(message.id)}`);
    if (message.kind === 'errorResponse') {
      const { code, message: text, data } = message.error;
      pending.reject(new ClientError('rpc', text, code, data));
      return;
    }
    if (this.validate) {
      const schema = methods[pending.method].result as z.ZodType;
      const parsed = schema.safeParse(message.result);
      if (!parsed.success) {
        const detail = parsed.error.issues
          .slice(0, 5)
          .map((i) => `${i.path.join('.') || '(result)'}: ${i.message}`)
          .join('; ');
        pending.reject(
          new ClientError('invalid_response', `invalid result for ${pending.method}: ${detail}`),
        );
        return;
      }
    }
    pending.resolve(message.result);
  }

  private dispatchNotification(method: string, params: unknown, emittedAtMs: number | null): void {
    if (this.validate && isMethodName(method)) {
      const parsed = methods[method].params.safeParse(params);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return this.log(`dropped invalid ${method}: ${issue?.path.join('.')}: ${issue?.message}`);
      }
    }
    const meta: NotificationMeta = { emittedAtMs };
    for (const h of this.notificationHandlers.get(method) ?? []) this.guard(() => h(params, meta));
    const n = { method, params } as ServerNotification;
    for (const h of this.wildcardHandlers) this.guard(() => h(n, meta));
  }

  /** Answers one server→client request; a missing handler or a failure is a JSON-RPC error. */
  private async answer(id: RequestId, method: string, params: unknown): Promise<void> {
    const handler = this.serverRequestHandlers.get(method);
    if (!handler || !isMethodName(method) || methods[method].direction !== 'serverRequest') {
      return this.reply(
        encodeError(id, {
          code: RpcErrorCode.methodNotFound,
          message: `this client does not handle ${method}`,
        }),
      );
    }
    const parsed = methods[method].params.safeParse(params);
    if (!parsed.success) {
      return this.reply(
        encodeError(id, {
          code: RpcErrorCode.invalidParams,
          message: `invalid params for ${method}: ${parsed.error.issues[0]?.message ?? ''}`,
        }),
      );
    }
    try {
      const result = await handler(parsed.data, { id });
      this.reply(encodeResult(id, result));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.reply(encodeError(id, { code: RpcErrorCode.internalError, message }));
    }
  }

  /** Sends a request; one that cannot be encoded or sent fails alone. */
  private send(id: number, encode: () => string): void {
    try {
      this.transport.send(encode());
    } catch (err) {
      this.pending
        .get(id)
        ?.reject(err instanceof Error ? err : new ClientError('closed', String(err)));
    }
  }

  private reply(text: string): void {
    if (!this.isClosed) this.transport.send(text);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log(`a handler failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private finish(reason: string): void {
    if (this.finished) return;
    this.finished = true;
    this.isClosed = true;
    this.pending.rejectAll(
      (method) =>
        new ClientError('closed', `connection closed (${reason}) before ${method} answered`),
    );
    const handlers = [...this.closeHandlers];
    this.closeHandlers.clear();
    for (const h of handlers) this.guard(() => h(reason));
  }
}
