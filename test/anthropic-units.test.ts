// The Anthropic request conversion and the stream parser on their own (no server).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnthropicParser } from '../src/models/anthropic.ts';
import { buildAnthropicBody, toAnthropicMessages } from '../src/models/anthropic-messages.ts';
import type { CallContext } from '../src/models/errors.ts';
import type { HistoryItem, ModelEvent } from '../src/models/types.ts';
import { items, request, user } from './support/model-stream.ts';

const EPHEMERAL = { type: 'ephemeral' };

describe('anthropic request conversion', () => {
  const dev = (text: string): HistoryItem => ({
    type: 'message',
    role: 'developer',
    content: [{ type: 'input_text', text }],
  });

  it('puts leading developer messages in system, later ones in user turns, merging roles', () => {
    const history: HistoryItem[] = [
      dev('permissions'),
      dev('AGENTS.md'),
      user('hi'),
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hello' }] },
      dev('model switched'),
      user('next'),
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: 'look' },
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
          { type: 'input_image', image_url: 'https://example.com/a.jpg' },
        ],
      },
    ];
    const { system, messages } = toAnthropicMessages(history);
    assert.deepEqual(system, ['permissions', 'AGENTS.md']);
    assert.deepEqual(messages, [
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'model switched' },
          { type: 'text', text: 'next' },
          { type: 'text', text: 'look' },
          {
            type: 'image',
            source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
          },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.jpg' } },
        ],
      },
    ]);
    const body = JSON.parse(buildAnthropicBody({ ...request(history), tools: [] }));
    assert.deepEqual(body.system, [
      { type: 'text', text: 'You are a test.' },
      { type: 'text', text: 'permissions' },
      { type: 'text', text: 'AGENTS.md', cache_control: EPHEMERAL },
    ]);
    assert.equal(body.tools, undefined);
    assert.deepEqual(body.messages[2].content.at(-1), {
      type: 'image',
      source: { type: 'url', url: 'https://example.com/a.jpg' },
      cache_control: EPHEMERAL,
    });
  });

  it('puts tool results before user text in their message', () => {
    const { messages } = toAnthropicMessages([
      user('hi'),
      { type: 'function_call', call_id: 'toolu_1', name: 'shell', arguments: '{}' },
      user('steer: use pwd'),
      { type: 'function_call_output', call_id: 'toolu_1', output: 'a.txt' },
    ]);
    assert.deepEqual(messages[2], {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' },
        { type: 'text', text: 'steer: use pwd' },
      ],
    });
  });

  it('drops foreign reasoning, sends redacted thinking back, and repairs bad arguments', () => {
    const { messages } = toAnthropicMessages([
      user('hi'),
      { type: 'reasoning', id: 'rs_openai', summary: [], encrypted_content: 'gAAAA' },
      { type: 'reasoning', id: 'rs_1_0', summary: [], encrypted_content: 'opaque', signature: '' },
      { type: 'function_call', call_id: 'toolu_9', name: 'shell', arguments: '{"cmd": ' },
      { type: 'function_call', call_id: 'toolu_10', name: 'shell', arguments: '[1]' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: '' }] },
    ]);
    assert.deepEqual(messages[1], {
      role: 'assistant',
      content: [
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'tool_use', id: 'toolu_9', name: 'shell', input: {} },
        { type: 'tool_use', id: 'toolu_10', name: 'shell', input: {} },
      ],
    });
    assert.equal(messages.length, 2);
  });

  it('turns an output schema into a last system instruction, and honours parallelToolCalls', () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    const body = JSON.parse(
      buildAnthropicBody(request([user('hi')], { outputSchema: schema, parallelToolCalls: false })),
    );
    assert.equal(body.system.length, 2);
    assert.equal(body.system[0].cache_control, undefined);
    assert.match(body.system[1].text, /only a JSON value that conforms to this JSON Schema/);
    assert.ok(body.system[1].text.endsWith(JSON.stringify(schema)));
    assert.deepEqual(body.system[1].cache_control, EPHEMERAL);
    assert.deepEqual(body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
  });
});

describe('anthropic stream parser', () => {
  const ctx: CallContext = {
    provider: 'mock',
    url: 'http://x/v1/messages',
    baseUrl: 'http://x/v1',
    model: 'claude-test',
    apiKeySet: true,
  };
  const feed = (parser: AnthropicParser, events: Record<string, unknown>[]): ModelEvent[] =>
    events.flatMap((data) => parser.push({ event: String(data.type), data: JSON.stringify(data) }));

  it('reads redacted thinking, whole tool input, and a max_tokens stop after the items', () => {
    const parser = new AnthropicParser(ctx);
    const out = feed(parser, [
      {
        type: 'message_start',
        message: { id: 'msg_X', usage: { input_tokens: 10, output_tokens: 1 } },
      },
      {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'redacted_thinking', data: 'ZZ' },
      },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'toolu_A', name: 'read', input: { path: 'a' } },
      },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    ]);
    assert.deepEqual(out, []);
    assert.ok(parser.done);
    const finished = parser.finish();
    assert.deepEqual(items(finished), [
      { type: 'reasoning', id: 'rs_X_0', summary: [], encrypted_content: 'ZZ', signature: '' },
      {
        type: 'function_call',
        id: 'fc_X_1',
        call_id: 'toolu_A',
        name: 'read',
        arguments: '{"path":"a"}',
      },
    ]);
    const used = finished.find((e) => e.type === 'usage');
    assert.ok(used?.type === 'usage');
    assert.equal(used.usage.inputTokens, 10);
    assert.equal(used.usage.outputTokens, 9);
    assert.equal(parser.failure?.kind, 'contextWindow');
    assert.match(parser.failure?.fix ?? '', /hit max_tokens for claude-test/);
  });

  it('classifies stream errors: overload retryable, invalid request not', () => {
    const overloaded = new AnthropicParser(ctx);
    feed(overloaded, [
      { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    ]);
    assert.equal(overloaded.failure?.kind, 'server');
    assert.equal(overloaded.failure?.retryable, true);
    const invalid = new AnthropicParser(ctx);
    feed(invalid, [{ type: 'error', error: { type: 'invalid_request_error', message: 'bad' } }]);
    assert.equal(invalid.failure?.kind, 'badRequest');
    assert.equal(invalid.failure?.retryable, false);
    const garbage = new AnthropicParser(ctx);
    garbage.push({ event: 'message_start', data: '{oops' });
    assert.equal(garbage.failure?.kind, 'protocol');
  });
});
