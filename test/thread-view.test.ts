// The one reducer of a thread's notifications into the view every client draws (src/client/
// thread-view.ts): the web page, the TUI and `yoke exec` keep their threads with it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addApproval,
  applyNotification,
  cacheShare,
  emptyThread,
  findTurn,
  fromSnapshot,
  lastAgentMessage,
} from '../src/client/thread-view.ts';
import type { ServerNotification } from '../src/protocol/methods.ts';
import type { Thread } from '../src/protocol/thread.ts';

const T = { threadId: 'th', turnId: 'tu' };
const usage = (input: number, cached: number) => ({
  totalTokens: input + 10,
  inputTokens: input,
  cachedInputTokens: cached,
  cacheWriteInputTokens: 0,
  outputTokens: 10,
  reasoningOutputTokens: 0,
});

test('a streamed turn: deltas build the items, completed items replace them', () => {
  const view = emptyThread('th');
  const apply = (n: ServerNotification) => assert.ok(applyNotification(view, n), n.method);
  apply({
    method: 'turn/started',
    params: { threadId: 'th', turn: { id: 'tu', items: [], status: 'inProgress' } },
  });
  apply({
    method: 'item/started',
    params: { ...T, item: { type: 'agentMessage', id: 'a', text: '' }, startedAtMs: 1 },
  });
  apply({ method: 'item/agentMessage/delta', params: { ...T, itemId: 'a', delta: 'Hel' } });
  apply({ method: 'item/agentMessage/delta', params: { ...T, itemId: 'a', delta: 'lo' } });
  assert.deepEqual(view.turns[0]!.items[0], { type: 'agentMessage', id: 'a', text: 'Hello' });
  assert.ok(view.live.has('a'));

  const command = {
    type: 'commandExecution' as const,
    id: 'c',
    command: 'ls',
    cwd: '/r',
    processId: null,
    status: 'inProgress' as const,
    commandActions: [],
    aggregatedOutput: null,
    exitCode: null,
    durationMs: null,
  };
  apply({ method: 'item/started', params: { ...T, item: command, startedAtMs: 2 } });
  apply({
    method: 'item/commandExecution/outputDelta',
    params: { ...T, itemId: 'c', delta: 'a\n' },
  });
  apply({
    method: 'item/commandExecution/outputDelta',
    params: { ...T, itemId: 'c', delta: 'b\n' },
  });
  assert.equal((view.turns[0]!.items[1] as typeof command).aggregatedOutput, 'a\nb\n');
  assert.equal(command.aggregatedOutput, null, "the notification's own item is not written");
  apply({
    method: 'item/completed',
    params: {
      ...T,
      item: { ...command, status: 'completed', aggregatedOutput: 'a\nb\n', exitCode: 0 },
      completedAtMs: 3,
    },
  });
  assert.ok(!view.live.has('c'));

  apply({
    method: 'thread/tokenUsage/updated',
    params: {
      ...T,
      tokenUsage: { total: usage(1000, 600), last: usage(500, 450), modelContextWindow: null },
    },
  });
  assert.equal(cacheShare(view.usage!.total), 0.6);
  apply({
    method: 'turn/completed',
    params: {
      threadId: 'th',
      turn: { id: 'tu', items: [], status: 'completed', durationMs: 42 },
    },
  });
  assert.equal(view.turns[0]!.status, 'completed');
  assert.equal(view.turns[0]!.durationMs, 42);
  assert.equal(view.live.size, 0);
  assert.equal(view.turns[0]!.items.length, 2);
});

test('a streamed message whose item/started was missed starts from its delta; output of an unknown command is dropped; unrelated notifications change nothing', () => {
  const view = emptyThread('th');
  assert.ok(
    applyNotification(view, {
      method: 'item/agentMessage/delta',
      params: { ...T, itemId: 'x', delta: 'joined late' },
    }),
  );
  assert.deepEqual(view.turns[0]!.items, [{ type: 'agentMessage', id: 'x', text: 'joined late' }]);
  assert.ok(view.live.has('x'));
  assert.equal(
    applyNotification(view, {
      method: 'item/commandExecution/outputDelta',
      params: { ...T, itemId: 'nope', delta: 'lost' },
    }),
    false,
  );
  assert.equal(
    applyNotification(view, { method: 'thread/archived', params: { threadId: 'th' } }),
    false,
  );
  assert.equal(cacheShare(null), null);
  assert.equal(cacheShare(usage(0, 0)), null);
});

test('a snapshot keeps the usage and plan already known', () => {
  const before = emptyThread('th');
  before.plan = { explanation: null, steps: [{ step: 's', status: 'pending' }] };
  const thread = {
    id: 'th',
    status: { type: 'idle' },
    turns: [{ id: 'tu', status: 'completed', items: [{ type: 'plan', id: 'p', text: 'x' }] }],
  } as unknown as Thread;
  const view = fromSnapshot(thread, before);
  assert.equal(view.turns[0]!.items.length, 1);
  assert.equal(view.thread!.turns.length, 0, 'turns live in view.turns only');
  assert.deepEqual(view.plan, before.plan);
});

test("a turn's usage is the sum of its requests; the thread's is the latest total", () => {
  const view = emptyThread('th');
  const update = (total: number, last: number, turnId = 'tu') =>
    applyNotification(view, {
      method: 'thread/tokenUsage/updated',
      params: {
        threadId: 'th',
        turnId,
        tokenUsage: { total: usage(total, 0), last: usage(last, 0), modelContextWindow: null },
      },
    });
  update(100, 100, 'earlier');
  update(300, 200);
  update(700, 400);
  assert.equal(findTurn(view, 'tu')!.usage!.inputTokens, 600);
  assert.equal(findTurn(view, 'tu')!.usage!.outputTokens, 20);
  assert.equal(view.usage!.total.inputTokens, 700);
  assert.equal(findTurn(view, 'earlier')!.usage!.inputTokens, 100);
});

test('approvals: asked, kept across a snapshot, gone when resolved elsewhere', () => {
  const view = emptyThread('th');
  const params = { ...T, itemId: 'c1', startedAtMs: 0, command: 'make' };
  addApproval(view, { requestId: 7, kind: 'command', params });
  addApproval(view, {
    requestId: 8,
    kind: 'fileChange',
    params: { ...T, itemId: 'f1', startedAtMs: 0 },
  });
  const thread = { id: 'th', status: { type: 'idle' }, turns: [] } as unknown as Thread;
  const again = fromSnapshot(thread, view);
  assert.deepEqual(
    again.approvals.map((a) => a.requestId),
    [7, 8],
  );
  assert.ok(
    applyNotification(again, {
      method: 'serverRequest/resolved',
      params: { threadId: 'th', requestId: 7 },
    }),
  );
  assert.deepEqual(
    again.approvals.map((a) => a.requestId),
    [8],
  );
  assert.equal(
    applyNotification(again, {
      method: 'serverRequest/resolved',
      params: { threadId: 'th', requestId: 7 },
    }),
    false,
  );
});

test("the turn's answer is its last agent message", () => {
  const view = emptyThread('th');
  for (const [id, text] of [
    ['a1', 'first'],
    ['a2', 'the answer'],
  ])
    applyNotification(view, {
      method: 'item/completed',
      params: { ...T, item: { type: 'agentMessage', id: id!, text: text! }, completedAtMs: 0 },
    });
  assert.equal(lastAgentMessage(findTurn(view, 'tu')), 'the answer');
  assert.equal(lastAgentMessage(undefined), null);
});
