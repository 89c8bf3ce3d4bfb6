// A MessageTransport over a WebSocket, for the browser and for Node. Browser-safe: it uses the
// global WebSocket when there is one and only loads `ws` (by a dynamic import a bundler leaves
// alone) in Node, or when headers must be sent — browsers cannot set them on a WebSocket.
import type { MessageTransport } from '../protocol/transport.ts';
import { ClientError } from './client-error.ts';

export type WebSocketTransportOptions = {
  /** Sent as `Authorization: Bearer <token>` (Node only). */
  authToken?: string;
  /** Extra handshake headers (Node only), e.g. an Origin for tests. */
  headers?: Record<string, string>;
};

type SocketEvent = { data?: unknown; code?: number; reason?: string; message?: string };
type SocketLike = {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: SocketEvent) => void): void;
};
type SocketCtor = new (url: string, options?: { headers: Record<string, string> }) => SocketLike;

const OPEN = 1;
// A variable, so bundlers for the browser do not try to resolve Node's `ws`.
const WS_MODULE = 'ws';

async function socketConstructor(needsHeaders: boolean): Promise<SocketCtor> {
  const builtin = (globalThis as { WebSocket?: SocketCtor }).WebSocket;
  if (builtin && !needsHeaders) return builtin;
  try {
    const mod = (await import(/* @vite-ignore */ WS_MODULE)) as { WebSocket: SocketCtor };
    return mod.WebSocket;
  } catch {
    throw new ClientError(
      'unsupported',
      needsHeaders
        ? 'this environment cannot send headers on a WebSocket (no `ws` module)'
        : 'no WebSocket implementation available',
    );
  }
}

/** Connects and resolves once the socket is open; rejects with ClientError 'connect_failed'. */
export async function connectWebSocket(
  url: string,
  options: WebSocketTransportOptions = {},
): Promise<MessageTransport> {
  const headers = { ...options.headers };
  if (options.authToken !== undefined) headers.Authorization = `Bearer ${options.authToken}`;
  const needsHeaders = Object.keys(headers).length > 0;
  const Ctor = await socketConstructor(needsHeaders);
  const socket = needsHeaders ? new Ctor(url, { headers }) : new Ctor(url);

  const messageHandlers: ((text: string) => void)[] = [];
  const closeHandlers: ((reason: string) => void)[] = [];
  let closed = false;
  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const h of closeHandlers.splice(0)) h(reason);
  };

  await new Promise<void>((resolve, reject) => {
    let opened = false;
    socket.addEventListener('open', () => {
      opened = true;
      resolve();
    });
    socket.addEventListener('error', (event) => {
      if (opened) return finish(`socket failed: ${event.message ?? 'error'}`);
      reject(
        new ClientError(
          'connect_failed',
          `could not connect to ${url}: ${event.message ?? 'connection failed'}`,
        ),
      );
    });
    socket.addEventListener('close', (event) => {
      if (!opened) {
        reject(new ClientError('connect_failed', `could not connect to ${url} (${event.code})`));
      }
      finish(event.reason ? event.reason : `socket closed (${event.code ?? 'unknown'})`);
    });
  });

  socket.addEventListener('message', (event) => {
    // The protocol only uses text frames; anything else is not a message.
    if (closed || typeof event.data !== 'string') return;
    for (const h of messageHandlers) h(event.data);
  });

  return {
    send(text) {
      if (!closed && socket.readyState === OPEN) socket.send(text);
      return true;
    },
    onMessage: (h) => void messageHandlers.push(h),
    onClose: (h) => void closeHandlers.push(h),
    onDrain: () => {},
    close(reason) {
      if (closed) return;
      socket.close(1000);
      finish(reason ?? 'closed by client');
    },
  };
}
