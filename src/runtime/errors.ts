// Errors the runtime raises to its callers (surfaces and, later, the JSON-RPC router).
import type { TaskErrorCode } from '../tasks/errors.ts';

/** The runtime's own codes, and the task runner's (TaskError), which it passes through. */
export type RuntimeErrorCode =
  | 'config_invalid'
  | 'thread_not_found'
  | 'thread_busy'
  | 'turn_not_found'
  | 'input_invalid'
  | TaskErrorCode;

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
  }
}
