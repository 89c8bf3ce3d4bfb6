// Errors the task runner raises to its callers. The codes are part of the runtime's error codes
// (src/runtime/errors.ts), so the App Server answers them with JSON-RPC codes and data.code.
export type TaskErrorCode =
  /** No task with that id. */
  | 'task_not_found'
  /** Bad submission: not a git repository, unknown base ref, broken task.toml or blueprint, a
   * check command that does not exist. The message says which and how to fix it. */
  | 'task_invalid'
  /** The task is not in a state that allows it (cancel a finished task, retry a running one). */
  | 'task_conflict';

export class TaskError extends Error {
  constructor(
    readonly code: TaskErrorCode,
    message: string,
  ) {
    super(message);
  }
}
