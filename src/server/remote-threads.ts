// A fleet front's subscriptions to threads its workers run (runtime/fleet-threads.ts): the
// thread's notifications go to every subscribed connection as they arrive from the worker, its
// questions go out as server→client requests, and an answer goes back to the worker. The worker
// applies the first answer and announces it; everyone who was asked then gets
// `serverRequest/resolved` with the id the request had on their connection.
import type { ApprovalAnswer } from '../runtime/approvals.ts';
import type { RemoteApproval, RemoteThreadEvent, SharedThreads } from '../runtime/fleet-threads.ts';
import type { ConnectionContext } from './router.ts';

type Asked = { ctx: ConnectionContext; requestId: number; cancel: AbortController };

type Watched = {
  subscribers: Set<ConnectionContext>;
  listening: Promise<() => void>;
  /** approvalId → the turn that asked, and who was asked. */
  asked: Map<string, { turnId: string; by: Asked[] }>;
  /** Questions answered (a late copy of one is not asked again). */
  resolved: Set<string>;
};

export class RemoteThreads {
  private readonly watched = new Map<string, Watched>();

  constructor(readonly shared: SharedThreads) {}

  /** Subscribes `ctx`; resolves once the thread's events are heard (open questions follow). */
  async subscribe(threadId: string, ctx: ConnectionContext): Promise<void> {
    let w = this.watched.get(threadId);
    if (!w) {
      const created: Watched = {
        subscribers: new Set(),
        asked: new Map(),
        resolved: new Set(),
        listening: this.shared.watch(threadId, (event) => this.onEvent(threadId, created, event)),
      };
      this.watched.set(threadId, (w = created));
      w.subscribers.add(ctx);
      await w.listening;
      return;
    }
    const fresh = !w.subscribers.has(ctx);
    w.subscribers.add(ctx);
    await w.listening;
    if (fresh) this.shared.askPending(threadId);
  }

  /** Returns whether `ctx` was subscribed. */
  unsubscribe(threadId: string, ctx: ConnectionContext): boolean {
    const w = this.watched.get(threadId);
    if (!w?.subscribers.delete(ctx)) return false;
    if (w.subscribers.size === 0) {
      this.watched.delete(threadId);
      void w.listening.then((off) => off());
      for (const { by } of w.asked.values()) for (const a of by) a.cancel.abort();
    }
    return true;
  }

  watches(threadId: string): boolean {
    return this.watched.has(threadId);
  }

  /** A connection closed: it is dropped everywhere. */
  dropConnection(ctx: ConnectionContext): void {
    for (const threadId of [...this.watched.keys()]) this.unsubscribe(threadId, ctx);
  }

  close(): void {
    for (const [threadId, w] of [...this.watched])
      for (const ctx of [...w.subscribers]) this.unsubscribe(threadId, ctx);
    this.shared.close();
  }

  private onEvent(threadId: string, w: Watched, event: RemoteThreadEvent): void {
    if (event.type === 'notification') {
      const { notification } = event;
      for (const ctx of w.subscribers) ctx.notify(notification);
      // A question of a turn that is over is moot (its worker died: the next one asks anew).
      if (notification.method === 'turn/started' || notification.method === 'turn/completed') {
        const turnId = notification.params.turn.id;
        const over = (id: string) =>
          notification.method === 'turn/started' ? id !== turnId : id === turnId;
        for (const [approvalId, asked] of [...w.asked])
          if (over(asked.turnId)) this.settle(threadId, w, approvalId);
      }
    } else if (event.type === 'approval') {
      if (w.resolved.has(event.approval.id)) return;
      for (const ctx of w.subscribers) this.ask(threadId, w, event.approval, ctx);
    } else if (event.type === 'resolved') {
      this.settle(threadId, w, event.approvalId);
    }
  }

  /** Answered (or moot): everyone who was asked hears it, with their own request id. */
  private settle(threadId: string, w: Watched, approvalId: string): void {
    w.resolved.add(approvalId);
    for (const { ctx, requestId, cancel } of w.asked.get(approvalId)?.by ?? []) {
      cancel.abort();
      ctx.notify({ method: 'serverRequest/resolved', params: { threadId, requestId } });
    }
    w.asked.delete(approvalId);
  }

  private ask(
    threadId: string,
    w: Watched,
    approval: RemoteApproval,
    ctx: ConnectionContext,
  ): void {
    const entry = w.asked.get(approval.id) ?? { turnId: approval.params.turnId, by: [] };
    if (entry.by.some((a) => a.ctx === ctx)) return; // asked already (a repeat of the question)
    const cancel = new AbortController();
    const answered = (answer: ApprovalAnswer) =>
      this.shared.answer(threadId, approval.id, answer, ctx.connectionId);
    // Cancelled (answered elsewhere) or the connection closed: others may still answer.
    const ignored = () => {};
    const pending = ctx.startRequest(approval.method, approval.params, { signal: cancel.signal });
    if (approval.method === 'mcpServer/elicitation/request')
      pending.result.then((response) => answered(response as ApprovalAnswer), ignored);
    else
      pending.result.then(
        (result) => answered((result as { decision: ApprovalAnswer }).decision),
        ignored,
      );
    entry.by.push({ ctx, requestId: pending.id, cancel });
    w.asked.set(approval.id, entry);
  }
}
