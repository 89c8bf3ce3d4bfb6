// How a turn that stopped half-way is closed in history, the one way for every cause: each tool
// call without an output gets one, and the model is told the turn was interrupted — appended,
// never rewritten, so the prompt prefix holds. The loop does it when a turn is interrupted; the
// runtime does it for a turn the process died in.
import type { HistoryItem } from '../models/types.ts';
import { TURN_ABORTED_NOTE } from './prompt.ts';

/** Function calls in `history` that never got an output. */
export function danglingCalls(history: readonly HistoryItem[]): string[] {
  const answered = new Set<string>();
  for (const item of history) if (item.type === 'function_call_output') answered.add(item.call_id);
  const dangling: string[] = [];
  for (const item of history)
    if (item.type === 'function_call' && !answered.has(item.call_id)) dangling.push(item.call_id);
  return dangling;
}

/** What closes an interrupted turn: `output` for each dangling call, then the note. */
export function interruptionItems(history: readonly HistoryItem[], output: string): HistoryItem[] {
  return [
    ...danglingCalls(history).map((callId): HistoryItem => ({
      type: 'function_call_output',
      call_id: callId,
      output,
    })),
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: TURN_ABORTED_NOTE }] },
  ];
}
