// A thread whose last turn never ended — the process stopped while it ran — is brought back
// when it is loaded. A turn waiting for a human is revived: its tool calls run again and ask
// again (unless the caller starts a turn of its own: a fleet task step taken over). Any other
// is closed as interrupted, the way the loop closes an interrupted turn.
import { danglingCalls } from '../engine/interruption.ts';
import type { FunctionCallItem } from '../models/types.ts';
import type { ReplayedThread } from './thread-log.ts';
import type { ThreadSession } from './thread-session.ts';

export function recoverUnfinishedTurn(
  session: ThreadSession,
  state: ReplayedThread,
  revive = true,
): void {
  const turn = state.turns.find((t) => t.id === state.unfinishedTurnId);
  if (!turn) return;
  const startedAtMs = state.unfinishedStartedAtMs ?? (turn.startedAt ?? 0) * 1000;
  if (!revive || state.pendingApprovalIds.length === 0) {
    session.closeCrashedTurn(turn, startedAtMs);
    return;
  }
  // It was waiting for a human: ask again rather than give up.
  const pending = new Set(danglingCalls(state.history));
  const calls = state.history.filter(
    (i): i is FunctionCallItem => i.type === 'function_call' && pending.has(i.call_id),
  );
  void session.revive(turn, startedAtMs, calls, state.pendingApprovalIds);
}
