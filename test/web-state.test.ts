// The web page's pure parts: the thread state rebuilt from notifications, and the diff
// colouriser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerNotification } from '../src/protocol/methods.ts';
import type { Thread } from '../src/protocol/thread.ts';
import { classifyDiff, diffCounts } from '../web/src/diff-lines.ts';
import { relativePath, taskWorktreePrefix } from '../web/src/format.ts';
import { parseRoute } from '../web/src/router.ts';
import {
  applyNotification,
  cacheShare,
  emptyThread,
  fromSnapshot,
} from '../web/src/thread-state.ts';

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

test('a delta for an item never seen is dropped; unrelated notifications change nothing', () => {
  const view = emptyThread('th');
  assert.equal(
    applyNotification(view, {
      method: 'item/agentMessage/delta',
      params: { ...T, itemId: 'x', delta: 'lost' },
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

test('diff lines: headers, hunks, additions, removals — counted hunks, not guesses', () => {
  const diff = [
    'diff --git a/x b/x',
    'index 1..2 100644',
    '--- a/x',
    '+++ b/x',
    '@@ -1,3 +1,3 @@',
    ' keep',
    '--- a removed line that looks like a header',
    '+++ an added one',
    ' end',
    '--- a/y',
    '+++ b/y',
    '@@ -1 +1 @@',
    '-old',
    '+new',
    '\\ No newline at end of file',
    '',
  ].join('\n');
  const kinds = classifyDiff(diff).map((l) => l.kind);
  assert.deepEqual(kinds, [
    'file',
    'meta',
    'file',
    'file',
    'hunk',
    'context',
    'del',
    'add',
    'context',
    'file',
    'file',
    'hunk',
    'del',
    'add',
    'note',
  ]);
  assert.deepEqual(diffCounts(classifyDiff(diff)), { added: 2, removed: 2 });
});

test('routes and paths', () => {
  assert.deepEqual(parseRoute(''), { page: 'board' });
  assert.deepEqual(parseRoute('#/'), { page: 'board' });
  assert.deepEqual(parseRoute('#/task/abc'), { page: 'task', id: 'abc' });
  assert.deepEqual(parseRoute('#/thread/a%2Fb'), { page: 'thread', id: 'a/b' });
  assert.equal(parseRoute('#/x').page, 'missing');
  const path = '/home/u/.yoke/worktrees/t1/src/a.ts';
  assert.equal(relativePath(path, [null, taskWorktreePrefix(path, 't1')]), 'src/a.ts');
  assert.equal(relativePath('/r/a.ts', ['/r']), 'a.ts');
  assert.equal(relativePath('/other/a.ts', ['/r']), '/other/a.ts');
});
