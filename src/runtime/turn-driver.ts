// One running turn: its AbortController, the steering input waiting for the next model
// request, and the loop that feeds the engine's events into the thread's journal — stored,
// told — until the turn ends. Its `done` never rejects: whatever goes wrong inside ends the
// turn as failed with the reason, never the process.
import type { EngineEvent } from '../engine/events.ts';
import type { PendingInput } from '../engine/loop.ts';
import type { HistoryItem, Usage } from '../models/types.ts';
import type { ThreadItem } from '../protocol/items.ts';
import type { Turn } from '../protocol/thread.ts';
import type { TurnResult } from './session-types.ts';
import type { ThreadJournal } from './thread-journal.ts';
import { addUsage, sec, ZERO_USAGE } from './thread-log.ts';
import { notificationFor } from './turn-notifications.ts';
import { uuidv7 } from './ids.ts';
import { StoreError } from '../store/db.ts';

/** What a turn needs of its thread. */
export type TurnHost = {
  readonly journal: ThreadJournal;
  /** The current model's context window (for usage notifications). */
  contextWindow(): number;
  /** Context to add before the next model request once a tool touched `item`'s paths. */
  contextFor(turnId: string, item: ThreadItem): HistoryItem[];
  /** The turn is over: the thread is idle again (called before the end is told). */
  ended(turn: RunningTurn): void;
};

export type TurnPlan = {
  /** Runs once the turn may go out (after the reply to the request that started it). */
  prologue?: (turn: RunningTurn) => void;
  /** The engine's events for this turn. */
  events: (turn: RunningTurn) => AsyncIterable<EngineEvent>;
};

/** When a new turn may start running: at once, or when the caller says (see startTurn). */
export type Launch = (go: () => void) => void;

export const launchNow: Launch = (go) => go();

export class RunningTurn {
  readonly controller = new AbortController();
  readonly done: Promise<TurnResult>;
  private readonly queued: HistoryItem[] = [];
  private readonly arrived = new Set<() => void>();
  private readonly diffs: string[] = [];
  private usage: Usage = ZERO_USAGE;
  /** Work run beside the loop (a user's shell command); the turn ends after it. */
  private readonly auxiliaries = new Set<Promise<void>>();
  /** What auxiliaries queued for the model: kept in the history if no request took it. */
  private readonly auxiliaryRecords = new Set<HistoryItem>();

  constructor(
    private readonly host: TurnHost,
    readonly turn: Turn,
    readonly startedAtMs: number,
    plan: TurnPlan,
    launch: Launch = launchNow,
  ) {
    const launched = new Promise<void>((resolve) => launch(resolve));
    this.done = this.guard(async () => {
      await launched;
      plan.prologue?.(this);
      return this.drive(plan.events(this));
    });
  }

  /** A new turn's bookkeeping: stored at once (so it is seen), told when it may go out. */
  static begin(host: TurnHost, plan: TurnPlan, launch: Launch): RunningTurn {
    const startedAtMs = Date.now();
    const turn: Turn = {
      id: uuidv7(),
      items: [],
      status: 'inProgress',
      error: null,
      startedAt: sec(startedAtMs),
    };
    host.journal.turnStarted(turn, startedAtMs);
    return new RunningTurn(host, turn, startedAtMs, plan, launch);
  }

  get id(): string {
    return this.turn.id;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** turn/started, with the thread now active. */
  announce(): void {
    const { journal } = this.host;
    journal.emitStatus();
    journal.emit({
      method: 'turn/started',
      params: { threadId: journal.id, turn: { ...this.turn, items: [] } },
    });
  }

  /** Steering: input for the next model request (a request in flight restarts with it). */
  addInput(item: HistoryItem): void {
    this.queued.push(item);
    for (const listener of this.arrived) listener();
  }

  /** The engine's view of the steering queue. */
  get input(): PendingInput {
    return {
      take: () => this.queued.splice(0),
      onArrive: (listener) => {
        this.arrived.add(listener);
        return () => this.arrived.delete(listener);
      },
    };
  }

  /**
   * Runs `events` beside the loop, in this turn: its items are this turn's, what it adds to
   * the history goes to the model with its next request (as steering does), and the turn
   * ends only once it is over.
   */
  runAuxiliary(events: AsyncIterable<EngineEvent>): void {
    const run = (async () => {
      for await (const event of events) {
        if (event.type === 'turnEnd') continue;
        if (event.type === 'history') {
          this.auxiliaryRecords.add(event.item);
          this.addInput(event.item);
        } else this.onEvent(event);
      }
    })();
    const tracked = run.catch(() => {}).finally(() => this.auxiliaries.delete(tracked));
    this.auxiliaries.add(tracked);
  }

  private async guard(body: () => Promise<TurnResult>): Promise<TurnResult> {
    try {
      return await body();
    } catch (err) {
      return this.finish({
        status: 'failed',
        error: { message: turnFailure(err) },
        lastMessage: null,
      });
    }
  }

  private async drive(events: AsyncIterable<EngineEvent>): Promise<TurnResult> {
    for await (const event of events) {
      if (event.type === 'turnEnd') {
        while (this.auxiliaries.size) await Promise.all(this.auxiliaries);
        // What an auxiliary queued after the loop's last request: in the history for the next.
        for (const item of this.queued.filter((i) => this.auxiliaryRecords.has(i)))
          this.host.journal.appendHistory(this.turn.id, item);
        const error = event.error ? { message: event.error.message } : null;
        return this.finish({ status: event.status, error, lastMessage: event.lastMessage });
      }
      this.onEvent(event);
    }
    return this.finish({
      status: 'failed',
      error: { message: 'internal error: the turn ended without a reason' },
      lastMessage: null,
    });
  }

  private onEvent(event: Exclude<EngineEvent, { type: 'turnEnd' }>): void {
    const { journal } = this.host;
    const { turn } = this;
    switch (event.type) {
      case 'history':
        journal.appendHistory(turn.id, event.item);
        return;
      case 'historyReplaced':
        journal.replaceHistory(turn.id, event.history);
        return;
      case 'itemStarted':
        journal.itemStarted(turn.id, event.item);
        return;
      case 'itemCompleted':
        journal.itemCompleted(turn, event.item);
        for (const item of this.host.contextFor(turn.id, event.item)) this.queued.push(item);
        if (event.item.type === 'fileChange' && event.item.status === 'completed') {
          this.diffs.push(...event.item.changes.map((c) => c.diff));
          journal.emit({
            method: 'turn/diff/updated',
            params: { threadId: journal.id, turnId: turn.id, diff: this.diffs.join('') },
          });
        }
        return;
      case 'usage':
        this.usage = addUsage(this.usage, event.usage);
        journal.addUsage(turn.id, event.usage, this.host.contextWindow());
        return;
    }
    const notification = notificationFor(event, journal.id, turn.id);
    if (notification) journal.emit(notification);
  }

  /** The end, once: stored, the thread idle again, then told. */
  private finish(end: Omit<TurnResult, 'turnId' | 'usage'>): TurnResult {
    const { journal } = this.host;
    const result: TurnResult = { turnId: this.turn.id, usage: this.usage, ...end };
    journal.turnCompleted(this.turn, result, this.startedAtMs);
    this.host.ended(this);
    for (const notice of journal.turnEndNotices(this.turn, result)) journal.emit(notice);
    return result;
  }
}

/** The one line a turn that stopped on an exception ends with. */
function turnFailure(err: unknown): string {
  if (err instanceof StoreError)
    return `${err.message} — the turn stopped; the thread is kept as it was saved`;
  return `internal error: ${err instanceof Error ? err.message : String(err)}`;
}
