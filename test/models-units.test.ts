// Pure parts of src/models: backoff, Retry-After, request bodies and their prefix property.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { commonPrefixLength, isPrefixExtension, prefixRatio } from '../src/models/cache-prefix.ts';
import { buildChatBody, toChatMessages } from '../src/models/chat-messages.ts';
import { connectionFailure, providerErrorInfo } from '../src/models/errors.ts';
import { buildResponsesBody } from '../src/models/responses.ts';
import { backoffDelay, parseRetryAfter, retryPolicy, sleep } from '../src/models/retry.ts';
import type { HistoryItem, ModelRequest } from '../src/models/types.ts';

const user = (text: string): HistoryItem => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});

const turn: HistoryItem[] = [
  user('list the files'),
  {
    type: 'reasoning',
    id: 'rs_1',
    summary: [{ type: 'summary_text', text: 'ls' }],
    encrypted_content: 'enc',
  },
  {
    type: 'message',
    id: 'msg_1',
    role: 'assistant',
    content: [{ type: 'output_text', text: 'Sure.' }],
  },
  {
    type: 'function_call',
    id: 'fc_1',
    call_id: 'call_1',
    name: 'shell',
    arguments: '{"cmd":"ls"}',
  },
  {
    type: 'function_call',
    id: 'fc_2',
    call_id: 'call_2',
    name: 'shell',
    arguments: '{"cmd":"pwd"}',
  },
  { type: 'function_call_output', call_id: 'call_1', output: 'a.txt' },
  { type: 'function_call_output', call_id: 'call_2', output: '/w' },
];

function request(input: HistoryItem[], extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    model: 'gpt-test',
    instructions: 'You are Yoke.',
    input,
    tools: [{ name: 'shell', description: 'Run a command', parameters: { type: 'object' } }],
    promptCacheKey: 'thread-1',
    reasoningEffort: 'medium',
    parallelToolCalls: true,
    ...extra,
  };
}

describe('backoff', () => {
  it('grows exponentially with equal jitter by default and is capped', () => {
    const policy = retryPolicy({ retryBaseMs: 500 });
    assert.equal(policy.maxRetries, 4);
    assert.deepEqual(
      [1, 2, 3].map((r) => backoffDelay(policy, r, () => 0)),
      [250, 500, 1000],
    );
    assert.deepEqual(
      [1, 2, 3].map((r) => backoffDelay(policy, r, () => 0.999999)),
      [500, 1000, 2000],
    );
    assert.equal(
      backoffDelay(policy, 30, () => 0.999999),
      30_000,
    );
  });

  it('supports full jitter and no jitter', () => {
    const policy = { ...retryPolicy({ retryBaseMs: 100 }), jitter: 'full' as const };
    assert.equal(
      backoffDelay(policy, 3, () => 0),
      0,
    );
    assert.equal(
      backoffDelay(policy, 3, () => 0.5),
      200,
    );
    assert.equal(
      backoffDelay({ ...policy, jitter: 'none' }, 3, () => 0.9),
      400,
    );
  });

  it('reads retry-after-ms, retry-after in seconds and as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter(new Headers({ 'retry-after-ms': '1500' }), now), 1500);
    assert.equal(parseRetryAfter(new Headers({ 'Retry-After': '3' }), now), 3000);
    assert.equal(parseRetryAfter({ 'Retry-After': '0.5' }, now), 500);
    assert.equal(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' }, now), 7000);
    assert.equal(parseRetryAfter({ 'retry-after': 'soon' }, now), undefined);
    assert.equal(parseRetryAfter(new Headers(), now), undefined);
  });

  it('sleep ends early when the signal aborts', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const done = sleep(60_000, controller.signal);
    controller.abort();
    await done;
    assert.ok(performance.now() - started < 1000);
  });
});

describe('commonPrefixLength', () => {
  it('finds the first difference at any position, across block boundaries', () => {
    const base = 'x'.repeat(2000);
    for (const at of [0, 1, 511, 512, 513, 1023, 1024, 1999]) {
      const other = `${base.slice(0, at)}y${base.slice(at + 1)}`;
      assert.equal(commonPrefixLength(base, other), at);
    }
    assert.equal(commonPrefixLength(base, base), 2000);
    assert.equal(commonPrefixLength(base, base.slice(0, 700)), 700);
    assert.equal(commonPrefixLength('', base), 0);
  });
});

describe('provider error bodies', () => {
  it('reads the message and code of the common shapes', () => {
    assert.deepEqual(
      providerErrorInfo(
        '{"error":{"message":"bad model","type":"invalid_request_error","code":null}}',
      ),
      {
        message: 'bad model',
        code: 'invalid_request_error',
      },
    );
    assert.deepEqual(providerErrorInfo('{"error":"model \\"x\\" not found"}'), {
      message: 'model "x" not found',
    });
    assert.deepEqual(providerErrorInfo('{"detail":"Not Found"}'), { message: 'Not Found' });
    assert.deepEqual(providerErrorInfo('upstream\nexploded'), { message: 'upstream exploded' });
  });
});

describe('Responses request body', () => {
  it('is byte-identical for the same request and puts input last', () => {
    const body = buildResponsesBody(request(turn));
    assert.equal(buildResponsesBody(request(structuredClone(turn))), body);
    const json = JSON.parse(body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), [
      'model',
      'stream',
      'store',
      'tool_choice',
      'parallel_tool_calls',
      'reasoning',
      'include',
      'prompt_cache_key',
      'tools',
      'input',
    ]);
    assert.deepEqual(json.reasoning, { effort: 'medium' });
    assert.deepEqual(json.include, ['reasoning.encrypted_content']);
    assert.deepEqual(json.tools, [
      {
        type: 'function',
        name: 'shell',
        description: 'Run a command',
        parameters: { type: 'object' },
        strict: false,
      },
    ]);
    const input = json.input as unknown[];
    assert.deepEqual(input[0], {
      type: 'message',
      role: 'developer',
      content: [{ type: 'input_text', text: 'You are Yoke.' }],
    });
    assert.deepEqual(input.slice(1), turn);
  });

  it('grows as a byte-prefix-extension when history is appended', () => {
    const first = buildResponsesBody(request(turn.slice(0, 1)));
    const second = buildResponsesBody(request(turn));
    const third = buildResponsesBody(request([...turn, user('thanks')]));
    assert.ok(isPrefixExtension(first, second));
    assert.ok(isPrefixExtension(second, third));
    assert.ok(second.startsWith(first.slice(0, -2)));
    assert.equal(prefixRatio(second, third), 1);
    const changed = buildResponsesBody(request(turn, { promptCacheKey: 'other' }));
    assert.ok(!isPrefixExtension(second, changed));
    assert.ok(prefixRatio(second, changed) < 0.5);
  });

  it('asks for a json_schema final answer when outputSchema is set', () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    const json = JSON.parse(buildResponsesBody(request([], { outputSchema: schema }))) as Record<
      string,
      unknown
    >;
    assert.deepEqual(json.text, {
      format: { type: 'json_schema', name: 'codex_output_schema', schema, strict: true },
    });
  });
});

describe('Chat request body', () => {
  it('converts history at the boundary', () => {
    const image: HistoryItem = {
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: 'what is this?' },
        { type: 'input_image', image_url: 'data:image/png;base64,AAAA' },
      ],
    };
    const developer: HistoryItem = {
      type: 'message',
      role: 'developer',
      content: [
        { type: 'input_text', text: 'rule 1' },
        { type: 'input_text', text: 'rule 2' },
      ],
    };
    const lone: HistoryItem = {
      type: 'function_call',
      call_id: 'call_3',
      name: 'shell',
      arguments: '{}',
    };
    assert.deepEqual(toChatMessages('base', [developer, ...turn, image, lone]), [
      { role: 'system', content: 'base' },
      { role: 'system', content: 'rule 1\n\nrule 2' },
      { role: 'user', content: 'list the files' },
      {
        role: 'assistant',
        content: 'Sure.',
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
      { role: 'tool', tool_call_id: 'call_2', content: '/w' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_3', type: 'function', function: { name: 'shell', arguments: '{}' } },
        ],
      },
    ]);
  });

  it('is deterministic, puts messages last and grows as a prefix-extension', () => {
    const schema = { type: 'object' };
    const first = buildChatBody(request(turn.slice(0, 1), { outputSchema: schema }));
    const second = buildChatBody(request(turn, { outputSchema: schema }));
    assert.equal(buildChatBody(request(turn.slice(0, 1), { outputSchema: schema })), first);
    assert.ok(isPrefixExtension(first, second));
    const json = JSON.parse(second) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), [
      'model',
      'stream',
      'stream_options',
      'reasoning_effort',
      'response_format',
      'tools',
      'tool_choice',
      'parallel_tool_calls',
      'messages',
    ]);
    assert.deepEqual(json.response_format, {
      type: 'json_schema',
      json_schema: { name: 'codex_output_schema', schema, strict: true },
    });
    assert.deepEqual(json.stream_options, { include_usage: true });
  });

  it('leaves tools out when there are none', () => {
    const json = JSON.parse(buildChatBody(request([user('hi')], { tools: [] }))) as Record<
      string,
      unknown
    >;
    assert.equal('tools' in json, false);
    assert.equal('tool_choice' in json, false);
  });
});

describe('connection failures', () => {
  const ctx = (baseUrl: string) => ({
    provider: 'p',
    url: `${baseUrl}/responses`,
    baseUrl,
    model: 'm',
    apiKeySet: true,
  });
  const failed = (code: string) => Object.assign(new Error(code), { code });

  it('does not retry a name that does not resolve, nor a refusal from this machine', () => {
    const dns = connectionFailure(ctx('https://api.example.invalid/v1'), failed('ENOTFOUND'));
    assert.equal(dns.retryable, false);
    assert.match(dns.fix, /does not resolve/);
    for (const host of ['127.0.0.1', 'localhost', '[::1]', '127.1.2.3']) {
      const refused = connectionFailure(ctx(`http://${host}:11434/v1`), failed('ECONNREFUSED'));
      assert.equal(refused.retryable, false, host);
    }
  });

  it('retries a refusal or reset from another host, and a temporary DNS failure', () => {
    const base = 'http://10.0.0.7:8000/v1';
    assert.equal(connectionFailure(ctx(base), failed('ECONNREFUSED')).retryable, true);
    assert.equal(connectionFailure(ctx(base), failed('ECONNRESET')).retryable, true);
    assert.equal(connectionFailure(ctx(base), failed('EAI_AGAIN')).retryable, true);
  });
});
