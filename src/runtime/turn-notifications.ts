// How engine events of a turn become protocol notifications (the ephemeral ones: deltas,
// plan, retries). Items, usage and turn boundaries go through the thread's journal, which
// stores them.
import type { EngineEvent } from '../engine/events.ts';
import type { ServerNotification } from '../protocol/methods.ts';

export function notificationFor(
  event: EngineEvent,
  threadId: string,
  turnId: string,
): ServerNotification | null {
  switch (event.type) {
    case 'agentMessageDelta':
      return {
        method: 'item/agentMessage/delta',
        params: { threadId, turnId, itemId: event.itemId, delta: event.delta },
      };
    case 'reasoningDelta':
      return {
        method: 'item/reasoning/summaryTextDelta',
        params: {
          threadId,
          turnId,
          itemId: event.itemId,
          summaryIndex: event.summaryIndex,
          delta: event.delta,
        },
      };
    case 'commandOutputDelta':
      return {
        method: 'item/commandExecution/outputDelta',
        params: { threadId, turnId, itemId: event.itemId, delta: event.delta },
      };
    case 'toolProgress':
      return {
        method: 'item/mcpToolCall/progress',
        params: { threadId, turnId, itemId: event.itemId, message: event.message },
      };
    case 'planUpdated':
      return {
        method: 'turn/plan/updated',
        params: { threadId, turnId, explanation: event.explanation, plan: event.plan },
      };
    case 'retry': {
      const wait = (event.delayMs / 1000).toFixed(1);
      if (event.reconnect) {
        // Codex's words and shape: "Reconnecting... 2/5", the reason as the details.
        const { count, max } = event.reconnect;
        return turnNotice(threadId, turnId, {
          message: `Reconnecting... ${count}/${max}`,
          codexErrorInfo: { responseStreamDisconnected: { httpStatusCode: null } },
          additionalDetails: event.reason,
        });
      }
      const message = `${event.reason}; retrying in ${wait} s (attempt ${event.attempt} of ${event.maxAttempts})`;
      return turnNotice(threadId, turnId, { message });
    }
    case 'waiting': {
      const s = (ms: number) => `${Math.round(ms / 100) / 10} s`;
      const message =
        `the model endpoint has sent nothing yet (${s(event.elapsedMs)}); waiting up to ` +
        `${s(event.timeoutMs)} for its first byte (stream_first_byte_timeout_ms)`;
      return turnNotice(threadId, turnId, { message, additionalDetails: 'waiting' });
    }
    default:
      return null;
  }
}

/** An `error` notification about something the turn goes on through (retry, waiting). */
function turnNotice(
  threadId: string,
  turnId: string,
  error: { message: string; additionalDetails?: string; codexErrorInfo?: unknown },
): ServerNotification {
  return { method: 'error', params: { threadId, turnId, error, willRetry: true } };
}
