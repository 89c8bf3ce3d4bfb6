// One thread as a client sees it, and the one reducer that keeps it current: rebuilt from a
// snapshot (thread/resume, thread/read with turns), then each of the thread's notifications is
// folded in — item/started → deltas → item/completed (authoritative), turn start and end, the
// plan, the diff, token usage (the thread's, and each turn's sum), status — and the approvals
// the server asks for until they are answered or resolved. The web page, the TUI and `yoke
// exec` all keep their threads this way; each only draws it differently.
//
// Plain objects changed in place by plain functions (no I/O, browser-safe), so the same state
// is rebuilt anywhere and tested without a screen.
import type { ThreadItem } from '../protocol/items.ts';
import type { RequestId } from '../protocol/jsonrpc.ts';
import type { ParamsOf, ServerNotification } from '../protocol/methods.ts';
import type {
  Thread,
  ThreadStatus,
  ThreadTokenUsage,
  TokenUsageBreakdown,
  TurnError,
  TurnPlanStep,
  TurnStatus,
} from '../protocol/thread.ts';

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
  /** The tokens of this turn's model requests (the sum of each update's `last`), as seen live. */
  usage: TokenUsageBreakdown | null;
};

/** A question the server asked about this thread, until it is answered or resolved. */
export type ApprovalRequest = { requestId: RequestId } & (
  | { kind: 'command'; params: ParamsOf<'item/commandExecution/requestApproval'> }
  | { kind: 'fileChange'; params: ParamsOf<'item/fileChange/requestApproval'> }
  /** An MCP tool call Yoke asks about, or an MCP server's own question (client/elicitation.ts). */
  | { kind: 'mcp'; params: ParamsOf<'mcpServer/elicitation/request'> }
);

export type ThreadView = {
  id: string;
  thread: Thread | null;
  status: ThreadStatus;
  turns: TurnView[];
  plan: { explanation: string | null; steps: TurnPlanStep[] } | null;
  usage: ThreadTokenUsage | null;
  /** Items that are started and not yet completed. */
  live: Set<string>;
  /** Pending approvals, in the order they were asked. */
  approvals: ApprovalRequest[];
};

export const ZERO_USAGE: TokenUsageBreakdown = {
  totalTokens: 0,
  inputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteInputTokens: 0,
  outputTokens: 0,
  reasoningOutputTokens: 0,
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
    approvals: [],
  };
}

/**
 * The state a thread/resume (or thread/read with turns) answer describes. What a snapshot does
 * not carry (plan, usage, the approvals asked meanwhile) is kept from `previous`.
 */
export function fromSnapshot(thread: Thread, previous?: ThreadView): ThreadView {
  const turns = thread.turns.map((turn) => {
    const view = newTurn(turn.id);
    view.status = turn.status;
    view.items = turn.items.map((item) => structuredClone(item));
    view.error = turn.error ?? null;
    view.durationMs = turn.durationMs ?? null;
    return view;
  });
  const kept = previous?.id === thread.id ? previous : undefined;
  return {
    id: thread.id,
    thread: { ...thread, turns: [] },
    status: thread.status,
    turns,
    plan: kept?.plan ?? null,
    usage: kept?.usage ?? null,
    live: new Set(),
    approvals: kept?.approvals ?? [],
  };
}

/** The thread a notification concerns, when it concerns one. */
export function threadIdOf(n: ServerNotification): string | null {
  const params = n.params as { threadId?: unknown } | undefined;
  return typeof params?.threadId === 'string' ? params.threadId : null;
}

/** Applies one notification of this thread in place; returns whether anything changed. */
export function applyNotification(view: ThreadView, n: ServerNotification): boolean {
  switch (n.method) {
    case 'turn/started':
      ensureTurn(view, n.params.turn.id).status = n.params.turn.status;
      return true;
    case 'turn/completed': {
      const turn = ensureTurn(view, n.params.turn.id);
      turn.status = n.params.turn.status;
      turn.error = n.params.turn.error ?? null;
      turn.durationMs = n.params.turn.durationMs ?? null;
      for (const item of n.params.turn.items) upsert(turn, item);
      // Streams cut short by an interrupt never get their item/completed.
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
    case 'item/agentMessage/delta': {
      const { turnId, itemId, delta } = n.params;
      const item = itemFor(view, turnId, itemId, () => ({
        type: 'agentMessage',
        id: itemId,
        text: '',
      }));
      if (item.type === 'agentMessage') item.text += delta;
      return true;
    }
    case 'item/reasoning/summaryTextDelta': {
      const { turnId, itemId, delta, summaryIndex } = n.params;
      const item = itemFor(view, turnId, itemId, () => ({
        type: 'reasoning',
        id: itemId,
        summary: [],
        content: [],
      }));
      if (item.type !== 'reasoning') return false;
      while (item.summary.length <= summaryIndex) item.summary.push('');
      item.summary[summaryIndex] += delta;
      return true;
    }
    case 'item/commandExecution/outputDelta': {
      // Output of a command never seen is dropped: its completed item brings all of it.
      const item = findTurn(view, n.params.turnId)?.items.find((i) => i.id === n.params.itemId);
      if (item?.type !== 'commandExecution') return false;
      item.aggregatedOutput = (item.aggregatedOutput ?? '') + n.params.delta;
      return true;
    }
    case 'turn/plan/updated':
      view.plan = { explanation: n.params.explanation, steps: n.params.plan };
      return true;
    case 'turn/diff/updated':
      ensureTurn(view, n.params.turnId).diff = n.params.diff;
      return true;
    case 'thread/tokenUsage/updated': {
      view.usage = n.params.tokenUsage;
      const turn = ensureTurn(view, n.params.turnId);
      turn.usage = addUsage(turn.usage ?? ZERO_USAGE, n.params.tokenUsage.last);
      return true;
    }
    case 'thread/status/changed':
      view.status = n.params.status;
      return true;
    case 'thread/name/updated':
      if (view.thread) view.thread = { ...view.thread, name: n.params.threadName ?? null };
      return true;
    case 'serverRequest/resolved':
      return removeApproval(view, n.params.requestId);
    case 'error': {
      // A note while waiting for the model's first byte is no retry.
      const waiting = n.params.error.additionalDetails === 'waiting';
      const retry = n.params.willRetry && !waiting ? ' (retrying)' : '';
      ensureTurn(view, n.params.turnId).notices.push(`${errorText(n.params.error)}${retry}`);
      return true;
    }
    default:
      return false;
  }
}

/** A server request for an approval on this thread, pending until answered or resolved. */
export function addApproval(view: ThreadView, approval: ApprovalRequest): void {
  removeApproval(view, approval.requestId);
  view.approvals.push(approval);
}

/** Forgets an approval (answered here, or resolved elsewhere); whether it was pending. */
export function removeApproval(view: ThreadView, requestId: RequestId): boolean {
  const before = view.approvals.length;
  view.approvals = view.approvals.filter((a) => a.requestId !== requestId);
  return view.approvals.length !== before;
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

export function findTurn(view: ThreadView, turnId: string): TurnView | undefined {
  return view.turns.find((t) => t.id === turnId);
}

/** The text of the turn's last agent message (the answer), if it has one. */
export function lastAgentMessage(turn: TurnView | undefined): string | null {
  const item = turn?.items.findLast((i) => i.type === 'agentMessage');
  return item?.type === 'agentMessage' ? item.text : null;
}

export function addUsage(a: TokenUsageBreakdown, b: TokenUsageBreakdown): TokenUsageBreakdown {
  return {
    totalTokens: a.totalTokens + b.totalTokens,
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteInputTokens: a.cacheWriteInputTokens + (b.cacheWriteInputTokens ?? 0),
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningOutputTokens: a.reasoningOutputTokens + b.reasoningOutputTokens,
  };
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
    usage: null,
  };
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

/** The item a delta extends; a stream whose item/started was missed (a client that joined
 * mid-turn) starts from the delta. */
function itemFor(
  view: ThreadView,
  turnId: string,
  itemId: string,
  create: () => ThreadItem,
): ThreadItem {
  const turn = ensureTurn(view, turnId);
  let item = turn.items.find((i) => i.id === itemId);
  if (!item) {
    turn.items.push((item = create()));
    view.live.add(itemId);
  }
  return item;
}

/**
 * An `error` notification's text: its message, then its details in parentheses as `codex exec`
 * prints them ("Reconnecting... 1/5 (stream disconnected before completion: …)"). The details
 * `waiting` only mark a first-byte notice.
 */
export function errorText(error: { message: string; additionalDetails?: string | null }): string {
  const details = error.additionalDetails;
  return details && details !== 'waiting' ? `${error.message} (${details})` : error.message;
}
