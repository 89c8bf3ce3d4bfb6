// A fleet's agent threads (docs/fleet.md): workers keep their tasks' threads in the shared
// store and tell the fronts what happens in them; fronts read them from there, relay them live
// to their clients, and send their clients' approval answers back.
//
//   worker → yoke:thread:<id>   each notification, question and resolution of a thread it
//                               runs, once the store has what it says (afterWrites)
//   front  → yoke:control       `pending` (send me the open questions of <id>) and `answer`
//                               (repeated until the thread's `resolved` is seen: pub/sub is
//                               at-most-once); the worker running the thread applies the first
//                               answer and announces it to every front
import type { ServerNotification } from '../protocol/methods.ts';
import type { Thread } from '../protocol/thread.ts';
import { MirroredThreadStore } from '../store/mirrored-thread-store.ts';
import type { Store } from '../store/store.ts';
import type { ThreadPage } from '../store/thread-pages.ts';
import type { ThreadQuery } from '../store/thread-store.ts';
import type { BusMessage, FleetBus } from '../tasks/fleet-bus.ts';
import type { ApprovalAnswer, PendingApproval } from './approvals.ts';
import type { ThreadSettings } from './session-types.ts';
import type { SharedThreadHooks } from './task-agent.ts';
import { replay, type LoggedEvent } from './thread-log.ts';
import { storedThread, type ThreadManager } from './thread-manager.ts';
import type { ThreadSession } from './thread-session.ts';

/** How often a front repeats an answer until the worker says it is applied. */
const ANSWER_EVERY_MS = 1000;
/** When a front stops repeating an answer nobody takes (the thread ended, its worker died). */
const ANSWER_GIVE_UP_MS = 10 * 60_000;

/** A question as it crosses processes. */
export type RemoteApproval = Pick<PendingApproval, 'id' | 'method' | 'params'>;

/** What a front hears of a thread run by a worker. */
export type RemoteThreadEvent =
  | { type: 'notification'; notification: ServerNotification }
  | { type: 'approval'; approval: RemoteApproval }
  | { type: 'resolved'; approvalId: string };

export type RemoteThread = {
  thread: Thread;
  settings: ThreadSettings;
  instructionSources: string[];
};

/** A front's view of the threads its workers run (the App Server's port). */
export interface SharedThreads {
  /** The thread as the shared store has it (with its turns), or null when it has none. */
  read(threadId: string): Promise<RemoteThread | null>;
  /** A page of the shared store's threads (a front lists them with its own: thread/list). */
  list(query: ThreadQuery): Promise<ThreadPage>;
  /** Listens to a thread's live events; resolves once listening (then asks for open questions). */
  watch(threadId: string, listener: (event: RemoteThreadEvent) => void): Promise<() => void>;
  /** Asks the worker running the thread to send its open questions again. */
  askPending(threadId: string): void;
  /** Sends an answer to the worker running the thread, until it is applied (or moot). */
  answer(threadId: string, approvalId: string, answer: ApprovalAnswer, by: string): void;
  close(): void;
}

/** The worker's side: the threads' store, the task steps' hooks, the control channel. */
export class WorkerThreads implements SharedThreadHooks {
  readonly store: MirroredThreadStore;
  private readonly relayed = new Map<string, ThreadSession>();
  private readonly offs: (() => void)[] = [];

  constructor(
    private readonly shared: Store,
    private readonly bus: FleetBus,
    log: (line: string) => void,
  ) {
    this.store = new MirroredThreadStore(shared.threads, log);
    this.offs.push(
      bus.subscribe(bus.channel('control'), (m) => this.onControl(m)),
      // The shared log moved on without this process: another worker runs the thread now.
      shared.onConflict((c) => {
        if (c.entity === 'thread') void this.relayed.get(c.id)?.interrupt();
      }),
    );
  }

  /** Loads the shared store's copy of a thread this process does not hold (a takeover). */
  async prepare(threadId: string, manager: ThreadManager): Promise<void> {
    if (manager.loaded(threadId)) return;
    const row = await this.shared.threads.getThread(threadId);
    if (!row) {
      this.store.forget(threadId);
      return;
    }
    // Reading the log makes this process its writer, from its end.
    this.store.import(row, await this.shared.threads.events(threadId));
  }

  relay(session: ThreadSession): () => void {
    this.relayed.set(session.id, session);
    // A turn the dead worker left was closed when the thread loaded, before anyone listened:
    // its end goes out first, before anything of the new turn.
    for (const notification of session.takeRecoveryNotices())
      this.publish(session.id, { type: 'notification', notification });
    const off = session.subscribe((event) => {
      if (event.type === 'notification')
        this.publish(session.id, { type: 'notification', notification: event.notification });
      else if (event.type === 'approvalRequested')
        this.publish(session.id, { type: 'approval', approval: wire(event.approval) });
      else if (event.type === 'approvalResolved')
        this.publish(session.id, { type: 'resolved', approvalId: event.approval.id });
    });
    return () => {
      off();
      if (this.relayed.get(session.id) === session) this.relayed.delete(session.id);
    };
  }

  /** The step is over and the thread unloaded: the shared store keeps it, this copy goes. */
  unloaded(threadId: string): void {
    this.store.forget(threadId);
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
  }

  private publish(threadId: string, event: RemoteThreadEvent): void {
    // Nothing is told that is not stored.
    this.shared.afterWrites(() =>
      this.bus.publish(this.bus.channel(`thread:${threadId}`), event as BusMessage),
    );
  }

  private onControl(m: BusMessage): void {
    const session = typeof m.threadId === 'string' ? this.relayed.get(m.threadId) : undefined;
    if (!session) return; // another worker's thread, or none running
    if (m.type === 'pending') {
      for (const approval of session.pendingApprovals)
        this.publish(session.id, { type: 'approval', approval: wire(approval) });
    } else if (m.type === 'answer' && typeof m.approvalId === 'string') {
      if (session.pendingApprovals.some((a) => a.id === m.approvalId)) {
        // The first answer wins (resolveApproval refuses the later ones).
        try {
          session.resolveApproval(m.approvalId, m.answer as ApprovalAnswer, `remote:${m.by}`);
        } catch {
          // answered meanwhile
        }
      } else {
        // Answered already (a repeat): say so again, the sender may have missed it.
        this.publish(session.id, { type: 'resolved', approvalId: m.approvalId });
      }
    }
  }
}

const wire = (a: PendingApproval): RemoteApproval =>
  ({ id: a.id, method: a.method, params: a.params }) as RemoteApproval;

/** The front's side: reads from the shared store, live events and answers on the bus. */
export class FrontThreads implements SharedThreads {
  /** approval keys being sent, with how to stop sending. */
  private readonly answering = new Map<string, () => void>();

  constructor(
    private readonly shared: Store,
    private readonly bus: FleetBus,
  ) {}

  async read(threadId: string): Promise<RemoteThread | null> {
    const row = await this.shared.threads.getThread(threadId);
    if (!row) return null;
    const state = replay((await this.shared.threads.events(threadId)) as LoggedEvent[]);
    const status: Thread['status'] = state.unfinishedTurnId
      ? {
          type: 'active',
          activeFlags: state.pendingApprovalIds.length ? ['waitingOnApproval'] : [],
        }
      : { type: 'notLoaded' };
    return {
      thread: storedThread(row, false, state.turns, status),
      settings: {
        model: row.model ?? '',
        modelProvider: row.modelProvider,
        cwd: row.cwd,
        ...(row.settings as Partial<ThreadSettings>),
      } as ThreadSettings,
      instructionSources: state.instructionSources,
    };
  }

  list(query: ThreadQuery): Promise<ThreadPage> {
    return this.shared.threads.listThreads(query);
  }

  async watch(threadId: string, listener: (event: RemoteThreadEvent) => void): Promise<() => void> {
    const off = this.bus.subscribe(this.bus.channel(`thread:${threadId}`), (m) =>
      listener(m as unknown as RemoteThreadEvent),
    );
    await this.bus.subscribed();
    this.askPending(threadId);
    return off;
  }

  askPending(threadId: string): void {
    this.bus.publish(this.bus.channel('control'), { type: 'pending', threadId });
  }

  answer(threadId: string, approvalId: string, answer: ApprovalAnswer, by: string): void {
    const key = `${threadId}/${approvalId}`;
    if (this.answering.has(key)) return;
    const send = () =>
      this.bus.publish(this.bus.channel('control'), {
        type: 'answer',
        threadId,
        approvalId,
        answer,
        by,
      });
    const offBus = this.bus.subscribe(this.bus.channel(`thread:${threadId}`), (m) => {
      const event = m as unknown as RemoteThreadEvent;
      if (
        (event.type === 'resolved' && event.approvalId === approvalId) ||
        (event.type === 'notification' && event.notification.method === 'turn/completed')
      )
        stop();
    });
    const every = setInterval(send, ANSWER_EVERY_MS);
    const giveUp = setTimeout(() => stop(), ANSWER_GIVE_UP_MS);
    const stop = () => {
      clearInterval(every);
      clearTimeout(giveUp);
      offBus();
      this.answering.delete(key);
    };
    this.answering.set(key, stop);
    void this.bus.subscribed().then(send);
  }

  close(): void {
    for (const stop of [...this.answering.values()]) stop();
  }
}
