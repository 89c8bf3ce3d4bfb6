// A WebSocket client written by hand on a raw TCP socket, so a test controls reading exactly:
// it can send requests, wait for an answer, then stop reading for good (as a stuck client
// does) — the ws library always reads.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

export type RawWsClient = {
  socket: Socket;
  /** Sends one masked text frame. */
  send(text: string): void;
  /** Resolves once the bytes received so far contain `needle` (server frames are unmasked). */
  waitForText(needle: string): Promise<void>;
  /** Bytes received (handshake included). */
  readonly received: number;
  /** Stops reading: the kernel buffers fill and the server sees back-pressure. */
  stopReading(): void;
  /** Reads again until the server closes the connection; resolves with all bytes received. */
  readToEnd(): Promise<Buffer>;
};

/** Connects to 127.0.0.1:port; `token` goes in the Authorization header (every listener needs one). */
export async function rawWsClient(port: number, token?: string): Promise<RawWsClient> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {});
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      `Sec-WebSocket-Version: 13\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}\r\n`,
  );
  const chunks: Buffer[] = [];
  let size = 0;
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (waiters.size > 0) {
      text += chunk.toString('latin1');
      for (const w of [...waiters]) w();
    }
  };
  socket.on('data', onData);
  const closed = once(socket, 'close');
  const waitForText = (needle: string) =>
    new Promise<void>((resolve, reject) => {
      text = Buffer.concat(chunks).toString('latin1');
      const check = () => {
        if (!text.includes(needle)) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      void closed.then(() => {
        if (waiters.delete(check)) reject(new Error(`closed before "${needle}" arrived`));
      });
      check();
    });
  await waitForText('\r\n\r\n');
  if (!/^HTTP\/1\.1 101/.test(Buffer.concat(chunks).toString('latin1')))
    throw new Error('the WebSocket upgrade was refused');
  return {
    socket,
    send: (payload) => socket.write(maskedTextFrame(payload)),
    waitForText,
    get received() {
      return size;
    },
    stopReading: () => socket.pause(),
    readToEnd: async () => {
      socket.resume();
      await closed;
      return Buffer.concat(chunks);
    },
  };
}

function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head =
    n < 126
      ? Buffer.from([0x81, 0x80 | n])
      : n < 65536
        ? Buffer.from([0x81, 0x80 | 126, n >> 8, n & 0xff])
        : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), u64(n)]);
  const mask = randomBytes(4);
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([head, mask, body]);
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}
