// A task as the runner stores it — the submission (`spec`, never changed) and the progress
// (`state`, rewritten as it moves) — and its wire shape. The spec snapshots the config and the
// blueprint at submission, so a task resumed after a restart follows the plan it started with.
import type {
  Task,
  TaskCheckResult,
  TaskLogEntry,
  TaskNodeRun,
  TaskResult,
  TaskStatus,
} from '../protocol/methods-task.ts';
import type { TaskLogRow, TaskRow } from '../store/task-store.ts';
import { END_DONE, END_FAILED, type Blueprint } from './blueprint.ts';
import type { TaskConfig } from './task-config.ts';

export type TaskSpec = {
  prompt: string;
  repo: string;
  baseRef: string;
  baseCommit: string;
  branch: string;
  blueprint: Blueprint;
  /** task.toml's checks, then the submitted ones. */
  checks: string[];
  config: TaskConfig;
  /** The model of its agent steps (null or absent, as in older tasks: the configured one). */
  model?: string | null;
  /** As submitted, for task/retry. */
  submitted: { checks: string[]; blueprint: string | null; baseRef: string | null };
  retryOf: string | null;
};

export type TaskState = {
  worktree: string | null;
  /** The workspace came from the warm pool with setup done. */
  warm: boolean;
  /** The node running, or next to run (null before the first). */
  currentNode: string | null;
  /** How often each node has started. */
  visits: Record<string, number>;
  nodes: TaskNodeRun[];
  checkResults: TaskCheckResult[];
  tokensUsed: number;
  threadIds: string[];
  /** The last agent node's thread (a `continue` node takes a new turn on it). */
  lastThreadId: string | null;
  vars: { checkOutput: string; summary: string | null; prDescription: string | null };
  result: TaskResult | null;
  error: { message: string; node: string | null } | null;
  startedAtMs: number | null;
  completedAtMs: number | null;
  /** Where the blueprint ended (kept, so a task resumed after that point does not run again). */
  finished: { kind: 'done' } | { kind: 'failed'; message: string; node: string | null } | null;
  /** A fleet worker's last checkpoint of the worktree (mirror-workspaces.ts). */
  checkpoint: string | null;
};

export const TERMINAL: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'cancelled']);
/** Statuses of a task that holds a workspace and was stopped mid-way by a daemon restart. */
export const IN_FLIGHT: readonly TaskStatus[] = ['preparing', 'running', 'waiting_approval'];

export function initialState(): TaskState {
  return {
    worktree: null,
    warm: false,
    currentNode: null,
    visits: {},
    nodes: [],
    checkResults: [],
    tokensUsed: 0,
    threadIds: [],
    lastThreadId: null,
    vars: { checkOutput: '', summary: null, prDescription: null },
    result: null,
    error: null,
    startedAtMs: null,
    completedAtMs: null,
    finished: null,
    checkpoint: null,
  };
}

/** A task loaded from the store. */
export type TaskRecord = {
  id: string;
  seq: number;
  status: TaskStatus;
  createdAt: number;
  updatedAt: number;
  spec: TaskSpec;
  state: TaskState;
};

export function fromRow(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    seq: row.seq,
    status: row.status as TaskStatus,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    spec: row.spec as TaskSpec,
    state: { ...initialState(), ...(row.state as Partial<TaskState>) },
  };
}

export function toWire(task: TaskRecord): Task {
  const { spec, state } = task;
  const fixNodes = Object.entries(spec.blueprint.nodes).filter(
    ([, n]) => n.maxVisits === 'maxFixRounds',
  );
  const used = fixNodes.reduce((sum, [id]) => sum + (state.visits[id] ?? 0), 0);
  return {
    id: task.id,
    status: task.status,
    prompt: spec.prompt,
    repo: spec.repo,
    baseRef: spec.baseRef,
    baseCommit: spec.baseCommit,
    branch: spec.branch,
    blueprint: spec.blueprint.name,
    blueprintNodes: blueprintOrder(spec.blueprint),
    model: spec.model ?? null,
    checks: spec.checks,
    worktree: state.worktree,
    currentNode: state.currentNode,
    nodes: state.nodes,
    checkResults: state.checkResults,
    fixRounds: { used, max: fixNodes.length ? spec.config.maxFixRounds : 0 },
    tokensUsed: state.tokensUsed,
    threadIds: state.threadIds,
    result: state.result,
    error: state.error,
    retryOf: spec.retryOf,
    createdAtMs: task.createdAt,
    updatedAtMs: task.updatedAt,
    startedAtMs: state.startedAtMs,
    completedAtMs: state.completedAtMs,
  };
}

/** A log entry without its position and time (the store adds them). */
export type LogInput =
  | { type: 'status'; node: string | null; status: TaskStatus; message: string | null }
  | {
      type: 'nodeStarted';
      node: string;
      nodeType: TaskNodeRun['type'];
      visit: number;
    }
  | { type: 'nodeCompleted'; node: string; status: TaskNodeRun['status']; summary: string | null }
  | { type: 'output'; node: string | null; text: string };

export function logEntry(row: TaskLogRow): TaskLogEntry {
  return { ...(row.data as LogInput), seq: row.seq, atMs: row.at } as TaskLogEntry;
}

/**
 * The blueprint's nodes in the order a run that succeeds meets them (following `next` from the
 * start), then the nodes only a failure or an exhausted loop leads to, in the same walk.
 */
export function blueprintOrder(blueprint: Blueprint): Task['blueprintNodes'] {
  const order: string[] = [];
  const later: string[] = [];
  const visit = (start: string | undefined) => {
    for (let id = start; id && id !== END_DONE && id !== END_FAILED;) {
      if (order.includes(id)) break;
      const node = blueprint.nodes[id];
      if (!node) break;
      order.push(id);
      for (const other of [node.onFailure, node.onExhausted])
        if (other && !later.includes(other)) later.push(other);
      id = node.next;
    }
  };
  visit(blueprint.start);
  for (let i = 0; i < later.length; i++) if (!order.includes(later[i]!)) visit(later[i]);
  for (const id of Object.keys(blueprint.nodes)) if (!order.includes(id)) order.push(id);
  return order.map((node) => ({ node, type: blueprint.nodes[node]!.type }));
}
