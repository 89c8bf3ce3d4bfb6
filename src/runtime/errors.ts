// Errors the runtime raises to its callers (surfaces and, later, the JSON-RPC router).
export type RuntimeErrorCode =
  'config_invalid' | 'thread_not_found' | 'thread_busy' | 'turn_not_found' | 'input_invalid';

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
