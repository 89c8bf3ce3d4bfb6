// What a loaded thread is made of, and the one place it changes: the model-visible history,
// the turns and their items, the token usage and the metadata — each change stored in the
// thread's log (typed) and told to the thread's listeners as it happens.
import type { HistoryItem, Usage } from '../models/types.ts';
import type { ThreadItem } from '../protocol/items.ts';
import type { ServerNotification } from '../protocol/methods.ts';
import type { ThreadStatus, Turn } from '../protocol/thread.ts';
import type { ApprovalAnswer, PendingApproval } from './approvals.ts';
import type { SessionEvent, ThreadMeta, TurnResult } from './session-types.ts';
import { addUsage, sec, type LogEvent, type ReplayedThread, type ThreadLog } from './thread-log.ts';

type Listener = (event: SessionEvent) => void;
type TurnEnd = Extract<LogEvent, { kind: 'turnCompleted' }>['data'];

export class ThreadJournal {
  readonly history: HistoryItem[];
  readonly turns: Turn[];
  private total: Usage;
  /** The end of a turn the store refused to take (saved before the next turn starts). */
  private unsavedEnd: { turnId: string; data: TurnEnd } | null = null;
  private readonly listeners = new Set<Listener>();

  constructor(
    readonly log: ThreadLog,
    state: Pick<ReplayedThread, 'history' | 'turns' | 'usage'>,
    readonly meta: ThreadMeta,
    /** The thread's status now (it depends on the running turn and its approvals). */
    private readonly status: () => ThreadStatus,
  ) {
    this.history = state.history;
    this.turns = state.turns;
    this.total = state.usage;
  }

  get id(): string {
    return this.log.threadId;
  }

  /** Tokens used by every model request of the thread so far. */
  get usage(): Usage {
    return this.total;
  }

  /** Whether anyone listens to this thread's events. */
  get listened(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(turnId: string | null, event: LogEvent): void {
    this.log.append(turnId, event);
  }

  // Each change is stored first, then held: when the store refuses a write (a full disk),
  // what the thread holds stays exactly what was saved.

  appendHistory(turnId: string | null, item: HistoryItem): void {
    this.record(turnId, { kind: 'history', data: { item } });
    if (turnId === null && this.turns.length === 0) this.meta.preamble++;
    this.history.push(item);
  }

  /** Compaction: the one rewrite of history. */
  replaceHistory(turnId: string, history: HistoryItem[]): void {
    this.record(turnId, { kind: 'compacted', data: { history } });
    this.history.splice(0, this.history.length, ...history);
  }

  /** A model request's usage: added to the total, stored, and told. */
  addUsage(turnId: string, last: Usage, contextWindow: number): void {
    this.total = addUsage(this.total, last);
    this.record(turnId, { kind: 'usage', data: { last } });
    this.send({ type: 'usage', turnId, usage: last });
    this.emit({
      method: 'thread/tokenUsage/updated',
      params: {
        threadId: this.id,
        turnId,
        tokenUsage: { total: this.total, last, modelContextWindow: contextWindow },
      },
    });
  }

  itemStarted(turnId: string, item: ThreadItem): void {
    this.emit({
      method: 'item/started',
      params: { threadId: this.id, turnId, item, startedAtMs: Date.now() },
    });
  }

  itemCompleted(turn: Turn, item: ThreadItem): void {
    this.record(turn.id, { kind: 'item', data: { item } });
    turn.items.push(item);
    this.emit({
      method: 'item/completed',
      params: { threadId: this.id, turnId: turn.id, item, completedAtMs: Date.now() },
    });
  }

  /** A turn begins: stored at once, so whoever reads the thread next sees it. */
  turnStarted(turn: Turn, startedAtMs: number): void {
    if (this.unsavedEnd) {
      this.record(this.unsavedEnd.turnId, { kind: 'turnCompleted', data: this.unsavedEnd.data });
      this.unsavedEnd = null;
    }
    this.record(turn.id, { kind: 'turnStarted', data: { startedAtMs } });
    this.turns.push(turn);
  }

  /**
   * A turn ends: its status stored and told. The turn ends even when the store refuses the
   * write (a failing store is why some turns fail): on the next load it is repaired.
   */
  turnCompleted(turn: Turn, result: TurnResult, startedAtMs: number): void {
    const completedAtMs = Date.now();
    turn.status = result.status;
    turn.error = result.error;
    turn.completedAt = sec(completedAtMs);
    turn.durationMs = completedAtMs - startedAtMs;
    const data: TurnEnd = { status: result.status, error: result.error, completedAtMs };
    try {
      this.record(turn.id, { kind: 'turnCompleted', data });
    } catch {
      // Not stored: saved before the next turn starts; a reload meanwhile repairs the turn.
      this.unsavedEnd = { turnId: turn.id, data };
      return;
    }
    try {
      this.touch();
    } catch {
      // Only the thread's list position: the next stored turn moves it.
    }
  }

  /**
   * How a turn's end is told, once it is stored and the thread is idle again: its error (if
   * any), the thread's status, then turn/completed with the turn's summary.
   */
  turnEndNotices(turn: Turn, result: Pick<TurnResult, 'status' | 'error'>): ServerNotification[] {
    const notices: ServerNotification[] = [];
    if (result.error) {
      notices.push({
        method: 'error',
        params: { threadId: this.id, turnId: turn.id, error: result.error, willRetry: false },
      });
    }
    notices.push({
      method: 'thread/status/changed',
      params: { threadId: this.id, status: this.status() },
    });
    const last = [...turn.items].reverse().find((i) => i.type === 'agentMessage');
    const items = last && result.status === 'completed' ? [last] : [];
    notices.push({
      method: 'turn/completed',
      params: { threadId: this.id, turn: { ...turn, items, itemsView: 'summary' } },
    });
    return notices;
  }

  /** A question went out: stored (it outlives the process), the thread now waits. */
  approvalRequested(approval: PendingApproval): void {
    const { turnId, itemId } = approval.params;
    this.record(turnId, {
      kind: 'approvalRequested',
      data: { approvalId: approval.id, method: approval.method, itemId },
    });
    this.emitStatus();
    this.send({ type: 'approvalRequested', approval });
  }

  /** A question was answered: who decided what, when — for audit. */
  approvalResolved(approval: PendingApproval, answer: ApprovalAnswer, by: string): void {
    const { turnId, itemId } = approval.params;
    this.record(turnId, {
      kind: 'approval',
      data: {
        approvalId: approval.id,
        itemId,
        method: approval.method,
        decision: answer,
        by,
        atMs: Date.now(),
      },
    });
    this.send({ type: 'approvalResolved', approval, decision: answer, by });
    this.emitStatus();
  }

  /** Marks the thread changed now (turn boundaries, settings, preview) in the row and here. */
  touch(fields: { preview?: string; settings?: Record<string, unknown> } = {}): void {
    const updatedAt = Date.now();
    this.log.store.touchThread(this.id, { ...fields, updatedAt });
    this.meta.updatedAt = updatedAt;
  }

  emitStatus(): void {
    this.emit({
      method: 'thread/status/changed',
      params: { threadId: this.id, status: this.status() },
    });
  }

  emit(notification: ServerNotification): void {
    this.send({ type: 'notification', notification });
  }

  /** A listener that throws is its own problem: the others, and the turn, go on. */
  send(event: SessionEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // Listeners (the App Server, the task runner) handle their own errors.
      }
    }
  }
}
