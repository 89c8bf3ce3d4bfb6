// Turn methods of the table (start, steer, interrupt) and the turn and item notifications that
// stream a turn: `item/started` → deltas → `item/completed` (authoritative), then turn/completed.
import * as z from 'zod';
import { ThreadItem, UserInput } from './items.ts';
import { def } from './method-def.ts';
import {
  AskForApproval,
  ReasoningEffort,
  SandboxPolicy,
  Turn,
  TurnError,
  TurnPlanStep,
} from './thread.ts';

const ThreadTurn = { threadId: z.string(), turnId: z.string() };

export const turnMethods = {
  'turn/start': def(
    'clientRequest',
    'Starts a turn with user input. Overrides stick for later turns (outputSchema: this turn only).',
    () =>
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
    () => z.object({ turn: Turn }),
  ),
  'turn/steer': def(
    'clientRequest',
    'Adds input to the running turn. Fails unless expectedTurnId is the active turn.',
    () =>
      z.object({
        threadId: z.string(),
        expectedTurnId: z.string(),
        input: z.array(UserInput),
        clientUserMessageId: z.string().nullable().optional(),
      }),
    () => z.object({ turnId: z.string() }),
  ),
  'turn/interrupt': def(
    'clientRequest',
    'Interrupts the running turn; it completes with status "interrupted".',
    () => z.object(ThreadTurn),
    () => z.object({}),
  ),
  'turn/started': def('serverNotification', 'A turn started.', () =>
    z.object({ threadId: z.string(), turn: Turn }),
  ),
  'turn/completed': def(
    'serverNotification',
    'A turn ended: completed, interrupted or failed.',
    () => z.object({ threadId: z.string(), turn: Turn }),
  ),
  'turn/diff/updated': def(
    'serverNotification',
    'The aggregated unified diff of the turn so far.',
    () => z.object({ ...ThreadTurn, diff: z.string() }),
  ),
  'turn/plan/updated': def('serverNotification', 'The plan tool updated the plan.', () =>
    z.object({ ...ThreadTurn, explanation: z.string().nullable(), plan: z.array(TurnPlanStep) }),
  ),
  'item/started': def('serverNotification', 'An item started.', () =>
    z.object({ ...ThreadTurn, item: ThreadItem, startedAtMs: z.number().int() }),
  ),
  'item/completed': def(
    'serverNotification',
    'An item completed. Authoritative: this is what is stored.',
    () => z.object({ ...ThreadTurn, item: ThreadItem, completedAtMs: z.number().int() }),
  ),
  'item/agentMessage/delta': def('serverNotification', 'Streamed text of an agent message.', () =>
    z.object({ ...ThreadTurn, itemId: z.string(), delta: z.string() }),
  ),
  'item/reasoning/summaryTextDelta': def(
    'serverNotification',
    'Streamed text of a reasoning summary part.',
    () =>
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
    () => z.object({ ...ThreadTurn, itemId: z.string(), delta: z.string() }),
  ),
  error: def(
    'serverNotification',
    'An error in a turn; willRetry tells whether Yoke retries by itself.',
    () => z.object({ ...ThreadTurn, error: TurnError, willRetry: z.boolean() }),
  ),
} as const;
