// Local client errors: they describe what happened to a request on this side of the wire and
// never go on it. A JSON-RPC error from the server arrives as code 'rpc' with its rpcCode.
export type ClientErrorCode =
  /** No answer within timeoutMs. */
  | 'timeout'
  /** The caller's AbortSignal fired. */
  | 'cancelled'
  /** The server answered with a JSON-RPC error (see rpcCode and data). */
  | 'rpc'
  /** The connection closed before the answer (or the client was already closed). */
  | 'closed'
  /** Could not connect (refused, 401, 403, …). */
  | 'connect_failed'
  /** The server's answer did not match the method's result schema (with `validate`). */
  | 'invalid_response'
  /** The environment cannot do what was asked (e.g. headers on a browser WebSocket). */
  | 'unsupported';

export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly rpcCode?: number,
    readonly data?: unknown,
  ) {
    super(message);
  }
}
