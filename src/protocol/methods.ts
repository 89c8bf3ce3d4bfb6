// THE method table. Every JSON-RPC method Yoke speaks is declared here once — name, direction,
// params and result schemas, stability — and everything else (types, router, typed client,
// JSON Schema, docs/protocol.md) is derived from it.
//
// Wire conventions (Codex App Server v2): JSON-RPC 2.0 without the "jsonrpc" field; methods are
// `resource/verb`; fields are camelCase; ids are strings; params/results are objects named
// `*Params`/`*Result`; lists page with an opaque `cursor` → `nextCursor`; unions are tagged by
// `type`. Server notifications carry a top-level `emittedAtMs` beside `params`.
import * as z from 'zod';
import { ThreadItem, UserInput } from './items.ts';
import {
  AskForApproval,
  ReasoningEffort,
  SandboxMode,
  SandboxPolicy,
  Thread,
  ThreadStatus,
  ThreadTokenUsage,
  Turn,
  TurnError,
  TurnPlanStep,
} from './thread.ts';

export type Direction =
  'clientRequest' | 'clientNotification' | 'serverRequest' | 'serverNotification';

export type MethodSpec = {
  direction: Direction;
  params: z.ZodType;
  result?: z.ZodType;
  stability: 'stable' | 'experimental';
  doc: string;
};

const def = <D extends Direction, P extends z.ZodType, R extends z.ZodType | undefined = undefined>(
  direction: D,
  doc: string,
  params: P,
  result?: R,
) => ({ direction, doc, params, result, stability: 'stable' as const });

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

const ThreadSessionResult = z.object({
  thread: Thread,
  model: z.string(),
  modelProvider: z.string(),
  cwd: z.string(),
  approvalPolicy: AskForApproval,
  approvalsReviewer: z.literal('user'),
  sandbox: SandboxPolicy,
  reasoningEffort: ReasoningEffort.nullable(),
  instructionSources: z.array(z.string()),
});

const ThreadTurn = { threadId: z.string(), turnId: z.string() };

export const methods = {
  initialize: def(
    'clientRequest',
    'Opens the connection. Must be the first request, exactly once.',
    z.object({
      clientInfo: z.object({
        name: z.string(),
        title: z.string().nullable().optional(),
        version: z.string(),
      }),
      capabilities: z
        .object({
          experimentalApi: z.boolean().optional(),
          optOutNotificationMethods: z.array(z.string()).nullable().optional(),
        })
        .nullable()
        .optional(),
    }),
    z.object({
      userAgent: z.string(),
      codexHome: z.string(),
      platformFamily: z.string(),
      platformOs: z.string(),
    }),
  ),
  initialized: def(
    'clientNotification',
    'The client has processed the initialize result.',
    z.object({}).optional(),
  ),
  'thread/start': def(
    'clientRequest',
    'Starts a new thread and subscribes this connection to it.',
    z.object({ ...ThreadOverrides, ephemeral: z.boolean().nullable().optional() }),
    ThreadSessionResult,
  ),
  'thread/resume': def(
    'clientRequest',
    'Loads a stored thread (or joins it if running) and subscribes this connection to it.',
    z.object({ threadId: z.string(), ...ThreadOverrides, excludeTurns: z.boolean().optional() }),
    ThreadSessionResult,
  ),
  'turn/start': def(
    'clientRequest',
    'Starts a turn with user input. Overrides stick for later turns (outputSchema: this turn only).',
    z.object({
      threadId: z.string(),
      input: z.array(UserInput),
      cwd: z.string().nullable().optional(),
      model: z.string().nullable().optional(),
      approvalPolicy: AskForApproval.nullable().optional(),
      sandboxPolicy: SandboxPolicy.nullable().optional(),
      effort: ReasoningEffort.nullable().optional(),
      outputSchema: z.unknown().optional(),
    }),
    z.object({ turn: Turn }),
  ),
  'turn/interrupt': def(
    'clientRequest',
    'Interrupts the running turn; it completes with status "interrupted".',
    z.object(ThreadTurn),
    z.object({}),
  ),
  'thread/started': def(
    'serverNotification',
    'A thread was started.',
    z.object({ thread: Thread }),
  ),
  'thread/status/changed': def(
    'serverNotification',
    'The thread became idle or active (with flags such as waitingOnApproval).',
    z.object({ threadId: z.string(), status: ThreadStatus }),
  ),
  'thread/tokenUsage/updated': def(
    'serverNotification',
    'Token usage after each model request.',
    z.object({ ...ThreadTurn, tokenUsage: ThreadTokenUsage }),
  ),
  'turn/started': def(
    'serverNotification',
    'A turn started.',
    z.object({ threadId: z.string(), turn: Turn }),
  ),
  'turn/completed': def(
    'serverNotification',
    'A turn ended: completed, interrupted or failed.',
    z.object({ threadId: z.string(), turn: Turn }),
  ),
  'turn/diff/updated': def(
    'serverNotification',
    'The aggregated unified diff of the turn so far.',
    z.object({ ...ThreadTurn, diff: z.string() }),
  ),
  'turn/plan/updated': def(
    'serverNotification',
    'The plan tool updated the plan.',
    z.object({ ...ThreadTurn, explanation: z.string().nullable(), plan: z.array(TurnPlanStep) }),
  ),
  'item/started': def(
    'serverNotification',
    'An item started.',
    z.object({ ...ThreadTurn, item: ThreadItem, startedAtMs: z.number().int() }),
  ),
  'item/completed': def(
    'serverNotification',
    'An item completed. Authoritative: this is what is stored.',
    z.object({ ...ThreadTurn, item: ThreadItem, completedAtMs: z.number().int() }),
  ),
  'item/agentMessage/delta': def(
    'serverNotification',
    'Streamed text of an agent message.',
    z.object({ ...ThreadTurn, itemId: z.string(), delta: z.string() }),
  ),
  'item/reasoning/summaryTextDelta': def(
    'serverNotification',
    'Streamed text of a reasoning summary part.',
    z.object({
      ...ThreadTurn,
      itemId: z.string(),
      summaryIndex: z.number().int(),
      delta: z.string(),
    }),
  ),
  'item/commandExecution/outputDelta': def(
    'serverNotification',
    'Streamed output of a running command (UTF-8 text).',
    z.object({ ...ThreadTurn, itemId: z.string(), delta: z.string() }),
  ),
  error: def(
    'serverNotification',
    'An error in a turn; willRetry tells whether Yoke retries by itself.',
    z.object({ ...ThreadTurn, error: TurnError, willRetry: z.boolean() }),
  ),
} as const satisfies Record<string, MethodSpec>;

export type Methods = typeof methods;
export type MethodName = keyof Methods;

type ByDirection<D extends Direction> = {
  [K in MethodName]: Methods[K]['direction'] extends D ? K : never;
}[MethodName];

export type ClientRequestMethod = ByDirection<'clientRequest'>;
export type ServerNotificationMethod = ByDirection<'serverNotification'>;
export type ServerRequestMethod = ByDirection<'serverRequest'>;

export type ParamsOf<M extends MethodName> = z.infer<Methods[M]['params']>;
export type ResultOf<M extends MethodName> = Methods[M]['result'] extends z.ZodType
  ? z.infer<Methods[M]['result']>
  : never;

/** A server notification as it travels: `{method, params}` (emittedAtMs added on the wire). */
export type ServerNotification = {
  [M in ServerNotificationMethod]: { method: M; params: ParamsOf<M> };
}[ServerNotificationMethod];
