// A message transport: whole JSON-RPC messages as text, in both directions. stdio (JSONL),
// WebSocket (one text frame each) and the in-memory pair below all implement it, so the server
// connection and the client never see framing.
//
// Flow control follows Node streams: `send` always accepts the message and returns false once
// the transport's own buffer is over its high-water mark; `onDrain` fires when it has room
// again. A sender that ignores the return value (the client) still works — it just buffers.

export interface MessageTransport {
  send(text: string): boolean;
  onMessage(handler: (text: string) => void): void;
  /** Fires once, when either side closed or the underlying channel failed. */
  onClose(handler: (reason: string) => void): void;
  onDrain(handler: () => void): void;
  close(reason?: string): void;
}

/**
 * Two connected in-memory transports (one process hosts both the client and the server, as
 * `yoke exec` does). Delivery is asynchronous (a microtask) so neither side re-enters the other
 * while it is still handling a message, and in order. Messages sent before the peer registered
 * its first `onMessage` handler are held, not lost.
 */
export function createMemoryTransportPair(): [MessageTransport, MessageTransport] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class MemoryEnd implements MessageTransport {
  peer: MemoryEnd | null = null;
  private readonly messageHandlers: ((text: string) => void)[] = [];
  private readonly closeHandlers: ((reason: string) => void)[] = [];
  private readonly held: string[] = [];
  private closed = false;

  send(text: string): boolean {
    const peer = this.peer;
    if (this.closed || !peer) return true;
    queueMicrotask(() => peer.receive(text));
    return true;
  }

  onMessage(handler: (text: string) => void): void {
    this.messageHandlers.push(handler);
    if (this.messageHandlers.length === 1 && this.held.length > 0) {
      const held = this.held.splice(0);
      for (const text of held) this.receive(text);
    }
  }

  onClose(handler: (reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  onDrain(): void {
    // Never applies back-pressure: memory is the buffer.
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.finish(reason);
    const peer = this.peer;
    // The peer learns after the messages already on their way, as over a real channel.
    if (peer) queueMicrotask(() => peer.finish(reason));
  }

  private receive(text: string): void {
    if (this.closed) return;
    if (this.messageHandlers.length === 0) {
      this.held.push(text);
      return;
    }
    for (const handler of this.messageHandlers) handler(text);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const handler of this.closeHandlers.splice(0)) handler(reason);
  }
}
