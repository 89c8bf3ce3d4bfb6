// Background tasks (Yoke's own addition, not part of Codex's protocol): submit a prompt to run
// in an isolated git worktree, driven by a blueprint (a small graph of deterministic and
// agentic nodes), and watch it. Every agentic node runs as an ordinary thread, so the thread
// methods show its items live and answer its approvals; the task methods describe the whole.
// Same conventions as the rest of the table: resource/verb, camelCase fields, string ids,
// cursor pagination, `type`-tagged unions. Times are milliseconds since the epoch (`…AtMs`).
import * as z from 'zod';
import { def } from './method-def.ts';

export const TaskStatus = z.enum([
  'queued',
  'preparing',
  'running',
  'waiting_approval',
  'succeeded',
  'failed',
  'cancelled',
]);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const TaskNodeType = z.enum(['setup', 'run', 'checks', 'agent', 'commit', 'push', 'pr']);
export type TaskNodeType = z.infer<typeof TaskNodeType>;

/** One visit of a blueprint node (loops visit a node more than once). */
export const TaskNodeRun = z.object({
  node: z.string(),
  type: TaskNodeType,
  /** 1 for the first visit of this node, 2 for the second… */
  visit: z.number().int(),
  status: z.enum(['running', 'succeeded', 'failed', 'skipped', 'cancelled']),
  startedAtMs: z.number().int(),
  completedAtMs: z.number().int().nullable(),
  /** The thread of an agent node (watch it with thread/resume, answer its approvals). */
  threadId: z.string().nullable(),
  /** One line: what happened, or why it failed. */
  summary: z.string().nullable(),
});
export type TaskNodeRun = z.infer<typeof TaskNodeRun>;

export const TaskCheckResult = z.object({
  command: z.string(),
  passed: z.boolean(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().int(),
  /** The end of what it printed (stdout and stderr interleaved), at most 8 KiB. */
  output: z.string(),
});
export type TaskCheckResult = z.infer<typeof TaskCheckResult>;

export const TaskCommit = z.object({ sha: z.string(), subject: z.string() });

export const TaskResult = z.object({
  branch: z.string(),
  baseCommit: z.string(),
  headCommit: z.string(),
  /** Commits on the branch since the base, oldest first. */
  commits: z.array(TaskCommit),
  /** `git diff --stat` of base..head. */
  diffStat: z.string(),
  filesChanged: z.number().int(),
  insertions: z.number().int(),
  deletions: z.number().int(),
  /** The last agent's final message. */
  summary: z.string().nullable(),
  /** Rendered by a `pr` node, when the blueprint has one. */
  prDescription: z.string().nullable(),
});
export type TaskResult = z.infer<typeof TaskResult>;

export const Task = z.object({
  id: z.string(),
  status: TaskStatus,
  prompt: z.string(),
  /** The repository's top-level directory (absolute). */
  repo: z.string(),
  baseRef: z.string(),
  /** The commit the base ref pointed at when the task was submitted. */
  baseCommit: z.string(),
  /** `yoke/<task id>`. */
  branch: z.string(),
  blueprint: z.string(),
  /** Every node of the blueprint, in the order a run that succeeds meets them (then the nodes
   * only failures lead to), so a client can show the whole plan before it runs. */
  blueprintNodes: z.array(z.object({ node: z.string(), type: TaskNodeType })),
  /** The model its agent steps use (null: the daemon's configured model). */
  model: z.string().nullable(),
  /** The acceptance checks: the repo's task.toml checks, then the submitted ones. */
  checks: z.array(z.string()),
  /** Set while the task has a workspace (its git worktree). */
  worktree: z.string().nullable(),
  currentNode: z.string().nullable(),
  nodes: z.array(TaskNodeRun),
  /** The latest run of each check. */
  checkResults: z.array(TaskCheckResult),
  fixRounds: z.object({ used: z.number().int(), max: z.number().int() }),
  tokensUsed: z.number().int(),
  threadIds: z.array(z.string()),
  result: TaskResult.nullable(),
  error: z.object({ message: z.string(), node: z.string().nullable() }).nullable(),
  /** The task this one retries. */
  retryOf: z.string().nullable(),
  createdAtMs: z.number().int(),
  updatedAtMs: z.number().int(),
  startedAtMs: z.number().int().nullable(),
  completedAtMs: z.number().int().nullable(),
});
export type Task = z.infer<typeof Task>;

const LogBase = {
  /** Position in the task's log, from 1. */
  seq: z.number().int(),
  atMs: z.number().int(),
  /** The node it concerns, when any. */
  node: z.string().nullable(),
};

export const TaskLogEntry = z.discriminatedUnion('type', [
  z.object({
    ...LogBase,
    type: z.literal('status'),
    status: TaskStatus,
    message: z.string().nullable(),
  }),
  z.object({
    ...LogBase,
    type: z.literal('nodeStarted'),
    nodeType: TaskNodeType,
    visit: z.number().int(),
  }),
  z.object({
    ...LogBase,
    type: z.literal('nodeCompleted'),
    status: TaskNodeRun.shape.status,
    summary: z.string().nullable(),
  }),
  /** What a node printed or said: command output, check output, an agent's messages. */
  z.object({ ...LogBase, type: z.literal('output'), text: z.string() }),
]);
export type TaskLogEntry = z.infer<typeof TaskLogEntry>;

const TaskId = { taskId: z.string() };
const Page = {
  cursor: z.string().nullable().optional(),
  limit: z.number().int().min(0).max(0xffffffff).nullable().optional(),
};
const TaskAnswer = z.object({ task: Task });

export const taskMethods = {
  'task/submit': def(
    'clientRequest',
    'Queues a background task: a prompt run in its own git worktree on branch yoke/<id>, ' +
      'driven by a blueprint. Bad input (not a git repository, unknown base ref, broken ' +
      'task.toml or blueprint, a check command that does not exist) is refused at once.',
    () =>
      z.object({
        prompt: z.string().min(1),
        /** A directory inside the repository (absolute). */
        repo: z.string().min(1),
        /** Branch, tag or commit to start from. Default: the repository's HEAD. */
        baseRef: z.string().nullable().optional(),
        /** More check commands, after the repository's own. */
        checks: z.array(z.string().min(1)).nullable().optional(),
        /** A built-in blueprint or one from the repo's .yoke/blueprints/. Default "default". */
        blueprint: z.string().nullable().optional(),
        /** The model for its agent steps (default: the daemon's configured model). */
        model: z.string().min(1).nullable().optional(),
      }),
    () => TaskAnswer,
  ),
  'task/blueprint/list': def(
    'clientRequest',
    "The blueprints a task on this repository can name: the built-in ones and the repository's " +
      '.yoke/blueprints/ at its HEAD (which may redefine a built-in name), and the one task.toml ' +
      'picks when a submission names none.',
    () =>
      z.object({
        /** A directory inside the repository (absolute). */
        repo: z.string().min(1),
      }),
    () =>
      z.object({
        data: z.array(
          z.object({
            name: z.string(),
            source: z.enum(['builtin', 'repository']),
            description: z.string().nullable(),
          }),
        ),
        /** task.toml's `blueprint` (or "default"). */
        defaultName: z.string(),
      }),
  ),
  'task/list': def(
    'clientRequest',
    'Pages through tasks, newest first.',
    () =>
      z.object({
        ...Page,
        statuses: z.array(TaskStatus).nullable().optional(),
        repo: z.string().nullable().optional(),
      }),
    () => z.object({ data: z.array(Task), nextCursor: z.string().nullable() }),
  ),
  'task/read': def(
    'clientRequest',
    'Reads one task.',
    () => z.object(TaskId),
    () => TaskAnswer,
  ),
  'task/log/read': def(
    'clientRequest',
    "Pages through a task's log, oldest first; live entries arrive with task/updated.",
    () => z.object({ ...TaskId, ...Page }),
    () => z.object({ data: z.array(TaskLogEntry), nextCursor: z.string().nullable() }),
  ),
  'task/cancel': def(
    'clientRequest',
    'Cancels a queued or running task: its turn is interrupted, its commands die with their ' +
      'process group, its worktree is removed. Answers once it has stopped.',
    () => z.object(TaskId),
    () => TaskAnswer,
  ),
  'task/retry': def(
    'clientRequest',
    'Submits a finished task again, as a new task (retryOf names the old one).',
    () => z.object(TaskId),
    () => TaskAnswer,
  ),
  'task/updated': def(
    'serverNotification',
    'A task changed: its state now, and the log entries added since the last notification.',
    () => z.object({ task: Task, entries: z.array(TaskLogEntry) }),
  ),
} as const;
