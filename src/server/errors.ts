// Errors of the server layer, and how any error a handler throws becomes a JSON-RPC error.
//
// Mapping (see also src/protocol/jsonrpc.ts):
//   RpcError (thrown by a handler on purpose)      → its own rpcCode, message and data
//   RuntimeError codes (src/runtime/errors.ts)     → RUNTIME_ERROR_RPC_CODES below, the message,
//                                                   and data: {code} so clients can branch on it
//   anything else                                  → -32603 "internal error: <message>", no stack
import { RpcErrorCode, type RpcErrorBody } from '../protocol/jsonrpc.ts';
import type { RuntimeErrorCode } from '../runtime/errors.ts';

/**
 * Runtime refusals. Codex answers "thread not found" and its kin with -32600 (invalid request),
 * so clients written for Codex see the same code; input the runtime rejects after the schema
 * accepted it is invalid params. A `Record` so a new runtime code fails typecheck until mapped.
 */
export const RUNTIME_ERROR_RPC_CODES: Record<RuntimeErrorCode, number> = {
  thread_not_found: RpcErrorCode.invalidRequest,
  turn_not_found: RpcErrorCode.invalidRequest,
  thread_busy: RpcErrorCode.invalidRequest,
  config_invalid: RpcErrorCode.invalidRequest,
  model_unconfigured: RpcErrorCode.invalidRequest,
  input_invalid: RpcErrorCode.invalidParams,
  bad_cursor: RpcErrorCode.invalidParams,
  // Tasks (src/tasks/errors.ts): the same split — unknown or wrong-state is an invalid
  // request, a submission that cannot run (not a repo, bad ref, broken config) bad params.
  task_not_found: RpcErrorCode.invalidRequest,
  task_conflict: RpcErrorCode.invalidRequest,
  task_invalid: RpcErrorCode.invalidParams,
};

/** Thrown by a handler to answer with a specific JSON-RPC error. */
export class RpcError extends Error {
  readonly code = 'rpc_error';
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export type ServerErrorCode =
  /** The connection closed while a server→client request was pending. */
  | 'connection_closed'
  /** The server gave up on its own request (its AbortSignal fired). */
  | 'cancelled'
  /** The client answered a server→client request with a JSON-RPC error (see rpcCode). */
  | 'client_error'
  /** The client's answer did not match the method's result schema. */
  | 'invalid_response'
  /** A listener refused to start (e.g. a non-loopback bind without an auth token). */
  | 'listen_refused';

export class ServerError extends Error {
  constructor(
    readonly code: ServerErrorCode,
    message: string,
    readonly rpcCode?: number,
  ) {
    super(message);
  }
}

const hasStringCode = (err: unknown): err is Error & { code: string } =>
  err instanceof Error && typeof (err as { code?: unknown }).code === 'string';

export function toRpcError(err: unknown): RpcErrorBody {
  if (err instanceof RpcError) {
    return err.data === undefined
      ? { code: err.rpcCode, message: err.message }
      : { code: err.rpcCode, message: err.message, data: err.data };
  }
  if (hasStringCode(err) && Object.hasOwn(RUNTIME_ERROR_RPC_CODES, err.code)) {
    const rpcCode = RUNTIME_ERROR_RPC_CODES[err.code as RuntimeErrorCode];
    return { code: rpcCode, message: err.message, data: { code: err.code } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: RpcErrorCode.internalError, message: `internal error: ${message}` };
}
