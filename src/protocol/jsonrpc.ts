// The JSON-RPC envelope as Codex's App Server speaks it: JSON-RPC 2.0 without the "jsonrpc"
// field (accepted and ignored when a peer sends it). Shared by the server connection and the
// client, so both sides classify messages the same way.
//
// Error codes on the wire (docs/protocol.md lists them):
//   -32700 parse error         the message is not JSON (id null; the connection keeps working)
//   -32600 invalid request     not a request/notification/response shape; a binary frame; a
//                              request before `initialize` or a second `initialize`; and every
//                              runtime refusal (unknown thread, busy thread, …) — Codex answers
//                              those with -32600 too — with `data.code` naming it
//   -32601 method not found    unknown method, or a method this server does not implement
//   -32602 invalid params      params fail the method's schema (the message names the field)
//   -32603 internal error      anything unexpected (no stack on the wire)
//   -32001 overloaded          too many requests in flight, or the client stopped reading
export type RequestId = string | number;

export const RpcErrorCode = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  overloaded: -32001,
} as const;

export type RpcErrorBody = { code: number; message: string; data?: unknown };

export type IncomingMessage =
  | { kind: 'request'; id: RequestId; method: string; params: unknown }
  | { kind: 'notification'; method: string; params: unknown; emittedAtMs: number | null }
  | { kind: 'response'; id: RequestId; result: unknown }
  | { kind: 'errorResponse'; id: RequestId | null; error: RpcErrorBody }
  /** Parsed, but not a message we can act on; `id` is the request's id when it had a valid one. */
  | { kind: 'invalid'; id: RequestId | null; error: RpcErrorBody };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Ids are strings or safe integers; null, floats, 1e400 (Infinity) and objects are refused. */
export const isRequestId = (v: unknown): v is RequestId =>
  typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v));

const invalid = (id: RequestId | null, message: string): IncomingMessage => ({
  kind: 'invalid',
  id,
  error: { code: RpcErrorCode.invalidRequest, message },
});

/** Classifies one message (one line or one text frame). Never throws. */
export function decodeMessage(text: string): IncomingMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return {
      kind: 'invalid',
      id: null,
      error: { code: RpcErrorCode.parseError, message: `parse error: ${detail}` },
    };
  }
  if (Array.isArray(value)) return invalid(null, 'invalid request: batches are not supported');
  if (!isRecord(value)) return invalid(null, 'invalid request: a message must be a JSON object');
  const hasId = Object.hasOwn(value, 'id');
  const id = hasId && isRequestId(value.id) ? value.id : null;
  const badId = invalid(null, 'invalid request: "id" must be a string or an integer');
  // `id: null` is legal only on an error the peer could not tie to a request.
  if (hasId && id === null && !(value.id === null && Object.hasOwn(value, 'error'))) return badId;
  if (Object.hasOwn(value, 'method')) {
    if (hasId && id === null) return badId;
    if (typeof value.method !== 'string' || value.method === '') {
      return invalid(id, 'invalid request: "method" must be a non-empty string');
    }
    if (id !== null) return { kind: 'request', id, method: value.method, params: value.params };
    const emittedAtMs = typeof value.emittedAtMs === 'number' ? value.emittedAtMs : null;
    return { kind: 'notification', method: value.method, params: value.params, emittedAtMs };
  }
  const hasResult = Object.hasOwn(value, 'result');
  const hasError = Object.hasOwn(value, 'error');
  if (hasResult && !hasError && id !== null) return { kind: 'response', id, result: value.result };
  if (hasError && !hasResult) {
    const e = value.error;
    const error: RpcErrorBody =
      isRecord(e) && typeof e.code === 'number' && typeof e.message === 'string'
        ? { code: e.code, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) }
        : { code: RpcErrorCode.internalError, message: 'malformed error object' };
    // `{id: null, error}` is how a peer reports an error it cannot tie to a request.
    if (id !== null || value.id === null) return { kind: 'errorResponse', id, error };
  }
  return invalid(id, 'invalid request: expected a request, a notification or a response');
}

export const encodeRequest = (id: RequestId, method: string, params: unknown): string =>
  JSON.stringify(params === undefined ? { id, method } : { id, method, params });

/** A notification; the server adds `emittedAtMs` beside params (Codex's envelope). */
export const encodeNotification = (method: string, params: unknown, emittedAtMs?: number): string =>
  JSON.stringify(emittedAtMs === undefined ? { method, params } : { method, params, emittedAtMs });

export const encodeResult = (id: RequestId, result: unknown): string =>
  JSON.stringify({ id, result });

export const encodeError = (id: RequestId | null, error: RpcErrorBody): string =>
  JSON.stringify({ id, error });
