// JSON-RPC, property-based (fast-check, fixed seeds): the message parser and the JSONL framing
// over arbitrary input, and every client method of the table, with random and boundary params,
// against the real App Server (thread runtime, task runner, SQLite on disk, the mock model).
// Every request gets exactly one answer — a result or a deliberate error, never -32603 — the
// server keeps serving, and the store passes `PRAGMA integrity_check`.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import fc from 'fast-check';
import * as z from 'zod';
import {
  decodeMessage,
  encodeError,
  encodeNotification,
  encodeRequest,
  encodeResult,
  RpcErrorCode,
} from '../src/protocol/jsonrpc.ts';
import { JsonlDecoder } from '../src/protocol/jsonl.ts';
import { methods, type ClientRequestMethod } from '../src/protocol/methods.ts';
import { createMemoryTransportPair } from '../src/protocol/transport.ts';
import { loadConfig } from '../src/runtime/config.ts';
import { createTaskService } from '../src/runtime/task-service.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import { AppServer } from '../src/server/app-server.ts';
import { tempDir, tempRepo } from './support/cli.ts';
import { startMockModel, text, type RecordedRequest } from './support/mock-model.ts';
import { RawPeer, type Json } from './support/rpc-fixtures.ts';
import { paramsFor, type JsonSchema } from './support/schema-arbitrary.ts';

const KINDS = new Set(['request', 'notification', 'response', 'errorResponse', 'invalid']);
const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

test('decodeMessage never throws and classifies any text', () => {
  const texts = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
    fc
      .record(
        {
          id: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.constant(null), fc.jsonValue()),
          method: fc.oneof(fc.string(), fc.jsonValue()),
          params: fc.jsonValue(),
          result: fc.jsonValue(),
          error: fc.oneof(fc.record({ code: fc.integer(), message: fc.string() }), fc.jsonValue()),
        },
        { requiredKeys: [] },
      )
      .map((v) => JSON.stringify(v)),
  );
  fc.assert(
    fc.property(texts, (t) => {
      const m = decodeMessage(t);
      assert.ok(KINDS.has(m.kind));
      if (m.kind === 'invalid')
        assert.ok(
          [RpcErrorCode.parseError, RpcErrorCode.invalidRequest].includes(m.error.code as never),
        );
      if (m.kind === 'request' || m.kind === 'response')
        assert.ok(typeof m.id === 'string' || Number.isSafeInteger(m.id));
    }),
    { seed: 1101, numRuns: 3000 },
  );
});

test('encode then decode gives back requests, notifications, results and errors', () => {
  const id = fc.oneof(
    fc.string(),
    fc.maxSafeInteger().filter((n) => !Object.is(n, -0)),
  );
  const method = fc.string({ minLength: 1 });
  const value = fc.jsonValue({ maxDepth: 4 });
  fc.assert(
    fc.property(id, method, value, (i, m, p) => {
      assert.deepEqual(decodeMessage(encodeRequest(i, m, p)), {
        kind: 'request',
        id: i,
        method: m,
        params: json(p),
      });
      assert.deepEqual(decodeMessage(encodeNotification(m, p, 5)), {
        kind: 'notification',
        method: m,
        params: json(p),
        emittedAtMs: 5,
      });
      assert.deepEqual(decodeMessage(encodeResult(i, p)), {
        kind: 'response',
        id: i,
        result: json(p),
      });
      const error = { code: -32000, message: m };
      assert.deepEqual(decodeMessage(encodeError(i, error)), {
        kind: 'errorResponse',
        id: i,
        error,
      });
    }),
    { seed: 1102, numRuns: 2000 },
  );
});

test('JSONL framing: however the bytes are split, the same lines come out', () => {
  const line = fc.string({ unit: 'binary', maxLength: 60 }).map((s) => s.replace(/\n/g, ''));
  fc.assert(
    fc.property(
      fc.array(line, { maxLength: 20 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (ls, cuts) => {
        const bytes = Buffer.from(ls.map((l) => `${l}\n`).join(''));
        const got: string[] = [];
        const oversize: number[] = [];
        const decoder = new JsonlDecoder(40, {
          onLine: (l) => got.push(l),
          onOversize: (n) => oversize.push(n),
        });
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        let at = 0;
        for (const p of [...points, bytes.length]) {
          decoder.push(bytes.subarray(at, p));
          at = p;
        }
        decoder.end();
        const expected = ls
          .filter((l) => Buffer.byteLength(l) <= 40)
          .map((l) => Buffer.from(l).toString('utf8'))
          .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
          .filter((l) => l.trim() !== '');
        assert.deepEqual(got, expected);
        assert.deepEqual(
          oversize,
          ls.filter((l) => Buffer.byteLength(l) > 40).map((l) => Buffer.byteLength(l)),
        );
      },
    ),
    { seed: 1103, numRuns: 2000 },
  );
});

/** Runs a summary request or any turn with one short answer. */
const answer = (r: RecordedRequest) =>
  r.body.includes('Context checkpoint') ? text('summary of the work') : text('ok');

/** The App Server over an in-memory pair, on a real store, task runner and mock model. */
async function realServer(t: TestContext) {
  const mock = await startMockModel(answer);
  t.after(() => mock.close());
  const home = tempDir('home', t);
  const repo = tempRepo({ 'README.md': '# fuzz\n' }, t);
  const config = loadConfig({
    env: { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' },
    cwd: repo,
    overrides: ['sandbox_mode="danger-full-access"'],
  });
  const manager = new ThreadManager({ config });
  const tasks = createTaskService(manager, { concurrency: 1 });
  const server = new AppServer(manager, { tasks });
  t.after(async () => {
    // As `yoke app-server` stops: running turns end (stored as interrupted), then the store.
    await Promise.all(manager.loadedThreadIds.map((id) => manager.loaded(id)?.interrupt()));
    await tasks.close();
    server.close();
    manager.close();
  });
  const [serverSide, clientSide] = createMemoryTransportPair();
  server.attach(serverSide, { log: () => {} });
  const peer = new RawPeer(clientSide);
  await peer.initialize();

  const started: Json = await peer.call('s1', 'thread/start', { cwd: repo });
  return { peer, manager, home, repo, threadId: started.result.thread.id as string };
}

test('cases the fuzzing found: a made-up cursor, a file as the repository', async (t) => {
  const { peer, repo } = await realServer(t);
  const list: Json = await peer.call('c1', 'thread/list', { cursor: 'not-a-cursor' });
  assert.equal(list.error.code, RpcErrorCode.invalidParams);
  assert.equal(list.error.data.code, 'bad_cursor');
  assert.match(list.error.message, /invalid cursor "not-a-cursor"/);
  const submit: Json = await peer.call('c2', 'task/submit', {
    prompt: 'go',
    repo: join(repo, 'README.md'),
  });
  assert.equal(submit.error.code, RpcErrorCode.invalidParams);
  assert.match(
    submit.error.message,
    /README\.md: not a directory \(tasks run on a git repository\)/,
  );
});

test(
  'every method, random and boundary params: one answer each, never an internal error',
  { timeout: 180_000 },
  async (t) => {
    const { peer, manager, home, repo, threadId } = await realServer(t);
    // Real things for the params to point at, so requests get past "not found".
    const hints = { strings: [threadId, repo, join(repo, 'README.md'), 'main', home] };

    const names = Object.entries(methods)
      .filter(([, d]) => d.direction === 'clientRequest')
      .map(([n]) => n as ClientRequestMethod);
    const cases = fc.oneof(
      ...names.map((name) => {
        const schema = z.toJSONSchema(methods[name].params, {
          io: 'input',
          unrepresentable: 'any',
        }) as JsonSchema;
        return paramsFor(schema, hints).map((params) => ({ method: name as string, params }));
      }),
    );
    const seen = new Map<string, number>();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(cases, async ({ method, params }) => {
        const id = `p${++n}`;
        const reply: Json = await peer.call(id, method, params);
        seen.set(method, (seen.get(method) ?? 0) + 1);
        if ('error' in reply) {
          assert.notEqual(
            reply.error.code,
            RpcErrorCode.internalError,
            `${method} ${JSON.stringify(params).slice(0, 300)} → ${reply.error.message}`,
          );
          assert.ok(
            [
              RpcErrorCode.invalidRequest,
              RpcErrorCode.invalidParams,
              RpcErrorCode.methodNotFound,
            ].includes(reply.error.code),
            `${method}: unexpected code ${reply.error.code}`,
          );
          assert.equal(typeof reply.error.message, 'string');
        } else assert.equal(typeof reply.result, 'object');
      }),
      { seed: 1104, numRuns: 1500 },
    );
    for (const name of names)
      assert.ok((seen.get(name) ?? 0) > 10, `${name} ran ${seen.get(name)}`);
    // Every request was answered once; the server still serves; the store is sound.
    const ids = peer.messages
      .filter((m) => typeof m.id === 'string' && ('result' in m || 'error' in m))
      .map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length);
    const loaded: Json = await peer.call('final', 'thread/loaded/list', {});
    assert.ok(Array.isArray(loaded.result.data));
    assert.deepEqual(manager.store.db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
  },
);
