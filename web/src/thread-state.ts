// A thread as the page shows it, rebuilt from thread/resume's snapshot and then kept current by
// the thread's notifications: item/started → deltas → item/completed (authoritative), turn
// start and end, the plan, token usage and status. Pure functions over plain objects, so the
// same state could be rebuilt anywhere (and tested without a browser).
import type { ThreadItem } from '../../src/protocol/items.ts';
import type { ServerNotification } from '../../src/protocol/methods.ts';
import type {
  Thread,
  ThreadStatus,
  ThreadTokenUsage,
  TurnError,
  TurnPlanStep,
  TurnStatus,
} from '../../src/protocol/thread.ts';

export type TurnView = {
  id: string;
  status: TurnStatus;
  items: ThreadItem[];
  error: TurnError | null;
  durationMs: number | null;
  /** The aggregated diff of the turn (turn/diff/updated). */
  diff: string | null;
  /** Errors the model API reported during the turn, with whether Yoke retried them. */
  notices: string[];
};

export type ThreadView = {
  id: string;
  thread: Thread | null;
  status: ThreadStatus;
  turns: TurnView[];
  plan: { explanation: string | null; steps: TurnPlanStep[] } | null;
  usage: ThreadTokenUsage | null;
  /** Items that are started and not yet completed. */
  live: Set<string>;
};

export function emptyThread(id: string): ThreadView {
  return {
    id,
    thread: null,
    status: { type: 'notLoaded' },
    turns: [],
    plan: null,
    usage: null,
    live: new Set(),
  };
}

/** The state a thread/resume (or thread/read with turns) answer describes. */
export function fromSnapshot(thread: Thread, previous?: ThreadView): ThreadView {
  return {
    id: thread.id,
    thread: { ...thread, turns: [] },
    status: thread.status,
    turns: thread.turns.map((turn) => ({
      id: turn.id,
      status: turn.status,
      items: turn.items,
      error: turn.error ?? null,
      durationMs: turn.durationMs ?? null,
      diff: null,
      notices: [],
    })),
    plan: previous?.plan ?? null,
    usage: previous?.usage ?? null,
    live: new Set(),
  };
}

/** The thread a notification concerns, when it concerns one. */
export function threadIdOf(n: ServerNotification): string | null {
  const params = n.params as { threadId?: unknown; thread?: { id?: unknown } } | undefined;
  if (typeof params?.threadId === 'string') return params.threadId;
  return null;
}

/** Applies one notification in place; returns whether anything changed. */
export function applyNotification(view: ThreadView, n: ServerNotification): boolean {
  switch (n.method) {
    case 'turn/started': {
      const turn = findTurn(view, n.params.turn.id);
      if (turn) turn.status = n.params.turn.status;
      else view.turns.push(newTurn(n.params.turn.id));
      return true;
    }
    case 'turn/completed': {
      const turn = ensureTurn(view, n.params.turn.id);
      turn.status = n.params.turn.status;
      turn.error = n.params.turn.error ?? null;
      turn.durationMs = n.params.turn.durationMs ?? null;
      for (const item of n.params.turn.items) upsert(turn, item);
      for (const item of turn.items) view.live.delete(item.id);
      return true;
    }
    case 'item/started':
      upsert(ensureTurn(view, n.params.turnId), n.params.item);
      view.live.add(n.params.item.id);
      return true;
    case 'item/completed':
      upsert(ensureTurn(view, n.params.turnId), n.params.item);
      view.live.delete(n.params.item.id);
      return true;
    case 'item/agentMessage/delta':
      return patchItem(view, n.params.turnId, n.params.itemId, (item) => {
        if (item.type === 'agentMessage') item.text += n.params.delta;
      });
    case 'item/reasoning/summaryTextDelta':
      return patchItem(view, n.params.turnId, n.params.itemId, (item) => {
        if (item.type !== 'reasoning') return;
        const index = n.params.summaryIndex;
        while (item.summary.length <= index) item.summary.push('');
        item.summary[index] += n.params.delta;
      });
    case 'item/commandExecution/outputDelta':
      return patchItem(view, n.params.turnId, n.params.itemId, (item) => {
        if (item.type === 'commandExecution') {
          item.aggregatedOutput = (item.aggregatedOutput ?? '') + n.params.delta;
        }
      });
    case 'turn/plan/updated':
      view.plan = { explanation: n.params.explanation, steps: n.params.plan };
      return true;
    case 'turn/diff/updated':
      ensureTurn(view, n.params.turnId).diff = n.params.diff;
      return true;
    case 'thread/tokenUsage/updated':
      view.usage = n.params.tokenUsage;
      return true;
    case 'thread/status/changed':
      view.status = n.params.status;
      return true;
    case 'thread/name/updated':
      if (view.thread) view.thread = { ...view.thread, name: n.params.threadName ?? null };
      return true;
    case 'error': {
      const waiting = n.params.error.additionalDetails === 'waiting';
      const retry = n.params.willRetry && !waiting ? ' (retrying)' : '';
      ensureTurn(view, n.params.turnId).notices.push(`${n.params.error.message}${retry}`);
      return true;
    }
    default:
      return false;
  }
}

/** The share of input tokens served from the prompt cache, 0…1 (null before any request). */
export function cacheShare(usage: { inputTokens: number; cachedInputTokens: number } | null) {
  if (!usage || usage.inputTokens <= 0) return null;
  return usage.cachedInputTokens / usage.inputTokens;
}

/** The newest item with this id, wherever it is. */
export function findItem(view: ThreadView, itemId: string): ThreadItem | null {
  for (let t = view.turns.length - 1; t >= 0; t--) {
    const item = view.turns[t]!.items.find((i) => i.id === itemId);
    if (item) return item;
  }
  return null;
}

function newTurn(id: string): TurnView {
  return {
    id,
    status: 'inProgress',
    items: [],
    error: null,
    durationMs: null,
    diff: null,
    notices: [],
  };
}

function findTurn(view: ThreadView, turnId: string): TurnView | undefined {
  return view.turns.find((t) => t.id === turnId);
}

function ensureTurn(view: ThreadView, turnId: string): TurnView {
  let turn = findTurn(view, turnId);
  if (!turn) view.turns.push((turn = newTurn(turnId)));
  return turn;
}

/** Items are copied in, so deltas never write into a notification's own objects. */
function upsert(turn: TurnView, item: ThreadItem): void {
  const copy = structuredClone(item);
  const index = turn.items.findIndex((i) => i.id === item.id);
  if (index < 0) turn.items.push(copy);
  else turn.items[index] = copy;
}

/** Applies a delta to a known item; a delta for an item never seen is dropped (the completed
 * item brings its full text). */
function patchItem(
  view: ThreadView,
  turnId: string,
  itemId: string,
  patch: (item: ThreadItem) => void,
): boolean {
  const item = findTurn(view, turnId)?.items.find((i) => i.id === itemId);
  if (!item) return false;
  patch(item);
  return true;
}
