// Provider adapters against the scripted mock model server, over real loopback HTTP.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { isPrefixExtension } from '../src/models/cache-prefix.ts';
import { createStreamFn, type TransportDeps } from '../src/models/provider.ts';
import type { HistoryItem, ModelEvent, WireApi } from '../src/models/types.ts';
import {
  cut,
  error,
  failed,
  hang,
  reasoning,
  reset,
  startMockModel,
  step,
  text,
  toolCall,
  usage,
  type MockModel,
  type MockScript,
} from './support/mock-model.ts';
import {
  closedPort,
  deltas,
  errorOf,
  fastSleep,
  items,
  kinds,
  provider,
  request,
  run,
  stop,
  user,
} from './support/model-stream.ts';

const mocks: MockModel[] = [];
after(() => Promise.all(mocks.map((m) => m.close())));

async function mock(script: MockScript): Promise<MockModel> {
  const started = await startMockModel(script);
  mocks.push(started);
  return started;
}

for (const wireApi of ['responses', 'chat'] as const) {
  describe(`${wireApi} adapter`, { timeout: 20_000 }, () => {
    it('streams text deltas, then the message item, usage and a completed end', async () => {
      const m = await mock([text('Hello there, world.', { chunks: 3 })]);
      const events = await run(provider(m.url, wireApi));
      assert.equal(deltas(events), 'Hello there, world.');
      assert.equal(events.filter((e) => e.type === 'text-delta').length, 3);
      const [message] = items(events);
      assert.equal(message?.type, 'message');
      assert.deepEqual(message.type === 'message' && message.content, [
        { type: 'output_text', text: 'Hello there, world.' },
      ]);
      if (wireApi === 'responses') assert.equal(message.type === 'message' && message.id, 'msg_1');
      assert.deepEqual(kinds(events).slice(0, 1), ['request']);
      assert.deepEqual(kinds(events).slice(-3), ['item', 'usage', 'end']);
      assert.deepEqual(stop(events), { type: 'completed' });
      const [sent] = m.requests;
      assert.equal(sent?.path, wireApi === 'responses' ? '/v1/responses' : '/v1/chat/completions');
      assert.equal(sent.headers.authorization, 'Bearer sk-test');
      assert.equal(sent.headers.accept, 'text/event-stream');
      assert.equal(sent.headers['content-type'], 'application/json');
    });

    it('returns two tool calls from one response, in order, with their call ids', async () => {
      const m = await mock([
        step(
          reasoning('plan'),
          toolCall('shell', { cmd: 'ls' }),
          toolCall('shell', '{"cmd":"pwd"}'),
        ),
        text('done'),
      ]);
      const first = await run(provider(m.url, wireApi));
      const calls = items(first).filter((i) => i.type === 'function_call');
      assert.deepEqual(
        calls.map((c) => c.type === 'function_call' && [c.call_id, c.name, c.arguments]),
        [
          ['call_1', 'shell', '{"cmd":"ls"}'],
          ['call_2', 'shell', '{"cmd":"pwd"}'],
        ],
      );
      assert.deepEqual(
        items(first).map((i) => i.type),
        ['reasoning', 'function_call', 'function_call'],
      );
      const outputs: HistoryItem[] = [
        { type: 'function_call_output', call_id: 'call_1', output: 'a.txt' },
        { type: 'function_call_output', call_id: 'call_2', output: '/work' },
      ];
      const history = [user('hi'), ...items(first), ...outputs];
      const second = await run(provider(m.url, wireApi), request(history));
      assert.equal(deltas(second), 'done');
      const body = m.requests[1]?.json as Record<string, unknown>;
      if (wireApi === 'responses') {
        assert.deepEqual((body.input as unknown[]).slice(1), history);
      } else {
        const messages = body.messages as Record<string, unknown>[];
        assert.deepEqual(messages.slice(2), [
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                id: 'call_1',
                type: 'function',
                function: { name: 'shell', arguments: '{"cmd":"ls"}' },
              },
              {
                id: 'call_2',
                type: 'function',
                function: { name: 'shell', arguments: '{"cmd":"pwd"}' },
              },
            ],
          },
          { role: 'tool', tool_call_id: 'call_1', content: 'a.txt' },
          { role: 'tool', tool_call_id: 'call_2', content: '/work' },
        ]);
      }
      assert.ok(isPrefixExtension(m.requests[0]?.body ?? '', m.requests[1]?.body ?? ''));
    });

    it('reports cached input tokens for a prefix-extending request', async () => {
      const m = await mock([
        text('one'),
        text('two'),
        step(text('three'), usage({ inputTokens: 7, cachedTokens: 5 })),
      ]);
      const a = await run(provider(m.url, wireApi));
      const history = [user('hi'), ...items(a), user('again')];
      const b = await run(provider(m.url, wireApi), request(history));
      const usageOf = (events: ModelEvent[]) => events.find((e) => e.type === 'usage');
      const [first, second] = [m.requests[0]?.body ?? '', m.requests[1]?.body ?? ''];
      assert.ok(isPrefixExtension(first, second));
      const secondUsage = usageOf(b);
      assert.ok(secondUsage?.type === 'usage');
      assert.equal(secondUsage.usage.inputTokens, Math.ceil(second.length / 4));
      assert.equal(secondUsage.usage.cachedInputTokens, Math.floor((first.length - 2) / 4));
      assert.ok(secondUsage.usage.cachedInputTokens > 0);
      assert.equal(
        secondUsage.usage.totalTokens,
        secondUsage.usage.inputTokens + secondUsage.usage.outputTokens,
      );
      const c = await run(provider(m.url, wireApi));
      const overridden = usageOf(c);
      assert.ok(overridden?.type === 'usage');
      assert.equal(overridden.usage.inputTokens, 7);
      assert.equal(overridden.usage.cachedInputTokens, 5);
    });

    it('waits for Retry-After on a 429, emitting the retry event before sleeping', async () => {
      const m = await mock([error(429, undefined, { 'retry-after': '2' }), text('ok')]);
      const order: string[] = [];
      const deps: TransportDeps = {
        sleep: async (ms) => void order.push(`sleep ${ms}`),
      };
      const events: ModelEvent[] = [];
      for await (const event of createStreamFn(provider(m.url, wireApi), deps)(
        request(),
        new AbortController().signal,
      )) {
        events.push(event);
        if (event.type === 'retry')
          order.push(`retry ${event.attempt}/${event.maxAttempts} ${event.delayMs}`);
      }
      assert.deepEqual(order, ['retry 2/5 2000', 'sleep 2000']);
      const retry = events.find((e) => e.type === 'retry');
      assert.ok(retry?.type === 'retry' && retry.reason.includes('429'));
      assert.deepEqual(
        events.filter((e) => e.type === 'request'),
        [
          { type: 'request', attempt: 1 },
          { type: 'request', attempt: 2 },
        ],
      );
      assert.equal(deltas(events), 'ok');
      assert.deepEqual(stop(events), { type: 'completed' });
    });

    it('retries 500 twice with exponential backoff, then succeeds', async () => {
      const m = await mock([
        error(500),
        error(503, 'upstream down', { 'retry-after-ms': '10' }),
        text('ok'),
      ]);
      const { delays, deps } = fastSleep();
      const events = await run(provider(m.url, wireApi, { retryBaseMs: 100 }), request(), deps);
      assert.deepEqual(delays, [75, 10]); // equal jitter at random 0.5: 50 + 25; then retry-after-ms
      assert.deepEqual(
        events.filter((e) => e.type === 'retry').map((e) => e.type === 'retry' && e.delayMs),
        delays,
      );
      assert.equal(m.requests.length, 3);
      assert.deepEqual(stop(events), { type: 'completed' });
    });

    it('retries a connection reset before the headers', async () => {
      const m = await mock([reset(), text('ok')]);
      const { delays, deps } = fastSleep();
      const events = await run(provider(m.url, wireApi), request(), deps);
      assert.equal(delays.length, 1);
      assert.equal(deltas(events), 'ok');
      assert.deepEqual(stop(events), { type: 'completed' });
    });

    it('retries a stream cut before its final event when nothing was emitted yet', async () => {
      const m = await mock([cut(), text('ok')]);
      const { deps } = fastSleep();
      const events = await run(provider(m.url, wireApi), request(), deps);
      const retry = events.find((e) => e.type === 'retry');
      assert.ok(
        retry?.type === 'retry' &&
          retry.reason.startsWith('stream disconnected before completion: '),
      );
      assert.equal(deltas(events), 'ok');
      assert.deepEqual(stop(events), { type: 'completed' });
    });

    it('does not retry a cut after text was streamed: ends with streamCut', async () => {
      const m = await mock([cut(text('partial answer', { chunks: 2 })), text('never')]);
      const { deps } = fastSleep();
      const events = await run(provider(m.url, wireApi), request(), deps);
      assert.equal(deltas(events), 'partial answer');
      const err = errorOf(events);
      assert.equal(err.kind, 'streamCut');
      assert.match(
        err.message,
        /^stream disconnected before completion: .* \(mock: http:\/\/127\.0\.0\.1:\d+\/v1\/.*\) — .*not retried/,
      );
      assert.equal(m.requests.length, 1);
    });

    it('gives up after maxRetries with a clear rateLimited / server error', async () => {
      const m = await mock((_req, i) =>
        i < 3 ? error(429) : error(502, { error: { message: 'bad gateway' } }),
      );
      const { delays, deps } = fastSleep();
      const limited = await run(provider(m.url, wireApi, { maxRetries: 2 }), request(), deps);
      const err = errorOf(limited);
      assert.equal(err.kind, 'rateLimited');
      assert.equal(err.status, 429);
      assert.match(
        err.message,
        /^mock: 429 Too Many Requests from http:\/\/127\.0\.0\.1:\d+\/v1\/\S+ after 3 attempts: mock error 429 — wait/,
      );
      assert.equal(delays.length, 2);
      const server = errorOf(
        await run(provider(m.url, wireApi, { maxRetries: 0 }), request(), deps),
      );
      assert.equal(server.kind, 'server');
      assert.match(
        server.message,
        /^mock: 502 Bad Gateway from \S+: bad gateway — the provider is having trouble/,
      );
      assert.equal(m.requests.length, 4);
    });

    it('fails at once on 401, naming the provider, the URL and the env key', async () => {
      const m = await mock([
        error(401, { error: { message: 'Incorrect API key provided' } }),
        text('never'),
      ]);
      const err = errorOf(await run(provider(m.url, wireApi)));
      assert.equal(err.kind, 'auth');
      assert.equal(err.status, 401);
      const path = wireApi === 'responses' ? 'responses' : 'chat/completions';
      assert.equal(
        err.message,
        `mock: 401 Unauthorized from ${m.url}/${path}: Incorrect API key provided — check the API key in MOCK_API_KEY (envKey)`,
      );
      assert.equal(m.requests.length, 1);
      const m2 = await mock([error(401)]);
      const missing = errorOf(await run(provider(m2.url, wireApi, { apiKey: '' })));
      assert.match(missing.message, /no API key was sent; set MOCK_API_KEY/);
      assert.equal(m2.requests[0]?.headers.authorization, undefined);
    });

    it('maps a wrong base URL (404) to notFound with the fix', async () => {
      const m = await mock([]);
      const err = errorOf(await run(provider(`${m.url}/nope`, wireApi)));
      assert.equal(err.kind, 'notFound');
      assert.match(
        err.message,
        /^mock: 404 Not Found from http:\/\/127\.0\.0\.1:\d+\/v1\/nope\/.* check baseUrl \(http:.*\/v1\/nope\) and the model name \(mock-1\)$/,
      );
      assert.equal(m.requests.length, 1);
    });

    it('maps 400 to badRequest with the provider message, or to contextWindow', async () => {
      const m = await mock([
        error(400, {
          error: { message: "Unknown parameter: 'foo'", type: 'invalid_request_error' },
        }),
        error(400, { error: { message: 'too long', code: 'context_length_exceeded' } }),
      ]);
      const bad = errorOf(await run(provider(m.url, wireApi)));
      assert.equal(bad.kind, 'badRequest');
      assert.match(bad.message, /Unknown parameter: 'foo'/);
      const long = errorOf(await run(provider(m.url, wireApi)));
      assert.equal(long.kind, 'contextWindow');
      assert.match(long.message, /too long for mock-1; compact it/);
    });

    it('retries a stream-level server failure, but not a context-window one', async () => {
      const m = await mock([
        failed('server_error'),
        text('ok'),
        failed('context_length_exceeded', 'context length exceeded'),
      ]);
      const { deps } = fastSleep();
      const ok = await run(provider(m.url, wireApi), request(), deps);
      if (wireApi === 'responses') {
        assert.deepEqual(stop(ok), { type: 'completed' });
        assert.equal(
          errorOf(await run(provider(m.url, wireApi), request(), deps)).kind,
          'contextWindow',
        );
      } else {
        // A chat error chunk is not retried: it is a failure reported in a 200 stream.
        assert.equal(errorOf(ok).kind, 'server');
      }
    });

    it('fails at once, without retries, when nothing listens on this machine', async () => {
      const port = await closedPort();
      const { delays, deps } = fastSleep();
      const events = await run(
        provider(`http://127.0.0.1:${port}/v1`, wireApi, { maxRetries: 2 }),
        request(),
        deps,
      );
      const err = errorOf(events);
      assert.equal(err.kind, 'connection');
      assert.match(
        err.message,
        /^mock: connection to http:\/\/127\.0\.0\.1:\d+\/v1\/\S+ failed \(ECONNREFUSED\) — nothing is listening at http:\/\/127\.0\.0\.1:\d+\/v1 on this machine/,
      );
      assert.equal(delays.length, 0);
    });

    it('ends with aborted promptly when aborted during a hang, and closes the connection', async () => {
      const m = await mock([hang()]);
      const controller = new AbortController();
      const events: ModelEvent[] = [];
      const consumed = (async () => {
        for await (const event of createStreamFn(provider(m.url, wireApi))(
          request(),
          controller.signal,
        )) {
          events.push(event);
        }
      })();
      await m.waitForRequests(1);
      const abortedAt = performance.now();
      controller.abort();
      await consumed;
      assert.ok(performance.now() - abortedAt < 1000, 'ends promptly');
      assert.deepEqual(events.at(-1), { type: 'end', stop: { type: 'aborted' } });
      await m.waitForClientClose(1);
      assert.equal(m.clientCloses, 1);
    });

    it('treats an idle stream as a cut and retries it', async () => {
      // A function script: a slow machine may time out the second attempt too; it still ends.
      const m = await mock((_req, i) => (i === 0 ? hang() : text('ok')));
      const events = await run(
        provider(m.url, wireApi, { streamIdleTimeoutMs: 100 }),
        request(),
        fastSleep().deps,
      );
      const retry = events.find((e) => e.type === 'retry');
      assert.ok(retry?.type === 'retry');
      assert.equal(retry.reason, 'stream disconnected before completion: no data for 100 ms');
      assert.deepEqual(stop(events), { type: 'completed' });
      await m.waitForClientClose(1);
    });

    it('closes the connection when the consumer stops early', async () => {
      const m = await mock([hang(text('a b c d'))]);
      const stream = createStreamFn(provider(m.url, wireApi))(
        request(),
        new AbortController().signal,
      );
      for await (const event of stream) {
        if (event.type === 'text-delta') break;
      }
      await m.waitForClientClose(1);
      assert.equal(m.requests.length, 1);
    });
  });
}

describe('adapters, other cases', { timeout: 20_000 }, () => {
  it('round-trips a reasoning item with encrypted content exactly (responses)', async () => {
    const m = await mock([
      step(reasoning('thinking it over', { encrypted: 'gAAAA-opaque==' }), text('hi')),
      text('bye'),
    ]);
    const first = await run(provider(m.url, 'responses'));
    const thought = items(first)[0];
    assert.deepEqual(thought, {
      type: 'reasoning',
      id: 'rs_1',
      summary: [{ type: 'summary_text', text: 'thinking it over' }],
      encrypted_content: 'gAAAA-opaque==',
    });
    const summary = first
      .filter((e) => e.type === 'reasoning-summary-delta')
      .map((e) => e.type === 'reasoning-summary-delta' && e.delta);
    assert.equal(summary.join(''), 'thinking it over');
    await run(provider(m.url, 'responses'), request([user('hi'), ...items(first), user('more')]));
    const body = m.requests[1]?.body ?? '';
    assert.ok(body.includes(JSON.stringify(thought)));
    const json = m.requests[1]?.json as {
      input: unknown[];
      prompt_cache_key: string;
      store: boolean;
    };
    assert.deepEqual(json.input[2], thought);
    assert.equal(json.prompt_cache_key, 'thread-1');
    assert.equal(json.store, false);
  });

  it('answers with a clear 500 when the script runs out, and records it', async () => {
    const m = await mock([text('only one')]);
    await run(provider(m.url, 'responses'));
    const err = errorOf(await run(provider(m.url, 'responses', { maxRetries: 0 })));
    assert.equal(err.kind, 'server');
    assert.match(err.message, /mock model script ran out: request #2 but the script has 1 steps/);
    assert.deepEqual(m.problems, [
      'mock model script ran out: request #2 but the script has 1 steps',
    ]);
  });

  it('ends with aborted while sleeping before a retry', async () => {
    const m = await mock([error(429, undefined, { 'retry-after': '30' }), text('never')]);
    const controller = new AbortController();
    const events: ModelEvent[] = [];
    for await (const event of createStreamFn(provider(m.url, 'chat'))(
      request(),
      controller.signal,
    )) {
      events.push(event);
      if (event.type === 'retry') controller.abort();
    }
    assert.deepEqual(kinds(events), ['request', 'retry', 'end']);
    assert.deepEqual(stop(events), { type: 'aborted' });
    assert.equal(m.requests.length, 1);
  });

  it('rejects an invalid base URL without sending anything', async () => {
    const err = errorOf(await run(provider('localhost:11434', 'chat')));
    assert.equal(err.kind, 'connection');
    assert.match(
      err.message,
      /^mock: invalid baseUrl "localhost:11434" — set baseUrl to a full http\(s\) URL/,
    );
  });

  it('refuses an unknown wireApi without sending anything', async () => {
    const config = provider('http://127.0.0.1:1', 'soap' as WireApi);
    const err = errorOf(await run(config));
    assert.equal(err.kind, 'protocol');
    assert.match(
      err.message,
      /^mock: unknown wireApi "soap" — use "responses", "chat" or "anthropic"/,
    );
  });

  it('sends custom headers and is fast enough for a 100-step benchmark', async () => {
    const m = await mock(() => text('ok'));
    const config = provider(m.url, 'responses', { headers: { 'x-yoke-test': '1' } });
    for (let i = 0; i < 100; i++) assert.deepEqual(stop(await run(config)), { type: 'completed' });
    assert.equal(m.requests.length, 100);
    assert.equal(m.requests[99]?.headers['x-yoke-test'], '1');
  });
});
