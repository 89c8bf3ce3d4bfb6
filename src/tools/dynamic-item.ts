// Items for the built-in tools that are neither commands nor patches.
import type { DynamicToolCallItem } from '../protocol/items.ts';

export function dynamicStart(tool: string, callId: string, args: unknown): DynamicToolCallItem {
  return { type: 'dynamicToolCall', id: callId, tool, arguments: args, status: 'inProgress' };
}

export function dynamicDone(
  start: DynamicToolCallItem,
  text: string,
  durationMs: number,
): DynamicToolCallItem {
  return {
    ...start,
    status: 'completed',
    success: true,
    contentItems: [{ type: 'inputText', text }],
    durationMs,
  };
}
