// Errors the runtime raises to its callers (surfaces and, later, the JSON-RPC router).
import type { TaskErrorCode } from '../tasks/errors.ts';

/**
 * The runtime's own codes, and those it passes through: the task runner's (TaskError) and the
 * store's refusal of a list cursor no earlier page handed out (StoreError 'bad_cursor').
 */
export type RuntimeErrorCode =
  | 'config_invalid'
  | 'model_unconfigured'
  | 'thread_not_found'
  | 'thread_busy'
  | 'turn_not_found'
  | 'input_invalid'
  | 'bad_cursor'
  | TaskErrorCode;

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
