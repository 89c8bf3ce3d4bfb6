// A model endpoint that accepts the request and never sends a byte: given up on after the
// first-byte timeout (here configured small), said on screen while waiting, retried — and kept
// apart from the idle timeout between events, which a slow but started stream does not trip.
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { runYoke, tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { text } from './support/mock-model.ts';
import { IdCounters, responsesFrames } from './support/mock-model-sse.ts';
import { errorOf, fastSleep, kinds, provider, run, deltas } from './support/model-stream.ts';

/** Accepts connections and reads the requests, but never answers. */
async function silentEndpoint(t: TestContext): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('data', () => {});
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1`, connections: () => connections };
}

test('the transport gives up at the first-byte timeout, after a waiting event', async (t) => {
  const endpoint = await silentEndpoint(t);
  const { deps } = fastSleep();
  const events = await run(
    provider(endpoint.url, 'responses', { streamFirstByteTimeoutMs: 400, maxRetries: 1 }),
    undefined,
    deps,
  );
  assert.deepEqual(kinds(events), ['request', 'waiting', 'retry', 'request', 'waiting', 'end']);
  assert.deepEqual(events[1], { type: 'waiting', elapsedMs: 200, timeoutMs: 400 });
  const error = errorOf(events);
  assert.equal(error.kind, 'connection');
  assert.match(error.message, /accepted the request but sent nothing for 0\.4 s/);
  assert.match(error.message, /stream_first_byte_timeout_ms/);
  assert.equal(endpoint.connections(), 2);
});

test('a stream that has begun may pause longer than the first-byte timeout', async (t) => {
  const frames = responsesFrames([text('slow but fine')], 'full', {
    ids: new IdCounters(),
    model: 'mock-1',
    usage: { input: 1, cached: 0, output: 1, reasoning: 0 },
  });
  const server = createHttpServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(frames[0]);
    // A pause three times the first-byte timeout, then the rest: the idle timeout applies now.
    setTimeout(() => res.end(frames.slice(1).join('')), 900);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  const events = await run(
    provider(`http://127.0.0.1:${port}/v1`, 'responses', { streamFirstByteTimeoutMs: 300 }),
  );
  assert.equal(deltas(events), 'slow but fine');
  assert.ok(!kinds(events).includes('waiting'));
});

test('yoke exec against a silent endpoint says it is waiting, retries, and fails in one line', async (t) => {
  const endpoint = await silentEndpoint(t);
  const home = tempDir('home', t);
  const r = await runYoke(
    [
      'exec',
      '-c',
      'model_provider="stuck"',
      '-c',
      `model_providers.stuck.base_url="${endpoint.url}"`,
      '-c',
      'model_providers.stuck.request_max_retries=1',
      '-c',
      'model_providers.stuck.retry_base_ms=1',
      '-c',
      'stream_first_byte_timeout_ms=600',
      'hello',
    ],
    { cwd: tempRepo({}, t), env: yokeEnv(endpoint.url, home) },
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /waiting the model endpoint has sent nothing yet \(0\.3 s\); waiting up to 0\.6 s for its first byte \(stream_first_byte_timeout_ms\)\n/,
  );
  assert.match(r.stderr, /retry .*no response within 0\.6 s \(first-byte timeout\); retrying/);
  // The turn's error is printed once, on its `error` line, not again as `failed`.
  const lines = r.stderr
    .split('\n')
    .filter((l) => l.includes('accepted the request but sent nothing'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0]!,
    /^error .*accepted the request but sent nothing for 0\.6 s after 2 attempts/,
  );
  assert.equal(endpoint.connections(), 2);
});
