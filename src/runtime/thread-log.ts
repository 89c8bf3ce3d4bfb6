// The meaning of a thread's stored events, and the state rebuilt by replaying them.
import type { HistoryItem, Usage } from '../models/types.ts';
import type { ThreadItem } from '../protocol/items.ts';
import type { Turn, TurnError, TurnStatus } from '../protocol/thread.ts';
import type { StoredEvent, ThreadStore } from '../store/thread-store.ts';

/** What a thread's log holds, one entry per kind. */
export type LogEvent =
  | { kind: 'history'; data: { item: HistoryItem } }
  | { kind: 'turnStarted'; data: { startedAtMs: number } }
  | { kind: 'item'; data: { item: ThreadItem } }
  | { kind: 'usage'; data: { last: Usage } }
  /**
   * Where the thread's context came from: AGENTS.md files, scoped rules loaded so far; the
   * order its MCP tools are offered in (kept across restarts: a stable prompt-cache prefix).
   */
  | {
      kind: 'context';
      data: { instructionSources?: string[]; scopedRuleIds?: string[]; mcpToolOrder?: string[] };
    }
  /** A question went out and waits for an answer (durable: survives restarts). */
  | { kind: 'approvalRequested'; data: { approvalId: string; method: string; itemId: string } }
  /** Compaction replaced the model-visible history with this. */
  | { kind: 'compacted'; data: { history: HistoryItem[] } }
  /** An approval decision, for audit: what, by which connection, when. */
  | {
      kind: 'approval';
      data: {
        approvalId: string;
        itemId: string;
        method: string;
        decision: unknown;
        by: string;
        atMs: number;
      };
    }
  | {
      kind: 'turnCompleted';
      data: { status: TurnStatus; error: TurnError | null; completedAtMs: number };
    };

/** An event as it was logged: what the store keeps of a LogEvent. */
export type LoggedEvent = StoredEvent & LogEvent;

/**
 * One thread's log in its store. The runtime writes events only through here, typed; the
 * store itself knows kinds only as strings.
 */
export class ThreadLog {
  constructor(
    readonly store: ThreadStore,
    readonly threadId: string,
  ) {}

  append(turnId: string | null, event: LogEvent): void {
    this.store.append(this.threadId, turnId, event.kind, event.data);
  }

  /** Every event, in order (each was written by append, so each is a LogEvent). */
  events(): LoggedEvent[] {
    return this.store.events(this.threadId) as LoggedEvent[];
  }
}

export type ReplayedThread = {
  history: HistoryItem[];
  turns: Turn[];
  usage: Usage;
  /** A turn that started and never completed (the process died mid-turn). */
  unfinishedTurnId: string | null;
  /** When that turn started. */
  unfinishedStartedAtMs: number | null;
  /** How many leading history items are the thread's fixed context (kept by compaction). */
  preamble: number;
  instructionSources: string[];
  scopedRuleIds: string[];
  /** The MCP tool names in the order the thread offers them (thread-tools.ts). */
  mcpToolOrder: string[];
  /** Questions of the unfinished turn still waiting for an answer. */
  pendingApprovalIds: string[];
};

export const ZERO_USAGE: Usage = {
  inputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteInputTokens: 0,
  outputTokens: 0,
  reasoningOutputTokens: 0,
  totalTokens: 0,
};

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteInputTokens: a.cacheWriteInputTokens + b.cacheWriteInputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningOutputTokens: a.reasoningOutputTokens + b.reasoningOutputTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

export function replay(events: readonly LoggedEvent[]): ReplayedThread {
  const history: HistoryItem[] = [];
  const turns: Turn[] = [];
  const startedMs = new Map<string, number>();
  let usage = ZERO_USAGE;
  let open: Turn | null = null;
  let preamble = 0;
  let instructionSources: string[] = [];
  const scopedRuleIds: string[] = [];
  let mcpToolOrder: string[] = [];
  const asked = new Map<string, string>(); // approvalId → turnId, while unanswered
  let inPreamble = true;
  for (const event of events) {
    switch (event.kind) {
      case 'history':
        history.push(event.data.item);
        if (inPreamble && event.turnId === null) preamble++;
        else inPreamble = false;
        break;
      case 'context':
        if (event.data.instructionSources) instructionSources = event.data.instructionSources;
        scopedRuleIds.push(...(event.data.scopedRuleIds ?? []));
        if (event.data.mcpToolOrder) mcpToolOrder = event.data.mcpToolOrder;
        break;
      case 'approvalRequested':
        asked.set(event.data.approvalId, event.turnId ?? '');
        break;
      case 'approval':
        asked.delete(event.data.approvalId);
        break;
      case 'compacted':
        history.splice(0, history.length, ...event.data.history);
        break;
      case 'turnStarted':
        inPreamble = false;
        open = {
          id: event.turnId!,
          items: [],
          status: 'inProgress',
          error: null,
          startedAt: sec(event.data.startedAtMs),
        };
        startedMs.set(open.id, event.data.startedAtMs);
        turns.push(open);
        break;
      case 'item':
        open?.items.push(event.data.item);
        break;
      case 'usage':
        usage = addUsage(usage, event.data.last);
        break;
      case 'turnCompleted':
        if (open && open.id === event.turnId) {
          open.status = event.data.status;
          open.error = event.data.error;
          open.completedAt = sec(event.data.completedAtMs);
          open.durationMs =
            event.data.completedAtMs - (startedMs.get(open.id) ?? event.data.completedAtMs);
          open = null;
        }
        break;
    }
  }
  return {
    history,
    turns,
    usage,
    unfinishedTurnId: open ? open.id : null,
    unfinishedStartedAtMs: open ? (startedMs.get(open.id) ?? null) : null,
    preamble,
    instructionSources,
    scopedRuleIds,
    mcpToolOrder,
    pendingApprovalIds: open
      ? [...asked].filter(([, turnId]) => turnId === open!.id).map(([id]) => id)
      : [],
  };
}

export function sec(ms: number): number {
  return Math.floor(ms / 1000);
}
