// One run of a task: its workspace (new, warm, or — on a fleet worker taking a task over —
// restored from the checkpoint of its last node), the blueprint walked from where the state
// says, and the end: succeeded, failed, cancelled, or stopped to resume later.
import type { TaskStatus } from '../protocol/methods-task.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import type { AgentPort } from './agent-port.ts';
import { runCommand } from './commands.ts';
import { commandSandbox } from './task-config.ts';
import { executeBlueprint, stopKind, TaskStop } from './executor.ts';
import { MirrorWorkspaces } from './mirror-workspaces.ts';
import { closeWorkspace, prepareWorkspace, type LifecycleDeps } from './task-lifecycle.ts';
import { TERMINAL, type LogInput, type TaskRecord } from './task-model.ts';
import type { WarmPool } from './warm-pool.ts';
import type { Workspaces } from './workspaces.ts';
import type { ToolShed } from '../mcp/toolsets.ts';

export type RunDeps = {
  workspaces: Workspaces;
  pool: WarmPool;
  agent: AgentPort;
  runner: ProcessRunner;
  toolShed: ToolShed;
  log: (line: string) => void;
  /** A fleet worker took this task over from another (its state names that one's worktree). */
  takeOver: boolean;
  /** A fleet worker's name, for the log. */
  workerId: string | null;
  save: () => void;
  append: (entry: LogInput) => void;
  setStatus: (status: TaskStatus, message: string | null) => void;
};

export async function runTask(
  task: TaskRecord,
  controller: AbortController,
  deps: RunDeps,
): Promise<void> {
  const { spec, state } = task;
  const { signal } = controller;
  const life: LifecycleDeps = {
    workspaces: deps.workspaces,
    pool: deps.pool,
    save: deps.save,
    log: deps.log,
  };
  state.startedAtMs ??= Date.now();
  const budgetMs = spec.config.timeBudgetS * 1000 - (Date.now() - state.startedAtMs);
  const timer = setTimeout(() => controller.abort(new TaskStop('time')), Math.max(0, budgetMs));
  const mirrored = deps.workspaces instanceof MirrorWorkspaces ? deps.workspaces : null;
  let restored = false;
  try {
    if (deps.takeOver) state.worktree = null;
    if (!state.worktree) {
      const on = deps.workerId ? ` on ${deps.workerId}` : '';
      deps.setStatus(
        'preparing',
        deps.takeOver ? `taken over${on} (its worker stopped)` : on ? `started${on}` : null,
      );
      if (mirrored && deps.takeOver && state.nodes.length > 0) {
        await restoreWorkspace(task, mirrored, deps, signal);
        restored = true;
      } else await prepareWorkspace(task, life);
    }
    if (signal.aborted) return await stopped(task, life, deps, signal);
    deps.setStatus('running', state.warm && state.nodes.length === 0 ? 'warm workspace' : null);
    const outcome = await executeBlueprint({
      id: task.id,
      spec,
      state,
      agent: deps.agent,
      runner: deps.runner,
      toolShed: deps.toolShed,
      signal,
      restored,
      hooks: {
        save: deps.save,
        log: deps.append,
        setWaiting: (waiting) => {
          const status = waiting ? 'waiting_approval' : 'running';
          if (task.status !== status && !TERMINAL.has(task.status)) deps.setStatus(status, null);
        },
        ...(mirrored
          ? {
              checkpoint: async () => {
                state.checkpoint = await mirrored.checkpoint(
                  spec.repo,
                  state.worktree!,
                  task.id,
                  state.checkpoint,
                );
              },
            }
          : {}),
      },
    });
    if (outcome.kind === 'stopped') return await stopped(task, life, deps, signal);
    if (outcome.kind === 'done') {
      await closeWorkspace(task, 'succeeded', life);
      state.completedAtMs = Date.now();
      deps.setStatus('succeeded', null);
      return;
    }
    await fail(task, life, deps, outcome.message, outcome.node);
  } catch (err) {
    if (signal.aborted) return await stopped(task, life, deps, signal);
    await fail(task, life, deps, (err as Error).message, state.currentNode);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The worktree of a task taken over: the last checkpoint's files over its HEAD, then the
 * setup commands again (what they made is not in a checkpoint: ignored files).
 */
async function restoreWorkspace(
  task: TaskRecord,
  workspaces: MirrorWorkspaces,
  deps: RunDeps,
  signal: AbortSignal,
): Promise<void> {
  const { spec, state } = task;
  state.worktree = workspaces.dirFor(task.id);
  state.warm = false;
  deps.save();
  await workspaces.restore(spec.repo, state.worktree, state.checkpoint, spec.baseCommit);
  const from = state.checkpoint ? `checkpoint ${state.checkpoint.slice(0, 12)}` : 'its base';
  deps.append({ type: 'output', node: null, text: `worktree restored from ${from}\n` });
  const setupRan = state.nodes.some((n) => n.type === 'setup' && n.status === 'succeeded');
  if (!setupRan) return;
  for (const command of spec.config.setup) {
    deps.append({ type: 'output', node: 'setup', text: `$ ${command}\n` });
    const run = await runCommand(command, {
      cwd: state.worktree,
      runner: deps.runner,
      sandbox: commandSandbox(spec.config, 'setup'),
      signal,
      timeoutMs: spec.config.commandTimeoutS * 1000,
      onOutput: (text) => deps.append({ type: 'output', node: 'setup', text }),
    });
    if (!run.ok) throw new Error(`setup again after the takeover: ${command}: ${run.reason}`);
  }
}

async function stopped(
  task: TaskRecord,
  life: LifecycleDeps,
  deps: RunDeps,
  signal: AbortSignal,
): Promise<void> {
  const kind = stopKind(signal);
  if (kind === 'shutdown') return deps.save();
  if (kind === 'lost') {
    // Another worker has the task now: leave everything to it, only tidy up here.
    if (task.state.worktree) await life.workspaces.remove(task.spec.repo, task.state.worktree);
    return;
  }
  if (kind === 'time') {
    const message = `over its time budget of ${task.spec.config.timeBudgetS} s`;
    return fail(task, life, deps, message, task.state.currentNode);
  }
  await closeWorkspace(task, 'cancelled', life);
  task.state.completedAtMs = Date.now();
  deps.setStatus('cancelled', 'cancelled');
}

async function fail(
  task: TaskRecord,
  life: LifecycleDeps,
  deps: RunDeps,
  message: string,
  node: string | null,
): Promise<void> {
  let why = message;
  try {
    await closeWorkspace(task, 'failed', life);
  } catch (err) {
    why = `${message}; and ${(err as Error).message}`;
  }
  task.state.error = { message: why, node };
  task.state.currentNode = null;
  task.state.completedAtMs = Date.now();
  deps.setStatus('failed', why);
}
