// Thread methods of the table: start, resume, fork, list, read, archive, names, subscriptions,
// compaction, and the notifications that announce thread-level changes.
// Field names, optionality and enums follow Codex App Server v2 (0.169.0, stable schema).
import * as z from 'zod';
import { def } from './method-def.ts';
import { InitialTurnsPageParams, ThreadReadState, TurnsPage } from './methods-history.ts';
import {
  AskForApproval,
  ReasoningEffort,
  SandboxDetails,
  SandboxMode,
  SandboxPolicy,
  Thread,
  ThreadStatus,
  ThreadTokenUsage,
} from './thread.ts';

/** Settings a client may override when it starts, resumes or forks a thread. */
const ThreadOverrides = {
  model: z.string().nullable().optional(),
  modelProvider: z.string().nullable().optional(),
  cwd: z.string().nullable().optional(),
  approvalPolicy: AskForApproval.nullable().optional(),
  sandbox: SandboxMode.nullable().optional(),
  config: z.record(z.string(), z.unknown()).nullable().optional(),
  baseInstructions: z.string().nullable().optional(),
  developerInstructions: z.string().nullable().optional(),
};

/** What thread/start, thread/resume and thread/fork answer: the thread and its live settings. */
export const ThreadSessionResult = z.object({
  thread: Thread,
  model: z.string(),
  modelProvider: z.string(),
  cwd: z.string(),
  /** The workspace roots the sandbox's workspace-write mode opens (the cwd): Codex clients
   * name a policy "Workspace" only when these are given. */
  runtimeWorkspaceRoots: z.array(z.string()).optional(),
  approvalPolicy: AskForApproval,
  approvalsReviewer: z.literal('user'),
  sandbox: SandboxPolicy,
  reasoningEffort: ReasoningEffort.nullable(),
  instructionSources: z.array(z.string()),
  /** Yoke addition: what the sandbox hides; absent with danger-full-access. */
  sandboxDetails: SandboxDetails.optional(),
});

/** Where a stored thread came from, as thread/list filters it. */
export const ThreadSourceKind = z.enum([
  'cli',
  'vscode',
  'exec',
  'appServer',
  'subAgent',
  'subAgentReview',
  'subAgentCompact',
  'subAgentThreadSpawn',
  'subAgentOther',
  'unknown',
]);

/** An opaque page cursor in, the page size (a u32) beside it. */
const Page = {
  cursor: z.string().nullable().optional(),
  limit: z.number().int().min(0).max(0xffffffff).nullable().optional(),
};

const ThreadId = { threadId: z.string() };
const Empty = z.object({});

export const threadMethods = {
  'thread/start': def(
    'clientRequest',
    'Starts a new thread and subscribes this connection to it.',
    () =>
      z.object({
        ...ThreadOverrides,
        ephemeral: z.boolean().nullable().optional(),
        /** Yoke: a `[toolsets.NAME]` of the config; only its tools are offered and callable. */
        toolset: z.string().nullable().optional(),
        /** Yoke: tool names or `*` patterns (`mcp__github__get_*`); with a toolset, both apply. */
        tools: z.array(z.string().min(1)).nullable().optional(),
      }),
    () => ThreadSessionResult,
  ),
  'thread/resume': def(
    'clientRequest',
    'Loads a stored thread (or joins it if running) and subscribes this connection to it.',
    () =>
      z.object({
        ...ThreadId,
        ...ThreadOverrides,
        excludeTurns: z.boolean().optional(),
        initialTurnsPage: InitialTurnsPageParams.nullable().optional(),
      }),
    () => ThreadSessionResult.extend({ initialTurnsPage: TurnsPage.nullable().optional() }),
  ),
  'thread/fork': def(
    'clientRequest',
    'Copies the history of a thread (through lastTurnId, inclusive, when given) into a new thread ' +
      'and subscribes this connection to it. Ephemeral forks require excludeTurns.',
    () =>
      z.object({
        ...ThreadId,
        ...ThreadOverrides,
        lastTurnId: z.string().nullable().optional(),
        ephemeral: z.boolean().optional(),
        excludeTurns: z.boolean().optional(),
      }),
    () => ThreadSessionResult,
  ),
  'thread/list': def(
    'clientRequest',
    'Pages through stored threads, newest first by default.',
    () =>
      z.object({
        ...Page,
        cwd: z
          .union([z.string(), z.array(z.string())])
          .nullable()
          .optional(),
        archived: z.boolean().nullable().optional(),
        searchTerm: z.string().nullable().optional(),
        modelProviders: z.array(z.string()).nullable().optional(),
        sourceKinds: z.array(ThreadSourceKind).nullable().optional(),
        sortKey: z
          .enum(['created_at', 'updated_at', 'recency_at', 'section_position'])
          .nullable()
          .optional(),
        sortDirection: z.enum(['asc', 'desc']).nullable().optional(),
      }),
    () =>
      z.object({
        data: z.array(Thread),
        nextCursor: z.string().nullable(),
        backwardsCursor: z.string().nullable().optional(),
        /** The read state of listed threads that were marked (thread/readState/update). */
        readStates: z.record(z.string(), ThreadReadState).optional(),
      }),
  ),
  'thread/search': def(
    'clientRequest',
    'Stored threads (on a fleet front, its workers’ too) whose name, preview or messages ' +
      'contain `searchTerm` (any case), each ' +
      'with a snippet around the first match; newest created first by default.',
    () =>
      z.object({
        ...Page,
        searchTerm: z.string(),
        archived: z.boolean().nullable().optional(),
        sourceKinds: z.array(ThreadSourceKind).nullable().optional(),
        sortKey: z.enum(['created_at', 'updated_at', 'recency_at']).nullable().optional(),
        sortDirection: z.enum(['asc', 'desc']).nullable().optional(),
      }),
    () =>
      z.object({
        data: z.array(z.object({ thread: Thread, snippet: z.string() })),
        nextCursor: z.string().nullable(),
        backwardsCursor: z.string().nullable().optional(),
      }),
  ),
  'thread/loaded/list': def(
    'clientRequest',
    'Ids of the threads currently loaded in memory.',
    () => z.object(Page),
    () => z.object({ data: z.array(z.string()), nextCursor: z.string().nullable() }),
  ),
  'thread/read': def(
    'clientRequest',
    'Reads a stored thread without resuming it; includeTurns adds its turns and items.',
    () => z.object({ ...ThreadId, includeTurns: z.boolean().optional() }),
    () => z.object({ thread: Thread }),
  ),
  'thread/archive': def(
    'clientRequest',
    'Archives a stored thread (it leaves the default thread/list).',
    () => z.object(ThreadId),
    () => Empty,
  ),
  'thread/delete': def(
    'clientRequest',
    'Deletes a thread and its whole history for good (refused while a turn runs).',
    () => z.object(ThreadId),
    () => Empty,
  ),
  'thread/settings/update': def(
    'clientRequest',
    'Changes a thread’s settings from its next turn on, as turn/start overrides do: model, ' +
      'effort, cwd, approvalPolicy and sandboxPolicy (other Codex fields are accepted and ' +
      'ignored).',
    () =>
      z.object({
        ...ThreadId,
        model: z.string().nullable().optional(),
        effort: ReasoningEffort.nullable().optional(),
        cwd: z.string().nullable().optional(),
        approvalPolicy: AskForApproval.nullable().optional(),
        sandboxPolicy: SandboxPolicy.nullable().optional(),
      }),
    () => Empty,
  ),
  'thread/unarchive': def(
    'clientRequest',
    'Brings an archived thread back; answers the thread.',
    () => z.object(ThreadId),
    () => z.object({ thread: Thread }),
  ),
  'thread/name/set': def(
    'clientRequest',
    'Sets the user-facing title of a thread.',
    () => z.object({ ...ThreadId, name: z.string() }),
    () => Empty,
  ),
  'thread/unsubscribe': def(
    'clientRequest',
    'Stops the notifications of a thread for this connection.',
    () => z.object(ThreadId),
    () => z.object({ status: z.enum(['notLoaded', 'notSubscribed', 'unsubscribed']) }),
  ),
  'thread/compact/start': def(
    'clientRequest',
    'Compacts the context of the thread now; a turn with a contextCompaction item follows.',
    () => z.object(ThreadId),
    () => Empty,
  ),
  'thread/shellCommand': def(
    'clientRequest',
    'Runs a shell command the user typed (the Codex TUI’s `!cmd`) with bash in the thread’s ' +
      'cwd, under the thread’s sandbox (Codex runs it unsandboxed), without asking for ' +
      'approval. Answers {} at once; a turn follows with one commandExecution item ' +
      '(source userShell) and its output as item/commandExecution/outputDelta. The command ' +
      'and its output are kept in the thread for the model’s next request. timeoutMs ' +
      'defaults to one hour. While a turn runs, the command joins that turn instead: its ' +
      'item is that turn’s, and the model request in flight starts again with its output.',
    () =>
      z.object({
        ...ThreadId,
        command: z.string(),
        timeoutMs: z.number().int().min(0).nullable().optional(),
      }),
    () => Empty,
  ),
  'thread/started': def('serverNotification', 'A thread was started.', () =>
    z.object({ thread: Thread }),
  ),
  'thread/status/changed': def(
    'serverNotification',
    'The thread became idle or active (with flags such as waitingOnApproval).',
    () => z.object({ ...ThreadId, status: ThreadStatus }),
  ),
  'thread/archived': def('serverNotification', 'A thread was archived.', () => z.object(ThreadId)),
  'thread/unarchived': def('serverNotification', 'A thread was unarchived.', () =>
    z.object(ThreadId),
  ),
  'thread/deleted': def('serverNotification', 'A thread was deleted.', () => z.object(ThreadId)),
  'thread/name/updated': def(
    'serverNotification',
    'The title of a thread changed (null: cleared).',
    () => z.object({ ...ThreadId, threadName: z.string().nullable().optional() }),
  ),
  'thread/closed': def('serverNotification', 'A thread was unloaded from memory.', () =>
    z.object(ThreadId),
  ),
  'thread/tokenUsage/updated': def(
    'serverNotification',
    'Token usage after each model request.',
    () => z.object({ ...ThreadId, turnId: z.string(), tokenUsage: ThreadTokenUsage }),
  ),
} as const;
