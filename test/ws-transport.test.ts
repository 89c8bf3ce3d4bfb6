// The WebSocket listener over a real socket on 127.0.0.1: one message per text frame, binary
// frames refused, Origin and bearer-token checks on the upgrade, the loopback rule, /healthz.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import type { ClientError } from '../src/client/client-error.ts';
import { YokeClient } from '../src/client/client.ts';
import { connectWebSocket } from '../src/client/ws-client-transport.ts';
import { Connection } from '../src/server/connection.ts';
import type { ServerError } from '../src/server/errors.ts';
import { createRouter } from '../src/server/router.ts';
import { listen, type WsListenOptions } from '../src/server/ws-transport.ts';
import { dummyHandlers, type Json } from './support/rpc-fixtures.ts';

/** Every listener has a token; the raw client below sends this one unless told otherwise. */
const TOKEN = 'test-token-0123456789';

async function startServer(t: TestContext, options: Partial<WsListenOptions> = {}) {
  const router = createRouter(dummyHandlers());
  const connections: Connection[] = [];
  const server = await listen({
    authToken: TOKEN,
    ...options,
    onConnection: (transport) =>
      connections.push(new Connection(transport, router, { log: () => {} })),
  });
  t.after(() => server.close());
  return { server, connections };
}

/** A raw ws client collecting every frame it receives, parsed. */
async function rawClient(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${TOKEN}`, ...headers } });
  const frames: Json[] = [];
  const waiters: { match: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];
  ws.on('message', (data, isBinary) => {
    assert.equal(isBinary, false, 'the server only sends text frames');
    const m = JSON.parse(String(data));
    frames.push(m);
    for (const w of waiters.filter((w) => w.match(m))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(m);
    }
  });
  await once(ws, 'open');
  const waitFor = (match: (m: Json) => boolean): Promise<Json> => {
    const seen = frames.find(match);
    return seen
      ? Promise.resolve(seen)
      : new Promise((resolve) => waiters.push({ match, resolve }));
  };
  const answer = (id: Json) => waitFor((m) => m.id === id && ('result' in m || 'error' in m));
  const init = () => {
    ws.send(
      JSON.stringify({
        id: 'init',
        method: 'initialize',
        params: { clientInfo: { name: 'w', version: '1' } },
      }),
    );
    return answer('init');
  };
  return { ws, frames, waitFor, answer, init };
}

/** The HTTP status a handshake was refused with. */
async function refusedStatus(url: string, headers: Record<string, string>): Promise<number> {
  const ws = new WebSocket(url, { headers });
  ws.on('error', () => {});
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
  ws.terminate();
  return res.statusCode;
}

test('one message per text frame, in both directions', async (t) => {
  const { server } = await startServer(t);
  assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  const c = await rawClient(server.url);
  assert.equal((await c.init()).result.platformOs, 'linux');
  c.ws.send(JSON.stringify({ id: 1, method: 'thread/start', params: {} }));
  c.ws.send(JSON.stringify({ id: 2, method: 'thread/loaded/list', params: {} }));
  assert.equal((await c.answer(1)).result.thread.id, 'thr_1');
  assert.deepEqual((await c.answer(2)).result, { data: [], nextCursor: null });
  const started = await c.waitFor((m) => m.method === 'thread/started');
  assert.equal(typeof started.emittedAtMs, 'number');
  // Two JSON texts in one frame are not two messages: it is one unparseable message.
  c.ws.send('{"id":3,"method":"thread/loaded/list"}\n{"id":4,"method":"thread/loaded/list"}');
  assert.equal((await c.answer(null)).error.code, -32700);
  c.ws.close();
});

test('a binary frame answers -32600 and the connection stays usable', async (t) => {
  const { server } = await startServer(t);
  const c = await rawClient(server.url);
  await c.init();
  c.ws.send(Buffer.from(JSON.stringify({ id: 1, method: 'thread/start', params: {} })));
  const err = await c.answer(null);
  assert.equal(err.error.code, -32600);
  assert.match(err.error.message, /binary frames are not supported/);
  c.ws.send(JSON.stringify({ id: 2, method: 'thread/start', params: {} }));
  assert.ok((await c.answer(2)).result.thread);
  c.ws.close();
});

test('a handshake with a foreign Origin is refused with 403; own and listed origins pass', async (t) => {
  const { server } = await startServer(t, { allowedOrigins: ['https://ui.example'] });
  assert.equal(await refusedStatus(server.url, { Origin: 'http://evil.example' }), 403);
  assert.equal(await refusedStatus(server.url, { Origin: 'null' }), 403);
  // A page served by a different local port is a different origin.
  assert.equal(
    await refusedStatus(server.url, { Origin: `http://127.0.0.1:${server.port + 1}` }),
    403,
  );
  for (const origin of [
    `http://127.0.0.1:${server.port}`,
    `http://localhost:${server.port}`,
    'https://ui.example',
  ]) {
    const c = await rawClient(server.url, { Origin: origin });
    assert.ok((await c.init()).result, origin);
    c.ws.close();
  }
});

test('a listener without a proper token refuses to start, on loopback too', async (t) => {
  for (const host of ['127.0.0.1', '0.0.0.0', '::']) {
    await assert.rejects(
      listen({ host, authToken: 'short', onConnection: () => {} }),
      (err: ServerError) => err.code === 'listen_refused' && /16 characters/.test(err.message),
    );
  }
  // With a token it starts, anywhere.
  const { server } = await startServer(t, { host: '0.0.0.0' });
  assert.ok(server.port > 0);
});

test('the upgrade needs Authorization: Bearer <token>', async (t) => {
  const { server } = await startServer(t, { authToken: 's3cret-s3cret-s3cret' });
  assert.equal(await refusedStatus(server.url, {}), 401);
  assert.equal(await refusedStatus(server.url, { Authorization: 'Bearer wrong' }), 401);
  assert.equal(await refusedStatus(server.url, { Authorization: 's3cret-s3cret-s3cret' }), 401);
  const c = await rawClient(server.url, { Authorization: 'Bearer s3cret-s3cret-s3cret' });
  assert.ok((await c.init()).result);
  c.ws.close();

  // The typed client's transport: a clear local error without the token, service with it.
  await assert.rejects(
    connectWebSocket(server.url),
    (err: ClientError) => err.code === 'connect_failed' && /401/.test(err.message),
  );
  const client = new YokeClient(
    await connectWebSocket(server.url, { authToken: 's3cret-s3cret-s3cret' }),
  );
  const init = await client.initialize({ name: 'typed', version: '1' });
  assert.equal(init.userAgent, 'yoke-test/0.0.0');
  client.close();
});

test('GET /healthz answers 200 ok on the same port', async (t) => {
  const { server } = await startServer(t);
  const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
  assert.equal((await fetch(`http://127.0.0.1:${server.port}/other`)).status, 404);
});

test('close() ends every connection with 1001 and resolves', async () => {
  const router = createRouter(dummyHandlers());
  const closed: string[] = [];
  const server = await listen({
    authToken: TOKEN,
    onConnection: (transport) => {
      const conn = new Connection(transport, router, { log: () => {} });
      conn.onClose((reason) => closed.push(reason));
    },
  });
  const c = await rawClient(server.url);
  await c.init();
  const clientClosed = once(c.ws, 'close');
  await server.close();
  const [code] = (await clientClosed) as [number];
  assert.equal(code, 1001);
  assert.deepEqual(closed, ['server shutting down']);
});
