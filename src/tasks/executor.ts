// Walks a task's blueprint: runs the current node, records its start, output and end, and
// follows the success or failure edge, until `done` or `failed`. The state it mutates is saved
// through `hooks.save` after every step, so a daemon that dies mid-node resumes at that node.
import type { TaskNodeRun } from '../protocol/methods-task.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import type { AgentPort } from './agent-port.ts';
import { END_DONE, END_FAILED, type BlueprintNode } from './blueprint.ts';
import { runNode, type NodeOutcome } from './nodes.ts';
import type { LogInput, TaskSpec, TaskState } from './task-model.ts';
import type { ToolShed } from '../mcp/toolsets.ts';

export type ExecHooks = {
  /** Persists the state and tells listeners. */
  save(): void;
  log(entry: LogInput): void;
  /** An agent turn is waiting for an approval (true) or not any more. */
  setWaiting(waiting: boolean): void;
  /** After a node, before its end is saved: a fleet worker records the worktree here, so the
   * worker that takes the task over finds it as the saved state says. */
  checkpoint?(): Promise<void>;
};

export type ExecEnv = {
  id: string;
  spec: TaskSpec;
  state: TaskState;
  agent: AgentPort;
  /** Runs deterministic commands (setup, run, checks) in their sandbox: see runner.ts. */
  runner: ProcessRunner;
  toolShed: ToolShed;
  signal: AbortSignal;
  hooks: ExecHooks;
  /** The worktree was restored on this worker from another worker's checkpoint. */
  restored?: boolean;
};

export type ExecOutcome =
  | { kind: 'done' }
  | { kind: 'failed'; message: string; node: string | null }
  /** Stopped by the signal; its reason says why (cancel, time budget, shutdown). */
  | { kind: 'stopped' };

/**
 * Why a task's signal fired. A `shutdown` leaves the task resumable at its current node; `lost`:
 * another worker has taken it over (this one writes nothing more).
 */
export class TaskStop extends Error {
  readonly code = 'task_stopped';
  constructor(readonly kind: 'cancel' | 'time' | 'shutdown' | 'lost') {
    super(`task stopped: ${kind}`);
  }
}

export const stopKind = (signal: AbortSignal): TaskStop['kind'] | null =>
  signal.reason instanceof TaskStop ? signal.reason.kind : signal.aborted ? 'cancel' : null;

/** Far more steps than any bounded blueprint takes; a last guard against a bad graph. */
const MAX_STEPS = 200;

export async function executeBlueprint(env: ExecEnv): Promise<ExecOutcome> {
  const { spec, state, hooks } = env;
  const { blueprint } = spec;
  // Resumed after the blueprint ended (a restart while closing): the end stands.
  if (state.finished) return state.finished;
  let nodeId = state.currentNode ?? blueprint.start;
  // A node still marked running was cut short by a daemon restart: run that visit again.
  const interrupted = state.nodes.at(-1)?.status === 'running' ? state.nodes.at(-1)! : null;
  let resumed: TaskNodeRun | null = null;
  if (interrupted) {
    interrupted.status = 'cancelled';
    interrupted.completedAtMs = Date.now();
    interrupted.summary = 'the daemon stopped during this node; running it again';
    resumed = interrupted;
    nodeId = interrupted.node;
  }
  let lastFailure: { node: string; summary: string } | null = null;

  for (let step = 0; step < MAX_STEPS; step++) {
    if (nodeId === END_DONE) return finish(env, { kind: 'done' });
    if (nodeId === END_FAILED) return finish(env, { kind: 'failed', ...failedEnd(lastFailure) });
    const node = blueprint.nodes[nodeId]!;
    let visit: number;
    if (resumed) visit = resumed.visit;
    else {
      visit = (state.visits[nodeId] ?? 0) + 1;
      const max = node.maxVisits === 'maxFixRounds' ? spec.config.maxFixRounds : node.maxVisits;
      if (max !== undefined && visit > max) {
        const next = node.onExhausted ?? END_FAILED;
        if (next === END_FAILED) {
          return finish(env, {
            kind: 'failed',
            message: exhausted(env, nodeId, node, max),
            node: nodeId,
          });
        }
        nodeId = next;
        continue;
      }
      state.visits[nodeId] = visit;
    }
    const run: TaskNodeRun = {
      node: nodeId,
      type: node.type,
      visit,
      status: 'running',
      startedAtMs: Date.now(),
      completedAtMs: null,
      threadId: null,
      summary: null,
    };
    state.currentNode = nodeId;
    state.nodes.push(run);
    hooks.log({ type: 'nodeStarted', node: nodeId, nodeType: node.type, visit });
    hooks.save();

    let outcome: NodeOutcome;
    try {
      outcome = await runNode(env, nodeId, node, run, resumed);
    } catch (err) {
      outcome = { ok: false, summary: `internal error: ${(err as Error).message}` };
    }
    resumed = null;
    run.completedAtMs = Date.now();
    if (env.signal.aborted) {
      // A daemon shutting down leaves the node marked running: the next start runs it again.
      if (stopKind(env.signal) !== 'shutdown') {
        run.status = 'cancelled';
        run.summary = 'stopped';
        hooks.log({ type: 'nodeCompleted', node: nodeId, status: 'cancelled', summary: 'stopped' });
      }
      hooks.save();
      return { kind: 'stopped' };
    }
    run.status = outcome.skipped ? 'skipped' : outcome.ok ? 'succeeded' : 'failed';
    run.summary = outcome.summary;
    hooks.log({ type: 'nodeCompleted', node: nodeId, status: run.status, summary: run.summary });
    if (!outcome.ok) lastFailure = { node: nodeId, summary: outcome.summary };
    nodeId = outcome.ok ? (node.next ?? END_DONE) : (node.onFailure ?? END_FAILED);
    state.currentNode = nodeId === END_DONE || nodeId === END_FAILED ? null : nodeId;
    if (nodeId === END_DONE) state.finished = { kind: 'done' };
    else if (nodeId === END_FAILED) state.finished = { kind: 'failed', ...failedEnd(lastFailure) };
    await hooks.checkpoint?.();
    hooks.save();
  }
  return finish(env, {
    kind: 'failed',
    message: `stopped after ${MAX_STEPS} steps (the blueprint loops)`,
    node: null,
  });
}

function finish(
  env: ExecEnv,
  outcome: Exclude<ExecOutcome, { kind: 'stopped' }>,
): Exclude<ExecOutcome, { kind: 'stopped' }> {
  env.state.currentNode = null;
  env.state.finished = outcome;
  return outcome;
}

function failedEnd(last: { node: string; summary: string } | null): {
  message: string;
  node: string | null;
} {
  return last
    ? { message: `${last.node} failed: ${last.summary}`, node: last.node }
    : { message: 'the blueprint ended in failed', node: null };
}

function exhausted(env: ExecEnv, id: string, node: BlueprintNode, max: number): string {
  if (node.maxVisits !== 'maxFixRounds') return `node "${id}" reached its limit of ${max} visits`;
  const failing = env.state.checkResults
    .filter((r) => !r.passed)
    .map((r) => `${r.command} (exit ${r.exitCode ?? 'none'})`);
  const rounds = `${max} fix round${max === 1 ? '' : 's'}`;
  return failing.length
    ? `gave up after ${rounds}: the checks still fail: ${failing.join(', ')}`
    : `gave up after ${rounds}`;
}
