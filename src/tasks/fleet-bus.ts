// The fleet's live events on Redis: pub/sub channels between the workers that run threads and
// tasks and the fronts that have clients, plus the few shared flags they need.
//
//   yoke:tasks            task updates (published once stored), to every front
//   yoke:thread:<id>      one thread's notifications and approval questions, to the fronts
//                         whose clients watch it
//   yoke:control          fronts → workers: answers to approvals, cancel and interrupt requests
//   yoke:cancel:<task>    a cancel request, kept a day: a worker that takes the task later sees it
//
// Which worker runs a thread is not kept here: BullMQ's job lock says which worker holds a task,
// and the store's log fence refuses a second writer to a thread.
//
// Pub/sub delivers at most once; what must not be lost is in the store, and senders that need
// an effect (an approval answer) repeat until they see it.
import type { Redis } from 'ioredis';

const CANCEL_TTL_S = 24 * 60 * 60;

export type BusMessage = Record<string, unknown> & { type: string };

export class FleetBus {
  private readonly handlers = new Map<string, Set<(message: BusMessage) => void>>();
  private closed = false;

  constructor(
    private readonly commands: Redis,
    private readonly subscriber: Redis,
    private readonly log: (line: string) => void,
    private readonly prefix = 'yoke',
  ) {
    subscriber.on('message', (channel: string, text: string) => {
      const set = this.handlers.get(channel);
      if (!set) return;
      let message: BusMessage;
      try {
        message = JSON.parse(text) as BusMessage;
      } catch {
        return;
      }
      for (const handler of set) {
        try {
          handler(message);
        } catch (err) {
          this.log(`bus: a handler of ${channel} failed: ${(err as Error).message}`);
        }
      }
    });
  }

  channel(name: 'tasks' | 'control' | `thread:${string}`): string {
    return `${this.prefix}:${name}`;
  }

  publish(channel: string, message: BusMessage): void {
    if (this.closed) return;
    this.commands.publish(channel, JSON.stringify(message)).catch((err: Error) => {
      this.log(`bus: could not publish to ${channel}: ${err.message}`);
    });
  }

  /** Listens on a channel (subscribed while anyone listens); answers the unsubscribe. */
  subscribe(channel: string, handler: (message: BusMessage) => void): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      this.subscriber.subscribe(channel).catch((err: Error) => {
        this.log(`bus: could not subscribe to ${channel}: ${err.message}`);
      });
    }
    set.add(handler);
    return () => {
      const current = this.handlers.get(channel);
      if (!current?.delete(handler) || current.size > 0) return;
      this.handlers.delete(channel);
      if (!this.closed) this.subscriber.unsubscribe(channel).catch(() => {});
    };
  }

  /** Resolves once the subscriptions made so far are active. */
  async subscribed(): Promise<void> {
    // Commands on one connection run in order: a PING answered after the SUBSCRIBEs.
    await this.subscriber.ping();
  }

  async requestCancel(taskId: string): Promise<void> {
    await this.commands.set(`${this.prefix}:cancel:${taskId}`, '1', 'EX', CANCEL_TTL_S);
    this.publish(this.channel('control'), { type: 'cancel', taskId });
  }

  async cancelRequested(taskId: string): Promise<boolean> {
    return (await this.commands.exists(`${this.prefix}:cancel:${taskId}`)) === 1;
  }

  close(): void {
    this.closed = true;
    this.subscriber.disconnect();
    this.commands.disconnect();
  }
}
