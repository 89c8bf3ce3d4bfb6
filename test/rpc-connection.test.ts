// The JSON-RPC connection: every protocol error, the initialize gate, runtime error mapping,
// server→client requests, notifications (emittedAtMs, opt-out) — over the in-memory pair and
// over a real child process speaking JSONL on stdio.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { encodeLine, JsonlDecoder } from '../src/protocol/jsonl.ts';
import { createMemoryTransportPair } from '../src/protocol/transport.ts';
import { Connection } from '../src/server/connection.ts';
import { createRouter } from '../src/server/router.ts';
import type { ServerError } from '../src/server/errors.ts';
import {
  dummyHandlers,
  fakeThread,
  memoryHarness,
  RawPeer,
  type Json,
} from './support/rpc-fixtures.ts';
import type { MessageTransport } from '../src/protocol/transport.ts';

const approvalParams = {
  threadId: 'thr_1',
  turnId: 'turn_1',
  itemId: 'call_1',
  startedAtMs: 1,
  command: 'ls',
};

test('invalid JSON answers -32700 with id null and the connection keeps working', async () => {
  const { peer } = memoryHarness();
  peer.send('{"id": 1, "method": ');
  const err = await peer.answer(null);
  assert.equal(err.error.code, -32700);
  assert.match(err.error.message, /^parse error/);
  const init = await peer.initialize(1);
  assert.equal(init.result.platformOs, 'linux');
});

test('messages that are not requests, notifications or responses answer -32600', async () => {
  const { peer } = memoryHarness();
  const cases = ['[1,2]', '42', '"text"', 'null', '{}', '{"foo":1}', '{"id":1}'];
  for (const text of cases) {
    const before = peer.messages.length;
    peer.send(text);
    const m = await peer.waitFor((x) => peer.messages.indexOf(x) >= before);
    assert.equal(m.error.code, -32600, text);
  }
  // The shape errors keep the request's id when it had a valid one.
  peer.send({ id: 'x', method: 42 });
  assert.equal((await peer.answer('x')).error.code, -32600);
  // A float, a huge number, null or an object is not an id: the answer has id null.
  for (const id of ['1.5', '1e400', 'null', '{}']) {
    const before = peer.messages.length;
    peer.send(`{"id":${id},"method":"initialize","params":{}}`);
    const m = await peer.waitFor((x) => peer.messages.indexOf(x) >= before);
    assert.equal(m.id, null);
    assert.equal(m.error.code, -32600);
  }
});

test('unknown methods, non-client methods and unimplemented methods answer -32601', async () => {
  const { peer } = memoryHarness();
  await peer.initialize();
  const unknown = await peer.call(1, 'nope/nope', {});
  assert.deepEqual(unknown.error, { code: -32601, message: 'method not found: nope/nope' });
  const wrongDirection = await peer.call(2, 'turn/started', {});
  assert.equal(wrongDirection.error.code, -32601);
  const proto = await peer.call(3, '__proto__', {});
  assert.equal(proto.error.message, 'method not found: __proto__');
  const fork = await peer.call(4, 'thread/fork', { threadId: 't' });
  assert.deepEqual(fork.error, {
    code: -32601,
    message: 'method not implemented by this server: thread/fork',
  });
});

test('requests before initialize are refused; a second initialize is refused', async () => {
  const log: string[] = [];
  const { peer } = memoryHarness(dummyHandlers(log));
  const early = await peer.call(1, 'thread/start', {});
  assert.equal(early.error.code, -32600);
  assert.equal(early.error.message, 'not initialized: send initialize first');
  const init = await peer.initialize(2);
  assert.equal(init.result.userAgent, 'yoke-test/0.0.0');
  const again = await peer.initialize(3);
  assert.deepEqual(again.error, { code: -32600, message: 'already initialized' });
  assert.deepEqual(log, ['initialize raw']);
  const started = await peer.call(4, 'thread/start', {});
  assert.equal(started.result.thread.id, 'thr_1');
});

test('a pipelined request right behind initialize is served', async () => {
  const { peer } = memoryHarness();
  peer.send({ id: 1, method: 'initialize', params: { clientInfo: { name: 'p', version: '1' } } });
  peer.send({ id: 2, method: 'thread/start', params: {} });
  assert.ok((await peer.answer(1)).result);
  assert.equal((await peer.answer(2)).result.thread.id, 'thr_1');
});

test('params failing the schema answer -32602 naming the field path', async () => {
  const { peer } = memoryHarness();
  const badInit = await peer.call(0, 'initialize', { clientInfo: { name: 1 } });
  assert.equal(badInit.error.code, -32602);
  assert.match(badInit.error.message, /^invalid params for initialize: clientInfo\.name: /);
  await peer.initialize(1);
  const bad = await peer.call(2, 'turn/start', { threadId: 't', input: [{ type: 'bogus' }] });
  assert.equal(bad.error.code, -32602);
  assert.match(bad.error.message, /^invalid params for turn\/start: input\.0\.type: /);
  const missing = await peer.call(3, 'turn/start', { input: [] });
  assert.match(missing.error.message, /threadId: /);
  const notObject = await peer.call(4, 'turn/start', [1]);
  assert.match(notObject.error.message, /^invalid params for turn\/start: \(params\): /);
});

test('ids are echoed exactly; "jsonrpc" and unknown fields are accepted and ignored', async () => {
  const { peer } = memoryHarness();
  peer.send({
    jsonrpc: '2.0',
    id: 'init-1',
    method: 'initialize',
    params: { clientInfo: { name: 'c', version: '1', extra: true }, capabilities: null },
  });
  assert.ok((await peer.answer('init-1')).result);
  const numeric = await peer.call(9007199254740991, 'thread/start', { futureField: 1 });
  assert.equal(numeric.id, 9007199254740991);
  assert.ok(numeric.result.thread);
  assert.equal('jsonrpc' in numeric, false);
});

test('messages sent before the server attached are held, then answered', async () => {
  const [serverSide, clientSide] = createMemoryTransportPair();
  const peer = new RawPeer(clientSide);
  peer.send({ id: 1, method: 'initialize', params: { clientInfo: { name: 'e', version: '1' } } });
  peer.send({ id: 2, method: 'thread/start', params: {} });
  new Connection(serverSide, createRouter(dummyHandlers()), { log: () => {} });
  assert.ok((await peer.answer(1)).result);
  assert.equal((await peer.answer(2)).result.thread.id, 'thr_1');
});

test('absent params count as {}', async () => {
  const { peer } = memoryHarness();
  await peer.initialize();
  const r = await peer.call(1, 'thread/loaded/list');
  assert.deepEqual(r.result, { data: [], nextCursor: null });
});

test('runtime errors map to JSON-RPC codes with data.code; others are internal, no stack', async () => {
  const { peer } = memoryHarness();
  await peer.initialize();
  const turn = (id: number, threadId: string) =>
    peer.call(id, 'turn/start', { threadId, input: [{ type: 'text', text: 'hi' }] });
  assert.deepEqual((await turn(1, 'missing')).error, {
    code: -32600,
    message: 'thread not found: missing',
    data: { code: 'thread_not_found' },
  });
  assert.deepEqual((await turn(2, 'busy')).error.data, { code: 'thread_busy' });
  const badInput = (await turn(3, 'bad-input')).error;
  assert.equal(badInput.code, -32602);
  assert.deepEqual(badInput.data, { code: 'input_invalid' });
  const boom = (await turn(4, 'boom')).error;
  assert.equal(boom.code, -32603);
  assert.equal(boom.message, 'internal error: kaboom at /secret/path');
  assert.doesNotMatch(JSON.stringify(boom), /\n\s+at /);
  assert.ok((await turn(5, 'thr_1')).result.turn);
});

test('a handler returning nothing answers {}', async () => {
  const { peer } = memoryHarness({
    initialize: dummyHandlers().initialize,
    'thread/archive': () => undefined as unknown as Record<string, never>,
  });
  await peer.initialize();
  assert.deepEqual((await peer.call(1, 'thread/archive', { threadId: 't' })).result, {});
});

test('server→client requests: own ids from 0, answers routed and validated', async () => {
  const log: string[] = [];
  const { connection, peer } = memoryHarness(dummyHandlers(), { log: (l) => log.push(l) });
  await peer.initialize(0);

  const first = connection.startRequest('item/commandExecution/requestApproval', approvalParams);
  const second = connection.startRequest('item/fileChange/requestApproval', {
    threadId: 'thr_1',
    turnId: 'turn_1',
    itemId: 'patch_1',
    startedAtMs: 2,
  });
  assert.equal(first.id, 0);
  assert.equal(second.id, 1);
  const req0 = await peer.waitFor((m) => m.method === 'item/commandExecution/requestApproval');
  assert.deepEqual(req0, {
    id: 0,
    method: 'item/commandExecution/requestApproval',
    params: approvalParams,
  });
  // The client's own id 0 (initialize) did not collide with the server's id 0.
  peer.send({ id: 1, result: { decision: 'decline' } });
  peer.send({
    id: 0,
    result: { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['ls'] } } },
  });
  assert.deepEqual(await first.result, {
    decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['ls'] } },
  });
  assert.deepEqual(await second.result, { decision: 'decline' });

  // A client error, and an answer that is not a decision.
  const failing = connection.startRequest('item/fileChange/requestApproval', {
    threadId: 't',
    turnId: 'u',
    itemId: 'i',
    startedAtMs: 3,
  });
  peer.send({ id: failing.id, error: { code: -32601, message: 'no UI' } });
  await assert.rejects(failing.result, (err: ServerError) => {
    assert.equal(err.code, 'client_error');
    assert.equal(err.rpcCode, -32601);
    return true;
  });
  const invalid = connection.request('item/commandExecution/requestApproval', approvalParams);
  peer.send({ id: 3, result: { decision: 'yes please' } });
  await assert.rejects(invalid, (err: ServerError) => err.code === 'invalid_response');

  // An answer for an id nobody asked: ignored, logged, nothing sent back.
  const before = peer.messages.length;
  peer.send({ id: 99, result: { decision: 'accept' } });
  const probe = await peer.call('probe', 'thread/loaded/list', {});
  assert.ok(probe.result);
  assert.equal(peer.messages.length, before + 1);
  assert.ok(log.some((l) => l.includes('unknown request id 99')));
  assert.equal(connection.stats().pendingServerRequests, 0);
});

test('a server request is cancelled by its signal and rejected when the connection closes', async () => {
  const { connection, peer } = memoryHarness();
  await peer.initialize();
  const controller = new AbortController();
  const cancelled = connection.request('item/commandExecution/requestApproval', approvalParams, {
    signal: controller.signal,
  });
  controller.abort();
  await assert.rejects(cancelled, (err: ServerError) => err.code === 'cancelled');

  const pending = connection.request('item/commandExecution/requestApproval', approvalParams);
  assert.equal(connection.stats().pendingServerRequests, 1);
  const closedReasons: string[] = [];
  connection.onClose((r) => closedReasons.push(r));
  peer.transport.close('client went away');
  await assert.rejects(pending, (err: ServerError) => err.code === 'connection_closed');
  assert.deepEqual(closedReasons, ['client went away']);
  assert.equal(connection.stats().pendingServerRequests, 0);
  await assert.rejects(
    connection.request('item/commandExecution/requestApproval', approvalParams),
    (err: ServerError) => err.code === 'connection_closed',
  );
});

test('notifications carry emittedAtMs beside params', async () => {
  const { connection, peer } = memoryHarness();
  await peer.initialize();
  const before = Date.now();
  connection.notify({ method: 'thread/closed', params: { threadId: 'thr_9' } });
  const n = await peer.waitFor((m) => m.method === 'thread/closed');
  assert.deepEqual(Object.keys(n).sort(), ['emittedAtMs', 'method', 'params']);
  assert.deepEqual(n.params, { threadId: 'thr_9' });
  assert.ok(n.emittedAtMs >= before && n.emittedAtMs <= Date.now());
});

test('optOutNotificationMethods suppresses exactly those methods', async () => {
  const { connection, peer } = memoryHarness();
  await peer.call(0, 'initialize', {
    clientInfo: { name: 'c', version: '1' },
    capabilities: { optOutNotificationMethods: ['thread/started'] },
  });
  assert.ok((await peer.call(1, 'thread/start', {})).result);
  connection.notify({ method: 'thread/closed', params: { threadId: 'probe' } });
  // Messages arrive in order, so once the probe is here a thread/started would be too.
  await peer.waitFor((m) => m.method === 'thread/closed');
  assert.equal(
    peer.messages.some((m: Json) => m.method === 'thread/started'),
    false,
  );

  const plain = memoryHarness();
  await plain.peer.initialize();
  await plain.peer.call(1, 'thread/start', {});
  const started = await plain.peer.waitFor((m) => m.method === 'thread/started');
  assert.deepEqual(started.params.thread, fakeThread('thr_1'));
});

test('client notifications get no answer; unknown ones are logged', async () => {
  const log: string[] = [];
  const { peer } = memoryHarness(dummyHandlers(), { log: (l) => log.push(l) });
  await peer.initialize();
  peer.send({ method: 'initialized' });
  peer.send({ method: 'something/else', params: {} });
  const probe = await peer.call('p', 'thread/loaded/list', {});
  assert.ok(probe.result);
  assert.equal(peer.messages.length, 2);
  assert.equal(log.length, 1);
  assert.match(log[0]!, /ignored client notification "something\/else"/);
});

test('too many requests in flight are refused with -32001', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const { connection, peer } = memoryHarness(
    {
      ...dummyHandlers(),
      'thread/loaded/list': async () => {
        await gate;
        return { data: [], nextCursor: null };
      },
    },
    { maxPendingRequests: 2 },
  );
  await peer.initialize();
  for (const id of [1, 2, 3]) peer.send({ id, method: 'thread/loaded/list', params: {} });
  const refused = await peer.answer(3);
  assert.equal(refused.error.code, -32001);
  assert.match(refused.error.message, /retry later/);
  assert.equal(connection.stats().pendingClientRequests, 2);
  release();
  assert.ok((await peer.answer(1)).result);
  assert.ok((await peer.answer(2)).result);
  assert.equal(connection.stats().pendingClientRequests, 0);
});

test('JSONL framing: split multi-byte characters, CRLF, blank lines, oversize, last line', () => {
  const lines: string[] = [];
  const oversize: number[] = [];
  const decoder = new JsonlDecoder(16, {
    onLine: (l) => lines.push(l),
    onOversize: (n) => oversize.push(n),
  });
  const bytes = Buffer.from('"héllo €"\r\n\n  \n0123456789abcdefXYZ\n"ok"\n"tail"');
  // Feed one byte at a time: every multi-byte character is split across reads.
  for (const b of bytes) decoder.push(Uint8Array.of(b));
  decoder.end();
  assert.deepEqual(lines, ['"héllo €"', '"ok"', '"tail"']);
  assert.deepEqual(oversize, [19]);
});

// ---- the same over a real child process's stdio -------------------------------------------

const SERVER = fileURLToPath(new URL('./support/rpc-stdio-server.ts', import.meta.url));

function spawnServer(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  // A RawPeer over the child's pipes, reading JSONL (one JSON value per line).
  let buffered = '';
  const handlers: ((text: string) => void)[] = [];
  const closeHandlers: ((r: string) => void)[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      for (const h of handlers) h(line);
    }
  });
  child.on('close', () => closeHandlers.forEach((h) => h('exited')));
  const transport: MessageTransport = {
    send: (text) => child.stdin.write(encodeLine(text)),
    onMessage: (h) => void handlers.push(h),
    onClose: (h) => void closeHandlers.push(h),
    onDrain: () => {},
    close: () => child.stdin.end(),
  };
  return { child, peer: new RawPeer(transport) };
}

test('stdio JSONL: partial lines, CRLF, bad lines, oversized lines, then normal service', async () => {
  const { child, peer } = spawnServer({ YOKE_TEST_MAX_LINE: '4096' });
  // One request written in three pieces, CRLF-terminated.
  const init = JSON.stringify({
    id: 0,
    method: 'initialize',
    params: { clientInfo: { name: 'stdio', version: '1' } },
  });
  child.stdin.write(init.slice(0, 10));
  child.stdin.write(init.slice(10, 30));
  child.stdin.write(`${init.slice(30)}\r\n`);
  assert.equal((await peer.answer(0)).result.platformFamily, 'unix');

  child.stdin.write('not json at all\n\n   \n');
  assert.equal((await peer.answer(null)).error.code, -32700);

  // Over the 4096-byte limit: a clear error, the line is skipped, the next one is served.
  child.stdin.write(`{"id":1,"method":"thread/start","params":{"pad":"${'x'.repeat(10_000)}"}}\n`);
  const tooBig = await peer.waitFor((m) => m.error?.message?.startsWith('message too large'));
  assert.equal(tooBig.error.code, -32600);
  assert.equal(tooBig.id, null);

  // Two requests in one write.
  child.stdin.write(
    `${JSON.stringify({ id: 2, method: 'thread/start', params: {} })}\n` +
      `${JSON.stringify({ id: 3, method: 'turn/start', params: { threadId: 'missing', input: [] } })}\n`,
  );
  assert.equal((await peer.answer(2)).result.thread.id, 'thr_1');
  assert.equal((await peer.answer(3)).error.data.code, 'thread_not_found');
  const started = await peer.waitFor((m) => m.method === 'thread/started');
  assert.equal(typeof started.emittedAtMs, 'number');
  assert.equal(
    peer.messages.some((m: Json) => m.id === 1),
    false,
  );

  child.stdin.end();
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});
