// Back-pressure: a connection queues while its transport is not draining, flushes in order when
// it drains, and drops a client that stops reading once the bound is exceeded — over a fake
// transport (exact accounting) and over a real socket whose reader never reads, while a second
// client keeps getting answers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { YokeClient } from '../src/client/client.ts';
import { connectWebSocket } from '../src/client/ws-client-transport.ts';
import type { MessageTransport } from '../src/protocol/transport.ts';
import { Connection } from '../src/server/connection.ts';
import { createRouter } from '../src/server/router.ts';
import { listen } from '../src/server/ws-transport.ts';
import { dummyHandlers } from './support/rpc-fixtures.ts';

/** A transport whose buffer is "full" until the test calls drain(). */
function stalledTransport() {
  const sent: string[] = [];
  let drainHandler: () => void = () => {};
  let full = true;
  let closedWith: string | null = null;
  const transport: MessageTransport = {
    send: (text) => {
      sent.push(text);
      return !full;
    },
    onMessage: () => {},
    onClose: () => {},
    onDrain: (h) => (drainHandler = h),
    close: (reason) => (closedWith = reason ?? 'closed'),
  };
  return {
    transport,
    sent,
    closedWith: () => closedWith,
    drain: () => {
      full = false;
      drainHandler();
    },
  };
}

const delta = (i: number, size = 10) => ({
  method: 'item/agentMessage/delta' as const,
  params: { threadId: 't', turnId: 'u', itemId: 'm', delta: `${i}:${'x'.repeat(size)}` },
});

test('messages wait while the transport is full and flush in order on drain', () => {
  const fake = stalledTransport();
  const conn = new Connection(fake.transport, createRouter({}), { log: () => {} });
  for (let i = 0; i < 5; i++) conn.notify(delta(i));
  // The first send was accepted (and reported the buffer full); the other four wait here.
  assert.equal(fake.sent.length, 1);
  assert.equal(conn.stats().queuedMessages, 4);
  assert.ok(conn.stats().queuedBytes > 4 * 10);
  fake.drain();
  assert.equal(conn.stats().queuedMessages, 0);
  assert.equal(conn.stats().queuedBytes, 0);
  assert.deepEqual(
    fake.sent.map((t) => JSON.parse(t).params.delta.split(':')[0]),
    ['0', '1', '2', '3', '4'],
  );
});

test('past the bound the client is told it is overloaded and dropped; the queue is freed', () => {
  const fake = stalledTransport();
  const reasons: string[] = [];
  const conn = new Connection(fake.transport, createRouter({}), {
    log: () => {},
    maxQueuedMessages: 100,
    maxQueuedBytes: 1024 * 1024,
  });
  conn.onClose((r) => reasons.push(r));
  for (let i = 0; i < 101; i++) conn.notify(delta(i));
  assert.equal(conn.closed, false);
  conn.notify(delta(101)); // the 101st queued message
  assert.equal(conn.closed, true);
  const last = JSON.parse(fake.sent.at(-1)!);
  assert.equal(last.id, null);
  assert.equal(last.error.code, -32001);
  assert.match(last.error.message, /^overloaded: the client is not reading/);
  assert.match(fake.closedWith()!, /^overloaded/);
  assert.deepEqual(reasons, [fake.closedWith()]);
  assert.equal(conn.stats().queuedMessages, 0);
  // Later sends are dropped silently: the engine never notices.
  const before = fake.sent.length;
  conn.notify(delta(200));
  assert.equal(fake.sent.length, before);

  // The byte bound works the same way.
  const bytes = stalledTransport();
  const byBytes = new Connection(bytes.transport, createRouter({}), {
    log: () => {},
    maxQueuedBytes: 10_000,
  });
  for (let i = 0; i < 5 && !byBytes.closed; i++) byBytes.notify(delta(i, 4000));
  assert.equal(byBytes.closed, true);
  assert.match(bytes.closedWith()!, /10000 bytes/);
});

test('messages larger than the byte bound may wait (up to 8× it); ordinary ones past it drop the client', () => {
  // A reader that is busy with a burst of big messages (an item and the turn/completed that
  // repeats it) is not dropped for them…
  const busy = stalledTransport();
  const reader = new Connection(busy.transport, createRouter({}), {
    log: () => {},
    maxQueuedBytes: 10_000,
  });
  reader.notify(delta(0)); // accepted; the transport reports it is full
  reader.notify(delta(1, 30_000));
  reader.notify(delta(2, 30_000));
  for (let i = 3; i < 10; i++) reader.notify(delta(i, 100));
  assert.equal(reader.closed, false);
  busy.drain();
  assert.equal(busy.sent.length, 10);
  // …but large messages count toward 8× the bound behind the oldest one.
  const flood = stalledTransport();
  const flooded = new Connection(flood.transport, createRouter({}), {
    log: () => {},
    maxQueuedBytes: 10_000,
  });
  for (let i = 0; i < 5 && !flooded.closed; i++) flooded.notify(delta(i, 30_000));
  assert.equal(flooded.closed, true);
});

const TOKEN = 'backpressure-token-0123';

/** A WebSocket handshake by hand, then the socket stops reading for good. */
async function nonReadingClient(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      `Sec-WebSocket-Version: 13\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
  );
  let head = '';
  while (!head.includes('\r\n\r\n')) head += String((await once(socket, 'data'))[0]);
  assert.match(head, /^HTTP\/1\.1 101/);
  socket.pause();
  return socket;
}

test('a client that never reads is dropped over a real socket; another keeps being served', async (t) => {
  const router = createRouter(dummyHandlers());
  const connections: Connection[] = [];
  const server = await listen({
    authToken: TOKEN,
    highWaterMarkBytes: 256 * 1024,
    onConnection: (transport) =>
      connections.push(
        new Connection(transport, router, {
          log: () => {},
          maxQueuedMessages: 1000,
          maxQueuedBytes: 4 * 1024 * 1024,
        }),
      ),
  });
  t.after(() => server.close());

  const slowSocket = await nonReadingClient(server.port);
  const fast = new YokeClient(await connectWebSocket(server.url, { authToken: TOKEN }));
  await fast.initialize({ name: 'fast', version: '1' });
  assert.equal(connections.length, 2);
  const slow = connections[0]!;
  const slowClosed = new Promise<string>((resolve) => slow.onClose(resolve));

  // The "engine": notifies synchronously, never waits on the slow client, and lets the event
  // loop run between bursts (as it would between model events).
  const big = delta(0, 64 * 1024);
  let sent = 0;
  let answered = 0;
  while (!slow.closed && sent < 20_000) {
    for (let i = 0; i < 16; i++, sent++) slow.notify(big);
    const started = await fast.request('thread/start', {});
    assert.ok(started.thread.id);
    answered++;
  }
  assert.equal(slow.closed, true, `still open after ${sent} notifications`);
  assert.match(await slowClosed, /^overloaded: the client is not reading/);
  assert.equal(slow.stats().queuedBytes, 0);
  assert.ok(answered > 0);

  // The other client is unaffected.
  const after = await fast.request('thread/loaded/list', {});
  assert.deepEqual(after, { data: [], nextCursor: null });
  fast.close();

  // The slow client's socket really is closed once it reads what is left.
  const socketClosed = once(slowSocket, 'close');
  slowSocket.on('error', () => {});
  slowSocket.resume();
  await socketClosed;
});
