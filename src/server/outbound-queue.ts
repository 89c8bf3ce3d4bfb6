// What a connection has to send but its transport cannot take yet. Bounded in messages and
// bytes: the connection asks `push` and learns when the bound is exceeded, so it can drop the
// client instead of buffering without limit for a client that stopped reading.
import type { MessageTransport } from '../protocol/transport.ts';

export type QueueBounds = { maxMessages: number; maxBytes: number };

export class OutboundQueue {
  // `items[head…]` wait; the consumed prefix is reclaimed in drain(), not shifted per message.
  private items: { text: string; bytes: number }[] = [];
  private head = 0;
  private bytes = 0;
  /** The transport reported back-pressure and has not drained since. */
  private blocked = false;

  constructor(
    private readonly transport: MessageTransport,
    private readonly bounds: QueueBounds,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get byteLength(): number {
    return this.bytes;
  }

  /** Sends now or queues; false when the queue is past its bound (the caller drops the peer). */
  push(text: string): boolean {
    if (!this.blocked) {
      this.blocked = !this.transport.send(text);
      return true;
    }
    const bytes = Buffer.byteLength(text);
    this.items.push({ text, bytes });
    this.bytes += bytes;
    return this.length <= this.bounds.maxMessages && this.bytes <= this.bounds.maxBytes;
  }

  /** The transport has room again: send in order until it pushes back. */
  drain(): void {
    this.blocked = false;
    while (!this.blocked && this.head < this.items.length) {
      const next = this.items[this.head]!;
      this.head++;
      this.bytes -= next.bytes;
      this.blocked = !this.transport.send(next.text);
    }
    if (this.head === this.items.length) this.clear();
    else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
  }
}
