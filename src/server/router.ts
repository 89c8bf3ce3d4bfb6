// The router: the method table plus a partial map of handlers. It knows which methods exist,
// which this server implements, validates params with the table's schemas and turns whatever
// a handler throws into a JSON-RPC error. It knows nothing of transports or connections.
import type * as z from 'zod';
import { codexUnsupported } from '../protocol/codex-unsupported.ts';
import { RpcErrorCode, type RpcErrorBody } from '../protocol/jsonrpc.ts';
import {
  isMethodName,
  methods,
  type ClientInfo,
  type ClientRequestMethod,
  type InitializeCapabilities,
  type ParamsOf,
  type ResultOf,
  type ServerNotification,
  type ServerRequestMethod,
} from '../protocol/methods.ts';
import { toRpcError } from './errors.ts';

export type ServerRequestOptions = { signal?: AbortSignal };

/** A server→client request in flight: its wire id (for serverRequest/resolved) and its answer. */
export type PendingServerRequest<M extends ServerRequestMethod> = {
  id: number;
  result: Promise<ResultOf<M>>;
};

/** What a handler may do with the connection that sent the request. */
export type ConnectionContext = {
  readonly connectionId: string;
  /** From `initialize` (set before its handler runs, so handlers always see it). */
  readonly clientInfo: ClientInfo | null;
  readonly capabilities: InitializeCapabilities | null;
  /** Never blocks: queued, dropped if the client opted out, or the connection is closed. */
  notify(notification: ServerNotification): void;
  request<M extends ServerRequestMethod>(
    method: M,
    params: ParamsOf<M>,
    options?: ServerRequestOptions,
  ): Promise<ResultOf<M>>;
  /** Like request, but also tells the id the request got on this connection. */
  startRequest<M extends ServerRequestMethod>(
    method: M,
    params: ParamsOf<M>,
    options?: ServerRequestOptions,
  ): PendingServerRequest<M>;
  /** Runs once when the connection closes; returns an unsubscribe. */
  onClose(fn: (reason: string) => void): () => void;
};

/**
 * What a handler may do about its own reply: run something right after it is written, so that
 * what the request started (a thread's or a turn's notifications) follows it on the wire by
 * construction. Hooks run even when the reply could not be written (the connection closed).
 */
export type ReplyHooks = { afterReply(fn: () => void): void };

export type Handler<M extends ClientRequestMethod> = (
  params: ParamsOf<M>,
  ctx: ConnectionContext,
  reply: ReplyHooks,
) => Promise<ResultOf<M>> | ResultOf<M>;

export type Handlers = { [M in ClientRequestMethod]?: Handler<M> };

export type Outcome = { ok: true; value: unknown } | { ok: false; error: RpcErrorBody };

export type Router = {
  /** null when the method can be dispatched; otherwise the -32601 to answer. */
  resolve(method: string): RpcErrorBody | null;
  /** Validates params against the method's schema (absent params count as `{}`). */
  parseParams(method: ClientRequestMethod, params: unknown): Outcome;
  /** Runs the handler on already validated params. Never rejects. */
  call(
    method: ClientRequestMethod,
    params: unknown,
    ctx: ConnectionContext,
    reply?: ReplyHooks,
  ): Promise<Outcome>;
};

/** For a caller that writes no reply of its own: the hooks run at once. */
const IMMEDIATE: ReplyHooks = { afterReply: (fn) => queueMicrotask(fn) };

const MAX_ISSUES = 5;
const MAX_MESSAGE = 2000;

/** `input.0.type: Invalid input…; model: …` — the field path first, so clients can point at it. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.map(String).join('.') || '(params)';
    return `${path}: ${issue.message}`;
  });
  if (issues.length > MAX_ISSUES) shown.push(`…and ${issues.length - MAX_ISSUES} more`);
  const text = shown.join('; ');
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

export function createRouter(handlers: Handlers): Router {
  const handlerFor = (method: ClientRequestMethod) =>
    (Object.hasOwn(handlers, method) ? handlers[method] : undefined) as
      ((params: unknown, ctx: ConnectionContext, reply: ReplyHooks) => unknown) | undefined;

  const resolve = (method: string): RpcErrorBody | null => {
    if (!isMethodName(method) || methods[method].direction !== 'clientRequest') {
      const reason = codexUnsupported.get(method);
      if (reason)
        return {
          code: RpcErrorCode.methodNotFound,
          message: `not supported by Yoke: ${method} (${reason})`,
        };
      return { code: RpcErrorCode.methodNotFound, message: `method not found: ${method}` };
    }
    if (!handlerFor(method as ClientRequestMethod)) {
      return {
        code: RpcErrorCode.methodNotFound,
        message: `method not implemented by this server: ${method}`,
      };
    }
    return null;
  };

  return {
    resolve,

    parseParams(method, params) {
      const parsed = methods[method].params.safeParse(params === undefined ? {} : params);
      if (parsed.success) return { ok: true, value: parsed.data };
      return {
        ok: false,
        error: {
          code: RpcErrorCode.invalidParams,
          message: `invalid params for ${method}: ${describeIssues(parsed.error.issues)}`,
        },
      };
    },

    async call(method, params, ctx, reply = IMMEDIATE) {
      const handler = handlerFor(method);
      if (!handler)
        return { ok: false, error: resolve(method) ?? toRpcError(new Error('no handler')) };
      try {
        const value = await handler(params, ctx, reply);
        // Every result in the table is an object; a handler that returns nothing means `{}`.
        return { ok: true, value: value === undefined ? {} : value };
      } catch (err) {
        return { ok: false, error: toRpcError(err) };
      }
    },
  };
}
