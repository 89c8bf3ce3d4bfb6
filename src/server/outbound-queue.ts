// What a connection has to send but its transport cannot take yet. Bounded in messages and
// bytes: the connection asks `push` and learns when the bound is exceeded, so it can drop the
// client instead of buffering without limit for a client that stopped reading.
//
// Two byte bounds. Ordinary messages (deltas, notices, answers — each at most `maxBytes`) that
// pile up past `maxBytes` mean the client is not reading: it is dropped. A message larger than
// that on its own (a long thread's thread/resume result, a huge item and the turn/completed
// that repeats it, sent in one burst) is let wait for a client that reads, as long as all that
// waits behind the oldest message stays under LARGE_FACTOR × maxBytes. What a stuck client
// costs is therefore bounded (plus the transport's own buffer), and a reader is not dropped
// for one burst of big messages.
import type { MessageTransport } from '../protocol/transport.ts';

export type QueueBounds = { maxMessages: number; maxBytes: number };

/** How many times maxBytes may wait in total, large messages included. */
export const LARGE_FACTOR = 8;

type Entry = { text: string; bytes: number; large: boolean };

export class OutboundQueue {
  // `items[head…]` wait; the consumed prefix is reclaimed in drain(), not shifted per message.
  private items: Entry[] = [];
  private head = 0;
  private bytes = 0;
  /** Bytes of the waiting messages that are not large on their own. */
  private ordinaryBytes = 0;
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
    const large = bytes > this.bounds.maxBytes;
    this.items.push({ text, bytes, large });
    this.bytes += bytes;
    if (!large) this.ordinaryBytes += bytes;
    const behindHead = this.bytes - this.items[this.head]!.bytes;
    return (
      this.length <= this.bounds.maxMessages &&
      this.ordinaryBytes <= this.bounds.maxBytes &&
      behindHead <= this.bounds.maxBytes * LARGE_FACTOR
    );
  }

  /** The transport has room again: send in order until it pushes back. */
  drain(): void {
    this.blocked = false;
    while (!this.blocked && this.head < this.items.length) {
      const next = this.items[this.head]!;
      this.head++;
      this.bytes -= next.bytes;
      if (!next.large) this.ordinaryBytes -= next.bytes;
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
    this.ordinaryBytes = 0;
  }
}
