// Composition of background tasks: the task runner (src/tasks) on this runtime's store, with
// the thread manager as its agent. The App Server and `yoke serve` reach tasks through here
// (they may not import src/tasks themselves).
import { createDefaultRunner } from '../sandbox/default-runner.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import { TaskRunner, type TaskRunnerOptions } from '../tasks/runner.ts';
import type { TaskUpdate } from '../tasks/task-updates.ts';
import type { SubmitInput } from '../tasks/submission.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { threadAgentPort, type SharedThreadHooks } from './task-agent.ts';
import { createTaskCommandRunner } from './task-commands.ts';
import type { ThreadManager } from './thread-manager.ts';

export type { TaskRunner, TaskUpdate, SubmitInput };

export type TaskServiceOptions = {
  /** Tasks running at once (default: the number of cores). */
  concurrency?: number;
  /** Tasks running at once on one repository (default: concurrency). */
  perRepo?: number;
  /** Prepared worktrees kept per repository (default 0). */
  warm?: number;
  /** What runs setup, `run` and check commands (default: the sandbox of task-commands.ts,
   * on the thread manager's base runner). */
  runner?: ProcessRunner;
  log?: (line: string) => void;
  /** A fleet's shared store and queue and this process's role in it (runtime/fleet.ts);
   * absent: one machine, this process's SQLite store and the in-process queue. */
  fleet?: Pick<TaskRunnerOptions, 'store' | 'durable' | 'fleet' | 'queue'>;
  /** A fleet worker's threads, in the shared store (runtime/fleet-threads.ts). */
  threads?: SharedThreadHooks;
};

export function createTaskService(
  manager: ThreadManager,
  options: TaskServiceOptions = {},
): TaskRunner {
  return new TaskRunner({
    home: manager.config.home,
    store: options.fleet?.store ?? new SqliteStore(manager.store.db, manager.store.db.name).tasks,
    agent: threadAgentPort(manager, options.threads),
    toolShed: manager.toolShed,
    runner:
      options.runner ??
      createTaskCommandRunner(manager.config, manager.sandboxReadRules, createDefaultRunner()),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.perRepo ? { perRepo: options.perRepo } : {}),
    ...(options.warm !== undefined ? { warm: options.warm } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...options.fleet,
  });
}
