// Fuzzing the JSON-RPC layer with a fixed seed: thousands of random and malformed JSONL lines
// (through the stdio transport over in-process streams) and WebSocket frames (text and binary).
// The server must never crash, must answer every well-formed request exactly once, must write
// only valid JSON, must hold nothing afterwards, and must still serve a normal request.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import { Connection } from '../src/server/connection.ts';
import { createRouter } from '../src/server/router.ts';
import { createStdioTransport } from '../src/server/stdio-transport.ts';
import { listen } from '../src/server/ws-transport.ts';
import { dummyHandlers, prng, type Json } from './support/rpc-fixtures.ts';

type Case = { payload: string | Uint8Array; id?: string };

const VALID: [string, unknown][] = [
  ['thread/start', {}],
  ['thread/loaded/list', { limit: 3 }],
  ['turn/start', { threadId: 't', input: [{ type: 'text', text: 'hi' }] }],
  ['turn/start', { threadId: 'missing', input: [] }],
  ['turn/start', { threadId: 'boom', input: [] }],
  ['initialize', { clientInfo: { name: 'again', version: '1' } }],
];
const METHODS = [
  ...VALID.map(([m]) => m),
  'nope',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'thread/started',
  'item/commandExecution/requestApproval',
  'thread/fork',
  '',
];
const WEIRD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -0,
  '',
  'x'.repeat(300),
  [],
  {},
  [[[[[]]]]],
  { __proto__: { polluted: true } },
  { constructor: { prototype: {} } },
];

function generate(seed: number, count: number): Case[] {
  const rand = prng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const randomText = (n: number) => {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(int(rand() < 0.8 ? 128 : 0xffff));
    return s;
  };
  const mutate = (params: unknown): unknown => {
    if (typeof params !== 'object' || params === null) return pick(WEIRD_VALUES);
    const copy: Record<string, unknown> = { ...(params as Record<string, unknown>) };
    const keys = Object.keys(copy);
    if (keys.length && rand() < 0.6) copy[pick(keys)] = pick(WEIRD_VALUES);
    else copy[randomText(5)] = pick(WEIRD_VALUES);
    return copy;
  };
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const id = `f${i}`;
    const [method, params] = pick(VALID);
    switch (int(10)) {
      case 0: // random bytes
        cases.push({ payload: Uint8Array.from({ length: 1 + int(200) }, () => int(256)) });
        break;
      case 1: {
        // a valid request, truncated
        const full = JSON.stringify({ id, method, params });
        cases.push({ payload: full.slice(0, int(full.length)) });
        break;
      }
      case 2: // huge numbers and non-integer ids
        cases.push({
          payload: pick([
            `{"id":1e999,"method":"${method}"}`,
            `{"id":123456789012345678901234567890,"method":"${method}"}`,
            `{"id":-0.5,"method":"${method}"}`,
            `{"id":"${id}","method":"thread/loaded/list","params":{"limit":1e999}}`,
          ]),
          id: undefined,
        });
        break;
      case 3: {
        // deep nesting, bare and inside params
        const depth = 1 + int(3000);
        const nested = '['.repeat(depth) + ']'.repeat(depth);
        cases.push(
          rand() < 0.5
            ? { payload: nested }
            : {
                payload: `{"id":"${id}","method":"turn/start","params":{"threadId":"t","input":${nested}}}`,
                id,
              },
        );
        break;
      }
      case 4: // wrong types in the envelope
        cases.push({
          payload: JSON.stringify({
            id: pick([true, {}, [], null, 1.25]),
            method: pick([1, null, {}, method]),
            params: pick(WEIRD_VALUES),
          }),
        });
        break;
      case 5: // unknown and odd method names, with a valid id
        cases.push({ payload: JSON.stringify({ id, method: pick(METHODS), params }), id });
        break;
      case 6: // valid-looking requests with bad params
        cases.push({ payload: JSON.stringify({ id, method, params: mutate(params) }), id });
        break;
      case 7: // responses nobody asked for, and client-side errors
        cases.push({
          payload: JSON.stringify(
            rand() < 0.5
              ? { id: int(1000), result: pick(WEIRD_VALUES) }
              : { id: pick([null, int(5)]), error: pick([{ code: 1, message: 'x' }, 'bad']) },
          ),
        });
        break;
      case 8: // random text
        cases.push({ payload: randomText(1 + int(100)) });
        break;
      default: // valid requests, so the handlers run too
        cases.push({ payload: JSON.stringify({ id, method, params }), id });
    }
  }
  return cases;
}

/** Waits until every expected id is answered, checking each answer arrives once. */
function tracker(expected: Set<string>) {
  const counts = new Map<string, number>();
  /** How often each error code was answered (0 for results), to show every path was hit. */
  const codes = new Map<number, number>();
  let resolveAll: () => void = () => {};
  const all = new Promise<void>((r) => (resolveAll = r));
  let answered = 0;
  const see = (m: Json) => {
    assert.equal(typeof m, 'object');
    const code = 'error' in m ? m.error.code : 0;
    codes.set(code, (codes.get(code) ?? 0) + 1);
    if (typeof m.id !== 'string' || !('result' in m || 'error' in m)) return;
    const n = (counts.get(m.id) ?? 0) + 1;
    counts.set(m.id, n);
    if (n === 1 && expected.has(m.id) && ++answered === expected.size) resolveAll();
  };
  return { see, all, counts, codes };
}

const init = JSON.stringify({
  id: 'init',
  method: 'initialize',
  params: { clientInfo: { name: 'fuzz', version: '1' } },
});

test('fuzzed JSONL lines: no crash, one answer per request, only valid JSON out', async () => {
  const heapBefore = process.memoryUsage().heapUsed;
  const input = new PassThrough();
  const output = new PassThrough();
  const transport = createStdioTransport({ input, output, maxLineBytes: 64 * 1024 });
  const connection = new Connection(transport, createRouter(dummyHandlers()), { log: () => {} });

  const cases = generate(20240611, 4000);
  // Only payloads without a newline byte stay one line, so only they are expected to answer.
  const expected = new Set(
    cases
      .filter((c) => c.id && typeof c.payload === 'string' && !/[\n\r]/.test(c.payload))
      .map((c) => c.id!),
  );
  expected.add('init');
  expected.add('final');
  const track = tracker(expected);
  let pendingText = '';
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => {
    pendingText += chunk;
    let nl: number;
    while ((nl = pendingText.indexOf('\n')) !== -1) {
      const line = pendingText.slice(0, nl);
      pendingText = pendingText.slice(nl + 1);
      track.see(JSON.parse(line)); // throws (fails the test) on any invalid output
    }
  });

  input.write(`${init}\n`);
  for (const c of cases) {
    input.write(typeof c.payload === 'string' ? Buffer.from(c.payload) : c.payload);
    input.write('\n');
  }
  // An oversized line is refused and skipped.
  input.write(`{"id":"big","method":"thread/start","params":{"p":"${'y'.repeat(100_000)}"}}\n`);
  input.write(`${JSON.stringify({ id: 'final', method: 'thread/loaded/list', params: {} })}\n`);
  await track.all;

  for (const id of expected) assert.equal(track.counts.get(id), 1, `answers for ${id}`);
  assert.equal(track.counts.has('big'), false);
  for (const code of [0, -32700, -32600, -32601, -32602, -32603]) {
    assert.ok(
      (track.codes.get(code) ?? 0) > 10,
      `answers with code ${code}: ${track.codes.get(code)}`,
    );
  }
  assert.deepEqual(connection.stats(), {
    pendingClientRequests: 0,
    pendingServerRequests: 0,
    queuedMessages: 0,
    queuedBytes: 0,
  });
  assert.ok(expected.size > 1000, `${expected.size} requests checked`);
  // Generous: the point is "bounded", not a precise figure.
  assert.ok(process.memoryUsage().heapUsed - heapBefore < 200 * 1024 * 1024);
  const closed = new Promise<string>((resolve) => connection.onClose(resolve));
  input.end();
  assert.equal(await closed, 'stdin closed');
});

const TOKEN = 'fuzz-token-0123456789';
const AUTH = { headers: { Authorization: `Bearer ${TOKEN}` } };

async function fuzzServer(t: TestContext) {
  const router = createRouter(dummyHandlers());
  const connections: Connection[] = [];
  const server = await listen({
    authToken: TOKEN,
    onConnection: (tr) => connections.push(new Connection(tr, router, { log: () => {} })),
  });
  t.after(() => server.close());
  return { server, connections };
}

test('fuzzed WebSocket frames: text and binary, the socket and server stay healthy', async (t) => {
  const { server, connections } = await fuzzServer(t);
  const ws = new WebSocket(server.url, AUTH);
  await once(ws, 'open');
  const cases = generate(777, 2500);
  const expected = new Set(
    cases.filter((c) => c.id && typeof c.payload === 'string').map((c) => c.id!),
  );
  expected.add('init');
  expected.add('final');
  const track = tracker(expected);
  let binaryErrors = 0;
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.id === null && /binary frames/.test(m.error?.message)) binaryErrors++;
    track.see(m);
  });
  ws.send(init);
  let binaries = 0;
  for (const c of cases) {
    // Strings go as text frames (always valid UTF-8); byte payloads as binary frames.
    if (typeof c.payload === 'string') ws.send(c.payload);
    else {
      binaries++;
      ws.send(c.payload, { binary: true });
    }
  }
  ws.send(JSON.stringify({ id: 'final', method: 'thread/loaded/list', params: {} }));
  await track.all;
  for (const id of expected) assert.equal(track.counts.get(id), 1, `answers for ${id}`);
  assert.ok(binaries > 100);
  await new Promise<void>((resolve) => {
    if (binaryErrors === binaries) return resolve();
    ws.on('message', () => binaryErrors === binaries && resolve());
  });
  assert.equal(ws.readyState, WebSocket.OPEN);
  assert.equal(connections.length, 1);
  assert.equal(connections[0]!.stats().pendingClientRequests, 0);
  ws.close();
});

test('a text frame with invalid UTF-8 closes that socket (1007); the server serves others', async (t) => {
  const { server } = await fuzzServer(t);
  const bad = new WebSocket(server.url, AUTH);
  await once(bad, 'open');
  bad.on('error', () => {});
  const closed = once(bad, 'close');
  bad.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  const [code] = (await closed) as [number];
  assert.equal(code, 1007);

  const good = new WebSocket(server.url, AUTH);
  await once(good, 'open');
  const answer = once(good, 'message');
  good.send(init);
  const [data] = (await answer) as [Buffer];
  assert.equal(JSON.parse(String(data)).result.platformOs, 'linux');
  good.close();
});
