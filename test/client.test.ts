// The typed client against a real server connection (in memory, and a spawned stdio server):
// results, local errors (timeout, cancelled, closed), JSON-RPC errors, notifications, and
// answering the server's own requests.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ClientError } from '../src/client/client-error.ts';
import { YokeClient } from '../src/client/client.ts';
import { spawnStdioTransport } from '../src/client/stdio-client-transport.ts';
import type { ServerNotification } from '../src/protocol/methods.ts';
import { createMemoryTransportPair } from '../src/protocol/transport.ts';
import { Connection } from '../src/server/connection.ts';
import { ServerError } from '../src/server/errors.ts';
import { createRouter, type Handlers } from '../src/server/router.ts';
import { dummyHandlers } from './support/rpc-fixtures.ts';

function setup(handlers: Handlers = dummyHandlers(), validate = false) {
  const [serverSide, clientSide] = createMemoryTransportPair();
  const connection = new Connection(serverSide, createRouter(handlers), { log: () => {} });
  const log: string[] = [];
  const client = new YokeClient(clientSide, { validate, log: (l) => log.push(l) });
  return { client, connection, log };
}

/** A handler that answers only when the test says so. */
function gated() {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  let calls = 0;
  const handler = async () => {
    calls++;
    await gate;
    return { data: [], nextCursor: null };
  };
  return { handler, release: () => release(), calls: () => calls };
}

const isClientError = (code: string) => (err: unknown) =>
  err instanceof ClientError && err.code === code;

test('typed requests: initialize, then results', async () => {
  const { client } = setup();
  const init = await client.initialize({ name: 'test', version: '1' });
  assert.equal(init.platformFamily, 'unix');
  const started = await client.request('thread/start', { cwd: '/work' });
  assert.equal(started.thread.id, 'thr_1');
  assert.equal(started.cwd, '/work');
  assert.equal(client.pendingCount, 0);
});

test('a timeout rejects locally with code "timeout"; the late answer is dropped', async () => {
  const slow = gated();
  const { client, log } = setup({ ...dummyHandlers(), 'thread/loaded/list': slow.handler });
  await client.initialize({ name: 'test', version: '1' });
  await assert.rejects(
    client.request('thread/loaded/list', {}, { timeoutMs: 20 }),
    isClientError('timeout'),
  );
  assert.equal(client.pendingCount, 0);
  slow.release();
  // The server still answers; the client drops it (and says so) and keeps working.
  await client.request('thread/start', {});
  assert.ok(log.some((l) => l.includes('unknown id')));
});

test('an abort rejects with code "cancelled"; an aborted signal sends nothing', async () => {
  const slow = gated();
  const { client } = setup({ ...dummyHandlers(), 'thread/loaded/list': slow.handler });
  await client.initialize({ name: 'test', version: '1' });
  const controller = new AbortController();
  const pending = client.request('thread/loaded/list', {}, { signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, isClientError('cancelled'));
  await assert.rejects(
    client.request('thread/loaded/list', {}, { signal: AbortSignal.abort() }),
    isClientError('cancelled'),
  );
  await client.request('thread/start', {});
  assert.equal(slow.calls(), 1);
  slow.release();
});

test('closing rejects every pending request with code "closed", and later ones too', async () => {
  const slow = gated();
  const { client, connection } = setup({ ...dummyHandlers(), 'thread/loaded/list': slow.handler });
  await client.initialize({ name: 'test', version: '1' });
  const a = client.request('thread/loaded/list', {});
  const b = client.request('thread/loaded/list', {});
  const reasons: string[] = [];
  client.onClose((r) => reasons.push(r));
  connection.close('server going down');
  await assert.rejects(a, isClientError('closed'));
  await assert.rejects(b, isClientError('closed'));
  assert.deepEqual(reasons, ['server going down']);
  assert.equal(client.closed, true);
  await assert.rejects(client.request('thread/start', {}), isClientError('closed'));
  slow.release();

  const other = setup();
  await other.client.initialize({ name: 'test', version: '1' });
  const closedServerSide = new Promise<string>((r) => other.connection.onClose(r));
  other.client.close();
  assert.equal(await closedServerSide, 'closed');
});

test('a JSON-RPC error rejects with code "rpc", rpcCode, message and data', async () => {
  const { client } = setup();
  await assert.rejects(client.request('thread/start', {}), (err: ClientError) => {
    assert.ok(err instanceof ClientError);
    assert.equal(err.code, 'rpc');
    assert.equal(err.rpcCode, -32600);
    assert.equal(err.message, 'not initialized: send initialize first');
    return true;
  });
  await client.initialize({ name: 'test', version: '1' });
  await assert.rejects(
    client.request('turn/start', { threadId: 'missing', input: [] }),
    (err: ClientError) =>
      err.code === 'rpc' &&
      err.rpcCode === -32600 &&
      err.message === 'thread not found: missing' &&
      (err.data as { code: string }).code === 'thread_not_found',
  );
});

test('validate: a result that does not match the table rejects with "invalid_response"', async () => {
  const handlers: Handlers = {
    ...dummyHandlers(),
    'thread/loaded/list': () => ({ data: 'nope' }) as never,
  };
  const { client } = setup(handlers, true);
  await client.initialize({ name: 'test', version: '1' });
  await assert.rejects(
    client.request('thread/loaded/list', {}),
    (err: ClientError) => err.code === 'invalid_response' && /data/.test(err.message),
  );
});

test('notifications reach method handlers and "*" with emittedAtMs; unsubscribe works', async () => {
  const { client, connection } = setup();
  await client.initialize({ name: 'test', version: '1' });
  const closedIds: string[] = [];
  const all: ServerNotification[] = [];
  const stamps: (number | null)[] = [];
  const off = client.onNotification('thread/closed', (params, meta) => {
    closedIds.push(params.threadId);
    stamps.push(meta.emittedAtMs);
  });
  client.onNotification('*', (n) => all.push(n));
  const last = new Promise<void>((resolve) =>
    client.onNotification('thread/archived', () => resolve()),
  );
  connection.notify({ method: 'thread/closed', params: { threadId: 'a' } });
  connection.notify({ method: 'thread/archived', params: { threadId: 'b' } });
  await last;
  off();
  const again = new Promise<void>((resolve) =>
    client.onNotification('thread/unarchived', () => resolve()),
  );
  connection.notify({ method: 'thread/closed', params: { threadId: 'c' } });
  connection.notify({ method: 'thread/unarchived', params: { threadId: 'd' } });
  await again;
  assert.deepEqual(closedIds, ['a']);
  assert.equal(typeof stamps[0], 'number');
  assert.deepEqual(
    all.map((n) => n.method),
    ['thread/closed', 'thread/archived', 'thread/closed', 'thread/unarchived'],
  );
});

test('the client answers server requests; without a handler it answers an error', async () => {
  const { client, connection } = setup();
  await client.initialize({ name: 'test', version: '1' });
  const params = { threadId: 't', turnId: 'u', itemId: 'i', startedAtMs: 5, command: 'rm -rf x' };

  // No handler yet: the server's request fails with the client's -32601.
  await assert.rejects(
    connection.request('item/commandExecution/requestApproval', params),
    (err: ServerError) =>
      err instanceof ServerError && err.code === 'client_error' && err.rpcCode === -32601,
  );

  const seen: { command: string | null | undefined; id: string | number }[] = [];
  client.onServerRequest('item/commandExecution/requestApproval', (p, meta) => {
    seen.push({ command: p.command, id: meta.id });
    return { decision: p.command?.startsWith('rm') ? 'decline' : 'accept' };
  });
  const pending = connection.startRequest('item/commandExecution/requestApproval', params);
  assert.deepEqual(await pending.result, { decision: 'decline' });
  assert.deepEqual(seen, [{ command: 'rm -rf x', id: pending.id }]);

  // A handler that throws: the server sees an internal error with the message.
  client.onServerRequest('item/fileChange/requestApproval', () => {
    throw new Error('UI crashed');
  });
  await assert.rejects(
    connection.request('item/fileChange/requestApproval', {
      threadId: 't',
      turnId: 'u',
      itemId: 'p',
      startedAtMs: 6,
    }),
    (err: ServerError) => err.rpcCode === -32603 && err.message.includes('UI crashed'),
  );
  // Params that do not match the table are refused before the handler runs.
  await assert.rejects(
    connection.request('item/commandExecution/requestApproval', {
      threadId: 't',
    } as never),
    (err: ServerError) => err.rpcCode === -32602,
  );
  assert.equal(seen.length, 1);
});

test('errors the server cannot tie to a request reach onServerError', async () => {
  const [serverSide, clientSide] = createMemoryTransportPair();
  const client = new YokeClient(clientSide, { log: () => {} });
  const got = new Promise((resolve) => client.onServerError(resolve));
  serverSide.send(JSON.stringify({ id: null, error: { code: -32001, message: 'overloaded' } }));
  assert.deepEqual(await got, { code: -32001, message: 'overloaded' });
});

test('over a spawned server on stdio', async () => {
  const server = fileURLToPath(new URL('./support/rpc-stdio-server.ts', import.meta.url));
  const { transport, child } = spawnStdioTransport(process.execPath, ['--import', 'tsx', server]);
  const client = new YokeClient(transport);
  const started = new Promise<string>((resolve) =>
    client.onNotification('thread/started', (p) => resolve(p.thread.id)),
  );
  await client.initialize({ name: 'stdio', version: '1' });
  const result = await client.request('thread/start', {});
  assert.equal(await started, result.thread.id);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const closed = new Promise<string>((resolve) => client.onClose(resolve));
  client.close();
  assert.equal(await exited, 0);
  assert.ok(await closed);
});
