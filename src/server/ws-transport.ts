// The WebSocket listener: one JSON-RPC message per text frame, plus `GET /healthz` on the same
// port. Each accepted socket becomes a MessageTransport handed to `onConnection`.
//
// Safety, because a local agent server can run commands:
// - Every listener has a token: the upgrade must carry `Authorization: Bearer <token>` (401
//   otherwise), or pass `authorizeUpgrade`. Loopback is no boundary between the users of one
//   machine: any of them can reach 127.0.0.1. It binds loopback by default.
// - Browsers attach an `Origin` header to every WebSocket handshake and let any web page open a
//   socket to 127.0.0.1, so without a check a page the user merely visits could drive the agent
//   (cross-site WebSocket hijacking; DNS rebinding lands here too, with the attacker's origin).
//   Native clients send no Origin. So a handshake carrying an Origin is refused (403) unless the
//   origin is this server's own (http://127.0.0.1:PORT, http://localhost:PORT, http://[::1]:PORT,
//   for a UI it serves itself) or listed in `allowedOrigins`.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { encodeError, RpcErrorCode } from '../protocol/jsonrpc.ts';
import type { MessageTransport } from '../protocol/transport.ts';
import { ServerError } from './errors.ts';

export type ConnectionInfo = { remoteAddress: string; origin: string | null };

export type WsListenOptions = {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port; read it from the result). */
  port?: number;
  /** Required of every connection (16 characters at least). */
  authToken: string;
  /** Extra browser origins allowed to connect, e.g. "https://ui.example". Default none. */
  allowedOrigins?: readonly string[];
  /** Largest frame accepted; ws closes the socket (1009) beyond it. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Bytes handed to a socket but not yet written before send() reports back-pressure. */
  highWaterMarkBytes?: number;
  /** How long close() waits for clients to finish the close handshake before cutting them. */
  closeGraceMs?: number;
  onConnection: (transport: MessageTransport, info: ConnectionInfo) => void;
  /**
   * Plain HTTP requests other than `GET /healthz` (a web page served on the same port, for
   * instance). Answer the request and return true; return false to let it get the default
   * 404. It sees every request unauthenticated: check the token or origin yourself.
   */
  onHttpRequest?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /**
   * Accepts an upgrade that carries no valid bearer token — e.g. a page served by
   * onHttpRequest, whose browser sends a session cookie (browsers cannot set headers on a
   * WebSocket). The Origin check still applies first.
   */
  authorizeUpgrade?: (req: IncomingMessage) => boolean;
};

export type WsServerHandle = {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
};

const LOOPBACK = new Set(['localhost', '::1', '[::1]']);

export const isLoopbackHost = (host: string): boolean =>
  LOOPBACK.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);

const digest = (s: string) => createHash('sha256').update(s).digest();

function rejectUpgrade(socket: Duplex, status: 401 | 403, text: string): void {
  const reason = status === 401 ? 'Unauthorized' : 'Forbidden';
  const extra = status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n${extra}` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

export async function listen(options: WsListenOptions): Promise<WsServerHandle> {
  const host = options.host ?? '127.0.0.1';
  if (options.authToken.length < 16) {
    throw new ServerError(
      'listen_refused',
      'refusing to listen with a token shorter than 16 characters ' +
        '(anyone who can reach the port, other users of this machine included, could run commands)',
    );
  }
  const tokenDigest = digest(options.authToken);
  const highWater = options.highWaterMarkBytes ?? 1024 * 1024;
  const closeGraceMs = options.closeGraceMs ?? 1000;
  const allowed = new Set((options.allowedOrigins ?? []).map((o) => o.toLowerCase()));
  const live = new Set<WrappedSocket>();

  const http = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    if (options.onHttpRequest?.(req, res)) return;
    res.writeHead(req.url === '/' ? 426 : 404, { 'Content-Type': 'text/plain' });
    res.end(req.url === '/' ? 'this is a WebSocket endpoint' : 'not found');
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes ?? 64 * 1024 * 1024,
  });

  const authorized = (req: IncomingMessage): boolean => {
    if (options.authorizeUpgrade?.(req)) return true;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (.+)$/i.exec(header);
    // Compare digests: equal lengths for timingSafeEqual, and no early exit on a prefix match.
    return match !== null && timingSafeEqual(digest(match[1]!), tokenDigest);
  };

  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin ?? null;
    if (origin !== null && !allowed.has(origin.toLowerCase())) {
      rejectUpgrade(socket, 403, `origin not allowed: ${origin}`);
      return;
    }
    if (!authorized(req)) {
      rejectUpgrade(socket, 401, 'missing or wrong bearer token');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const remoteAddress = req.socket.remoteAddress ?? 'unknown';
      const wrapped = wrapSocket(ws, highWater);
      live.add(wrapped);
      wrapped.transport.onClose(() => live.delete(wrapped));
      options.onConnection(wrapped.transport, { remoteAddress, origin });
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  for (const h of ['127.0.0.1', 'localhost', '[::1]']) allowed.add(`http://${h}:${port}`);
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;

  return {
    url: `ws://${urlHost}:${port}`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Connections learn now, not whenever each socket finishes closing.
        for (const wrapped of [...live]) wrapped.shutdown(1001, 'server shutting down');
        // Clients that never answer the close frame (or never read) are cut after the grace.
        const timer = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, closeGraceMs);
        http.closeAllConnections();
        http.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/**
 * A MessageTransport over one accepted socket. ws has no public drain event, so back-pressure
 * is tracked from send callbacks, which fire once a frame was handed to the kernel.
 */
type WrappedSocket = {
  transport: MessageTransport;
  shutdown(code: number, reason: string): void;
};

function wrapSocket(ws: WebSocket, highWater: number): WrappedSocket {
  const messageHandlers: ((text: string) => void)[] = [];
  const closeHandlers: ((reason: string) => void)[] = [];
  const drainHandlers: (() => void)[] = [];
  let inFlight = 0;
  let blocked = false;
  let closed = false;

  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const h of closeHandlers.splice(0)) h(reason);
  };

  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (closed) return;
    if (isBinary) {
      ws.send(
        encodeError(null, {
          code: RpcErrorCode.invalidRequest,
          message: 'invalid request: binary frames are not supported; send JSON as text frames',
        }),
      );
      return;
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as Buffer).toString('utf8');
    for (const h of messageHandlers) h(text);
  });
  ws.on('close', (code: number, reason: Buffer) => {
    finish(reason.length > 0 ? reason.toString('utf8') : `socket closed (${code})`);
  });
  ws.on('error', (err: Error) => finish(`socket failed: ${err.message}`));

  const shutdown = (code: number, reason: string) => {
    if (closed) return;
    ws.close(code, closeReason(reason));
    // A client that stopped reading never completes the handshake; do not keep its socket.
    const timer = setTimeout(() => ws.terminate(), 1000);
    timer.unref();
    finish(reason);
  };

  const transport: MessageTransport = {
    send(text) {
      if (closed || ws.readyState !== ws.OPEN) return true;
      const bytes = Buffer.byteLength(text);
      inFlight += bytes;
      ws.send(text, () => {
        inFlight -= bytes;
        if (blocked && inFlight <= highWater / 2) {
          blocked = false;
          for (const h of drainHandlers) h();
        }
      });
      if (inFlight > highWater) blocked = true;
      return !blocked;
    },
    onMessage: (h) => void messageHandlers.push(h),
    onClose: (h) => void closeHandlers.push(h),
    onDrain: (h) => void drainHandlers.push(h),
    // 1008 (policy): the server ended the session for a stated reason, e.g. overload.
    close: (reason) => (reason === undefined ? shutdown(1000, 'closed') : shutdown(1008, reason)),
  };
  return { transport, shutdown };
}

/** Close-frame reasons are limited to 123 bytes of UTF-8; cut on a character boundary. */
function closeReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  return out;
}
