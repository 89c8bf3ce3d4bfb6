// What the agent loop tells its caller. The runtime persists the authoritative ones (history,
// completed items, turn end) and turns all of them into protocol notifications.
import type { HistoryItem, ModelError, RetryEvent, Usage } from '../models/types.ts';
import type { ThreadItem } from '../protocol/items.ts';
import type { TurnPlanStep } from '../protocol/thread.ts';

export type TurnEndStatus = 'completed' | 'interrupted' | 'failed';

export type EngineEvent =
  /** An item was appended to the model-visible history. */
  | { type: 'history'; item: HistoryItem }
  /** Compaction replaced the model-visible history. */
  | { type: 'historyReplaced'; history: HistoryItem[] }
  | { type: 'itemStarted'; item: ThreadItem }
  | { type: 'itemCompleted'; item: ThreadItem }
  | { type: 'agentMessageDelta'; itemId: string; delta: string }
  | { type: 'reasoningDelta'; itemId: string; summaryIndex: number; delta: string }
  | { type: 'commandOutputDelta'; itemId: string; delta: string }
  /** A line of progress of a running tool call (MCP progress notifications). */
  | { type: 'toolProgress'; itemId: string; message: string }
  | { type: 'planUpdated'; explanation: string | null; plan: TurnPlanStep[] }
  /** A model request is being sent (step = model calls so far in this turn, from 1). */
  | { type: 'modelRequest'; step: number; attempt: number }
  | { type: 'usage'; usage: Usage }
  | RetryEvent
  /** The model endpoint has not begun to answer after `elapsedMs` (gives up at `timeoutMs`). */
  | { type: 'waiting'; elapsedMs: number; timeoutMs: number }
  | {
      type: 'turnEnd';
      status: TurnEndStatus;
      error?: ModelError;
      /** Text of the last agent message, if any (the final answer). */
      lastMessage: string | null;
    };
