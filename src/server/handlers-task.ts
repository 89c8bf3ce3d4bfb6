// Handlers of the task/* methods: thin translations to the task runner. Its TaskErrors carry
// runtime error codes, so the router answers them with the mapped JSON-RPC codes.
import { RuntimeError } from '../runtime/errors.ts';
import type { TaskRunner } from '../runtime/task-service.ts';
import type { Handlers } from './router.ts';

export function taskHandlers(tasks: TaskRunner): Handlers {
  return {
    'task/submit': async (params) => ({
      task: await tasks.submit({
        prompt: params.prompt,
        repo: params.repo,
        baseRef: params.baseRef ?? null,
        checks: params.checks ?? null,
        blueprint: params.blueprint ?? null,
        model: params.model ?? null,
      }),
    }),
    'task/blueprint/list': (params) => tasks.blueprints(params.repo),
    'task/list': (params) => {
      if (params.cursor && !/^\d+$/.test(params.cursor))
        throw new RuntimeError('input_invalid', `not a task/list cursor: ${params.cursor}`);
      return tasks.list({
        ...(params.statuses ? { statuses: params.statuses } : {}),
        ...(params.repo ? { repo: params.repo } : {}),
        ...(params.cursor ? { cursor: params.cursor } : {}),
        ...(params.limit ? { limit: params.limit } : {}),
      });
    },
    'task/read': async (params) => ({ task: await tasks.read(params.taskId) }),
    'task/log/read': (params) =>
      tasks.readLog(params.taskId, params.cursor ?? null, params.limit || undefined),
    'task/cancel': async (params) => ({ task: await tasks.cancel(params.taskId) }),
    'task/retry': async (params) => ({ task: await tasks.retry(params.taskId) }),
  };
}
