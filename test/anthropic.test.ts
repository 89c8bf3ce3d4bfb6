// The Anthropic Messages adapter against the scripted mock model server, over real loopback
// HTTP. Conversion and parser details: anthropic-units.test.ts.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  isAnthropicPrefixExtension,
  stripCacheControl,
  thinkingBudget,
} from '../src/models/anthropic-messages.ts';
import { commonPrefixLength, isPrefixExtension } from '../src/models/cache-prefix.ts';
import { createStreamFn, type TransportDeps } from '../src/models/provider.ts';
import type { HistoryItem, ModelEvent } from '../src/models/types.ts';
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

const anthropic = (url: string, extra = {}) => provider(url, 'anthropic', extra);
type Body = {
  model: string;
  max_tokens: number;
  stream: boolean;
  system: Record<string, unknown>[];
  tools: Record<string, unknown>[];
  thinking?: unknown;
  tool_choice?: unknown;
  messages: { role: string; content: Record<string, unknown>[] }[];
};
const bodyOf = (m: MockModel, index: number): Body => m.requests[index]?.json as Body;
const EPHEMERAL = { type: 'ephemeral' };
const twoTools = [
  { name: 'shell', description: 'Run a command', parameters: { type: 'object' } },
  { name: 'read_file', description: 'Read a file', parameters: { type: 'object' } },
];

describe('anthropic adapter', { timeout: 20_000 }, () => {
  it('sends the Messages request shape: headers, system, tools, breakpoints, messages last', async () => {
    const m = await mock([text('ok')]);
    await run(anthropic(m.url), request([user('hi')], { tools: twoTools }));
    const sent = m.requests[0];
    assert.equal(sent?.path, '/v1/messages');
    assert.equal(sent.api, 'anthropic');
    assert.equal(sent.headers['x-api-key'], 'sk-test');
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    assert.equal(sent.headers.authorization, undefined);
    assert.equal(sent.headers.accept, 'text/event-stream');
    assert.equal(sent.headers['content-type'], 'application/json');
    const body = bodyOf(m, 0);
    assert.deepEqual(Object.keys(body), [
      'model',
      'max_tokens',
      'stream',
      'system',
      'tools',
      'messages',
    ]);
    assert.equal(body.model, 'mock-1');
    assert.equal(body.max_tokens, 32_000);
    assert.equal(body.stream, true);
    assert.deepEqual(body.system, [
      { type: 'text', text: 'You are a test.', cache_control: EPHEMERAL },
    ]);
    assert.deepEqual(body.tools, [
      { name: 'shell', description: 'Run a command', input_schema: { type: 'object' } },
      {
        name: 'read_file',
        description: 'Read a file',
        input_schema: { type: 'object' },
        cache_control: EPHEMERAL,
      },
    ]);
    assert.deepEqual(body.messages, [
      { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: EPHEMERAL }] },
    ]);
    assert.equal(body.thinking, undefined);
  });

  it('maps reasoning effort to a thinking budget below max_tokens', async () => {
    const m = await mock([text('a'), text('b'), text('c')]);
    await run(anthropic(m.url), request([user('hi')], { reasoningEffort: 'high' }));
    assert.deepEqual(bodyOf(m, 0).thinking, { type: 'enabled', budget_tokens: 20_000 });
    assert.equal(bodyOf(m, 0).max_tokens, 32_000);
    await run(anthropic(m.url), request([user('hi')], { reasoningEffort: 'xhigh' }));
    assert.deepEqual(bodyOf(m, 1).thinking, { type: 'enabled', budget_tokens: 32_000 - 4096 });
    // max_tokens per model, as the runtime passes it from the model catalog.
    const stream = createStreamFn(
      anthropic(m.url),
      {},
      { anthropic: { maxTokens: (model) => (model === 'mock-1' ? 8192 : undefined) } },
    );
    for await (const _ of stream(
      request([user('hi')], { reasoningEffort: 'medium' }),
      new AbortController().signal,
    ));
    assert.equal(bodyOf(m, 2).max_tokens, 8192);
    assert.deepEqual(bodyOf(m, 2).thinking, { type: 'enabled', budget_tokens: 8192 - 4096 });
    assert.equal(thinkingBudget('minimal', 32_000), 1024);
    assert.equal(thinkingBudget('high', 2000), 1024);
  });

  it('streams text deltas, then one message item, usage and a completed end', async () => {
    const m = await mock([text('Hello there, world.', { chunks: 3 })]);
    const events = await run(anthropic(m.url));
    assert.equal(deltas(events), 'Hello there, world.');
    assert.equal(events.filter((e) => e.type === 'text-delta').length, 3);
    assert.deepEqual(items(events), [
      {
        type: 'message',
        id: 'msg_1',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Hello there, world.' }],
      },
    ]);
    assert.ok(events.every((e) => e.type !== 'text-delta' || e.itemId === 'msg_1'));
    assert.deepEqual(kinds(events).slice(0, 1), ['request']);
    assert.deepEqual(kinds(events).slice(-3), ['item', 'usage', 'end']);
    assert.deepEqual(stop(events), { type: 'completed' });
  });

  it('returns tool_use blocks as function calls and pairs them with tool_result next time', async () => {
    const m = await mock([
      step(
        text('Let me look.'),
        toolCall('shell', { cmd: 'ls' }),
        toolCall('shell', '{"cmd":"pwd"}'),
      ),
      text('done'),
    ]);
    const first = await run(anthropic(m.url));
    assert.deepEqual(items(first), [
      {
        type: 'message',
        id: 'msg_1',
        role: 'assistant',
        content: [{ type: 'output_text', text: 'Let me look.' }],
      },
      {
        type: 'function_call',
        id: 'fc_1_1',
        call_id: 'toolu_1',
        name: 'shell',
        arguments: '{"cmd":"ls"}',
      },
      {
        type: 'function_call',
        id: 'fc_1_2',
        call_id: 'toolu_2',
        name: 'shell',
        arguments: '{"cmd":"pwd"}',
      },
    ]);
    const history: HistoryItem[] = [
      user('hi'),
      ...items(first),
      { type: 'function_call_output', call_id: 'toolu_1', output: 'a.txt' },
      { type: 'function_call_output', call_id: 'toolu_2', output: '/work' },
    ];
    const second = await run(anthropic(m.url), request(history));
    assert.equal(deltas(second), 'done');
    assert.deepEqual(bodyOf(m, 1).messages, [
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_1', name: 'shell', input: { cmd: 'ls' } },
          { type: 'tool_use', id: 'toolu_2', name: 'shell', input: { cmd: 'pwd' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_2',
            content: '/work',
            cache_control: EPHEMERAL,
          },
        ],
      },
    ]);
  });

  it('passes thinking blocks back verbatim with their signature', async () => {
    const m = await mock([
      step(
        reasoning('thinking it over', { encrypted: 'EqQBCkYIBxgCKkA-sig==' }),
        toolCall('shell'),
      ),
      text('bye'),
    ]);
    const first = await run(anthropic(m.url), request([user('hi')], { reasoningEffort: 'low' }));
    const [thought, call] = items(first);
    assert.deepEqual(thought, {
      type: 'reasoning',
      id: 'rs_1_0',
      summary: [{ type: 'summary_text', text: 'thinking it over' }],
      signature: 'EqQBCkYIBxgCKkA-sig==',
    });
    const summary = first.flatMap((e) => (e.type === 'reasoning-summary-delta' ? [e] : []));
    assert.equal(summary.map((e) => e.delta).join(''), 'thinking it over');
    assert.ok(summary.every((e) => e.itemId === 'rs_1_0' && e.summaryIndex === 0));
    assert.ok(call?.type === 'function_call');
    const history: HistoryItem[] = [
      user('hi'),
      ...items(first),
      { type: 'function_call_output', call_id: call.call_id, output: 'ok' },
    ];
    await run(anthropic(m.url), request(history, { reasoningEffort: 'low' }));
    assert.deepEqual(bodyOf(m, 1).messages[1], {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'thinking it over', signature: 'EqQBCkYIBxgCKkA-sig==' },
        { type: 'tool_use', id: 'toolu_1', name: 'shell', input: {} },
      ],
    });
    assert.ok(
      (m.requests[1]?.body ?? '').includes(
        '{"type":"thinking","thinking":"thinking it over","signature":"EqQBCkYIBxgCKkA-sig=="}',
      ),
    );
  });

  it('reports usage with cache reads and writes, and keeps requests prefix-extending', async () => {
    const m = await mock([
      step(reasoning('plan'), toolCall('shell', { cmd: 'ls' })),
      text('one'),
      text('two'),
      step(text('three'), usage({ inputTokens: 7, cachedTokens: 5, outputTokens: 3 })),
    ]);
    const a = await run(anthropic(m.url), request([user('hi')], { reasoningEffort: 'low' }));
    let history: HistoryItem[] = [
      user('hi'),
      ...items(a),
      { type: 'function_call_output', call_id: 'toolu_1', output: 'a.txt' },
    ];
    const b = await run(anthropic(m.url), request(history, { reasoningEffort: 'low' }));
    history = [...history, ...items(b), user('again')];
    const c = await run(anthropic(m.url), request(history, { reasoningEffort: 'low' }));
    const bodies = m.requests.map((r) => r.body);
    const [b1 = '', b2 = '', b3 = ''] = bodies;
    // Byte-prefix-extensions once the moving breakpoint is set aside…
    assert.ok(isAnthropicPrefixExtension(b1, b2));
    assert.ok(isAnthropicPrefixExtension(b2, b3));
    assert.ok(stripCacheControl(b3).startsWith(stripCacheControl(b1).slice(0, -4)));
    // …which moves by design: the raw bodies differ where the old breakpoint was.
    assert.ok(!isPrefixExtension(b1, b2));
    for (const body of bodies) assert.equal(body.split('"cache_control"').length - 1, 3);
    const last = bodyOf(m, 2).messages.at(-1);
    assert.deepEqual(last, {
      role: 'user',
      content: [{ type: 'text', text: 'again', cache_control: EPHEMERAL }],
    });

    const usageOf = (events: ModelEvent[]) => {
      const found = events.find((e) => e.type === 'usage');
      assert.ok(found?.type === 'usage');
      return found.usage;
    };
    const total = Math.ceil(b2.length / 4);
    const read = Math.floor(commonPrefixLength(b1, b2) / 4);
    assert.ok(read > 0);
    assert.deepEqual(usageOf(b), {
      inputTokens: total,
      cachedInputTokens: read,
      cacheWriteInputTokens: total - read,
      outputTokens: 1,
      reasoningOutputTokens: 0,
      totalTokens: total + 1,
    });
    assert.equal(usageOf(c).cachedInputTokens, Math.floor(commonPrefixLength(b2, b3) / 4));
    const d = await run(anthropic(m.url));
    assert.deepEqual(usageOf(d), {
      inputTokens: 7,
      cachedInputTokens: 5,
      cacheWriteInputTokens: 2,
      outputTokens: 3,
      reasoningOutputTokens: 0,
      totalTokens: 10,
    });
  });

  it('waits for Retry-After on a 429, then succeeds', async () => {
    const m = await mock([
      error(
        429,
        { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
        {
          'retry-after': '2',
        },
      ),
      text('ok'),
    ]);
    const { delays, deps } = fastSleep();
    const events = await run(anthropic(m.url), request(), deps);
    assert.deepEqual(delays, [2000]);
    const retry = events.find((e) => e.type === 'retry');
    assert.ok(retry?.type === 'retry');
    assert.deepEqual(
      { attempt: retry.attempt, delayMs: retry.delayMs, reason: retry.reason },
      { attempt: 2, delayMs: 2000, reason: '429 Too Many Requests' },
    );
    assert.equal(deltas(events), 'ok');
    assert.deepEqual(stop(events), { type: 'completed' });
  });

  it('retries a 529 and a mid-stream overloaded_error, then succeeds', async () => {
    const m = await mock([
      error(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      failed(),
      text('ok'),
    ]);
    const { delays, deps } = fastSleep();
    const events = await run(anthropic(m.url), request(), deps);
    assert.equal(delays.length, 2);
    const reasons = events.flatMap((e) => (e.type === 'retry' ? [e.reason] : []));
    assert.deepEqual(reasons, ['529 Overloaded', 'overloaded_error']);
    assert.equal(deltas(events), 'ok');
    assert.deepEqual(stop(events), { type: 'completed' });
    assert.equal(m.requests.length, 3);
  });

  it('gives up on a persistent 529 with a server error naming the provider', async () => {
    const m = await mock(() =>
      error(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
    );
    const { deps } = fastSleep();
    const err = errorOf(await run(anthropic(m.url, { maxRetries: 1 }), request(), deps));
    assert.equal(err.kind, 'server');
    assert.equal(err.status, 529);
    assert.equal(
      err.message,
      `mock: 529 Overloaded from ${m.url}/messages after 2 attempts: Overloaded — the provider is having trouble; try again later`,
    );
  });

  it('fails at once on 401, naming the provider, the URL and the env key', async () => {
    const m = await mock([
      error(401, {
        type: 'error',
        error: { type: 'authentication_error', message: 'invalid x-api-key' },
      }),
      text('never'),
    ]);
    const err = errorOf(await run(anthropic(m.url, { envKey: 'ANTHROPIC_API_KEY' })));
    assert.equal(err.kind, 'auth');
    assert.equal(err.status, 401);
    assert.equal(
      err.message,
      `mock: 401 Unauthorized from ${m.url}/messages: invalid x-api-key — check the API key in ANTHROPIC_API_KEY (envKey)`,
    );
    assert.equal(m.requests.length, 1);
    const m2 = await mock([error(401)]);
    const missing = errorOf(await run(anthropic(m2.url, { apiKey: '' })));
    assert.match(missing.message, /no API key was sent; set MOCK_API_KEY/);
    assert.equal(m2.requests[0]?.headers['x-api-key'], undefined);
  });

  it('maps a wrong base URL to notFound and a long prompt to contextWindow', async () => {
    const m = await mock([
      error(400, {
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message: 'prompt is too long: 210000 tokens > 200000 maximum',
        },
      }),
    ]);
    const missing = errorOf(await run(anthropic(`${m.url}/nope`)));
    assert.equal(missing.kind, 'notFound');
    const long = errorOf(await run(anthropic(m.url)));
    assert.equal(long.kind, 'contextWindow');
    assert.match(long.message, /prompt is too long.*too long for mock-1; compact it/);
  });

  it('retries a reset and an empty cut; a cut after text ends with streamCut', async () => {
    const m = await mock([reset(), cut(), text('ok'), cut(text('partial answer', { chunks: 2 }))]);
    const { delays, deps } = fastSleep();
    const ok = await run(anthropic(m.url), request(), deps);
    assert.equal(delays.length, 2);
    assert.equal(deltas(ok), 'ok');
    const partial = await run(anthropic(m.url), request(), deps);
    assert.equal(deltas(partial), 'partial answer');
    const err = errorOf(partial);
    assert.equal(err.kind, 'streamCut');
    assert.match(err.message, /^stream disconnected before completion: .*\(mock: .* not retried/);
    assert.equal(m.requests.length, 4);
  });

  it('ends with aborted promptly when aborted during a hang, and closes the connection', async () => {
    const m = await mock([hang(text('a b c'))]);
    const controller = new AbortController();
    const events: ModelEvent[] = [];
    const stream = createStreamFn(anthropic(m.url))(request(), controller.signal);
    for await (const event of stream) {
      events.push(event);
      if (event.type === 'text-delta' && deltas(events) === 'a b c') controller.abort();
    }
    assert.deepEqual(events.at(-1), { type: 'end', stop: { type: 'aborted' } });
    assert.equal(items(events).length, 0);
    await m.waitForClientClose(1);
    assert.equal(m.clientCloses, 1);
  });

  it('user headers win over the defaults', async () => {
    const m = await mock([text('ok')]);
    await run(
      anthropic(m.url, { headers: { 'anthropic-version': '2099-01-01', 'anthropic-beta': 'x' } }),
    );
    assert.equal(m.requests[0]?.headers['anthropic-version'], '2099-01-01');
    assert.equal(m.requests[0]?.headers['anthropic-beta'], 'x');
  });

  it('is what createStreamFn returns for wireApi "anthropic"', async () => {
    const m = await mock([text('wired')]);
    const deps: TransportDeps = {};
    assert.equal(deltas(await run(anthropic(m.url), request(), deps)), 'wired');
  });
});
