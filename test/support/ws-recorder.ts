// A recording WebSocket proxy between a client and an App Server: every text frame is passed on
// unchanged and kept (with its direction), so a test can read what a real client such as the
// Codex TUI sent and got. Headers the server checks (Authorization) are passed on too.
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { Json, Recorded } from './codex-driver.ts';

export type WsRecorder = {
  /** ws://127.0.0.1:PORT of the proxy. */
  url: string;
  transcript: Recorded[];
  close(): Promise<void>;
};

export async function startWsRecorder(upstream: string): Promise<WsRecorder> {
  const transcript: Recorded[] = [];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const sockets = new Set<WebSocket>();
  server.on('connection', (client, request) => {
    const authorization = request.headers.authorization;
    const target = new WebSocket(upstream, {
      headers: authorization ? { Authorization: authorization } : {},
    });
    sockets.add(client).add(target);
    const early: string[] = [];
    const record = (dir: Recorded['dir'], text: string) => {
      try {
        transcript.push({ dir, message: JSON.parse(text) as Json });
      } catch {
        transcript.push({ dir, message: { unparsed: text } });
      }
    };
    client.on('message', (data) => {
      const text = String(data);
      record('c2s', text);
      if (target.readyState === WebSocket.OPEN) target.send(text);
      else early.push(text);
    });
    target.on('open', () => {
      for (const text of early.splice(0)) target.send(text);
    });
    target.on('message', (data) => {
      const text = String(data);
      record('s2c', text);
      if (client.readyState === WebSocket.OPEN) client.send(text);
    });
    const end = () => {
      client.close();
      target.close();
    };
    client.on('close', end);
    target.on('close', end);
    client.on('error', end);
    target.on('error', end);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    transcript,
    close: async () => {
      for (const socket of sockets) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
