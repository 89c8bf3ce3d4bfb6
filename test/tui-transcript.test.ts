// The terminal UI's transcript and approvals, driven by a fake App Server connection that the
// test feeds notification by notification, so every intermediate screen is deterministic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultOf, ServerNotification } from '../src/protocol/methods.ts';
import type { Thread } from '../src/protocol/thread.ts';
import { TuiController } from '../src/surfaces/tui/controller.ts';
import { wrapLine } from '../src/surfaces/tui/text-layout.ts';
import {
  FakeConnection,
  KEYS,
  renderApp,
  settle,
  waitForScreen,
  type Screen,
} from './support/tui.ts';

const THREAD = 'thread-1';
const TURN = 'turn-1';

function thread(id: string, turns: Thread['turns'] = []): Thread {
  return {
    id,
    sessionId: id,
    forkedFromId: null,
    preview: '',
    ephemeral: false,
    modelProvider: 'openai',
    model: 'gpt-test',
    createdAt: 0,
    updatedAt: 0,
    status: { type: 'idle' },
    path: null,
    cwd: '/work/repo',
    cliVersion: '0',
    source: 'appServer',
    name: null,
    projectId: null,
    turns,
  };
}

function opened(id = THREAD, turns: Thread['turns'] = []): ResultOf<'thread/start'> {
  return {
    thread: thread(id, turns),
    model: 'gpt-test',
    modelProvider: 'openai',
    cwd: '/work/repo',
    approvalPolicy: 'untrusted',
    approvalsReviewer: 'user',
    sandbox: { type: 'workspaceWrite' },
    reasoningEffort: null,
    instructionSources: [],
  };
}

async function setup(t: { after: (fn: () => void) => void }, rows = 24) {
  const connection = new FakeConnection({
    'thread/start': () => opened(),
    'turn/start': () => ({ turn: { id: TURN, items: [], status: 'inProgress' } }),
    'turn/interrupt': () => ({}),
  });
  const controller = new TuiController(connection, { cwd: '/work/repo' });
  await controller.startThread();
  const screen = renderApp(controller, { columns: 80, rows });
  t.after(() => screen.unmount());
  await settle(screen);
  const send = (n: ServerNotification) => connection.notify(n);
  return { connection, controller, screen, send };
}

const base = { threadId: THREAD, turnId: TURN };
const frame = (screen: Screen) => screen.lastFrame() ?? '';

test('agent text and reasoning stream in as their deltas arrive', async (t) => {
  const { screen, send } = await setup(t);
  send({
    method: 'turn/started',
    params: { threadId: THREAD, turn: { id: TURN, items: [], status: 'inProgress' } },
  });
  send({
    method: 'item/reasoning/summaryTextDelta',
    params: { ...base, itemId: 'r1', summaryIndex: 0, delta: 'Reading the' },
  });
  await waitForScreen(screen, /thinking: Reading the/);
  send({
    method: 'item/reasoning/summaryTextDelta',
    params: { ...base, itemId: 'r1', summaryIndex: 0, delta: ' tests' },
  });
  await waitForScreen(screen, /thinking: Reading the tests/);

  send({
    method: 'item/started',
    params: { ...base, item: { type: 'agentMessage', id: 'a1', text: '' }, startedAtMs: 0 },
  });
  send({
    method: 'item/agentMessage/delta',
    params: { ...base, itemId: 'a1', delta: 'The fix is' },
  });
  await waitForScreen(screen, /The fix is/);
  assert.doesNotMatch(frame(screen), /The fix is ready/);
  await waitForScreen(screen, /working \d+s; Esc to interrupt/);
  send({ method: 'item/agentMessage/delta', params: { ...base, itemId: 'a1', delta: ' ready.' } });
  await waitForScreen(screen, /The fix is ready\./);
  send({
    method: 'item/completed',
    params: {
      ...base,
      item: { type: 'agentMessage', id: 'a1', text: 'The fix is ready.' },
      completedAtMs: 0,
    },
  });
  send({
    method: 'turn/completed',
    params: { threadId: THREAD, turn: { id: TURN, items: [], status: 'completed' } },
  });
  await waitForScreen(screen, /\/help for commands/);
  // One copy of the message: the completed item replaced the streamed one.
  assert.equal(frame(screen).split('The fix is ready.').length, 2);
});

test('a command shows its live output, then its exit status', async (t) => {
  const { screen, send } = await setup(t);
  const command = {
    type: 'commandExecution' as const,
    id: 'c1',
    command: 'npm test',
    cwd: '/work/repo',
    processId: null,
    status: 'inProgress' as const,
    commandActions: [],
    aggregatedOutput: null,
    exitCode: null,
    durationMs: null,
  };
  send({ method: 'item/started', params: { ...base, item: command, startedAtMs: 0 } });
  await waitForScreen(screen, /\$ npm test/);
  send({
    method: 'item/commandExecution/outputDelta',
    params: { ...base, itemId: 'c1', delta: 'ok 1 - parses\n' },
  });
  await waitForScreen(screen, / {2}ok 1 - parses/);
  send({
    method: 'item/commandExecution/outputDelta',
    params: { ...base, itemId: 'c1', delta: '\x1b[31mnot ok 2\x1b[0m - formats\n' },
  });
  // Escape sequences from the command never reach the terminal.
  await waitForScreen(screen, / {2}not ok 2 - formats/);
  assert.doesNotMatch(frame(screen), /exit 1/);
  send({
    method: 'item/completed',
    params: {
      ...base,
      item: {
        ...command,
        status: 'failed',
        aggregatedOutput: 'ok 1 - parses\nnot ok 2 - formats\n',
        exitCode: 1,
        durationMs: 42,
      },
      completedAtMs: 0,
    },
  });
  await waitForScreen(screen, /exit 1 {2}42 ms/);
});

test('file changes show their diff; the plan shows its steps', async (t) => {
  const { screen, send } = await setup(t, 40);
  send({
    method: 'turn/plan/updated',
    params: {
      ...base,
      explanation: 'Two steps',
      plan: [
        { step: 'Find the greeting', status: 'completed' },
        { step: 'Change it', status: 'inProgress' },
        { step: 'Run the tests', status: 'pending' },
      ],
    },
  });
  await waitForScreen(
    screen,
    /plan\n {2}Two steps\n {2}\[x\] Find the greeting\n {2}\[>\] Change it\n {2}\[ \] Run the tests/,
  );
  send({
    method: 'item/completed',
    params: {
      ...base,
      item: {
        type: 'fileChange',
        id: 'f1',
        status: 'completed',
        changes: [
          {
            path: '/work/repo/greet.txt',
            kind: { type: 'update', move_path: null },
            diff: '--- a/greet.txt\n+++ b/greet.txt\n@@ -1,2 +1,2 @@\n hello\n-world\n+yoke\n',
          },
        ],
      },
      completedAtMs: 0,
    },
  });
  await waitForScreen(
    screen,
    /patch M greet\.txt\n--- a\/greet\.txt\n\+\+\+ b\/greet\.txt\n@@ -1,2 \+1,2 @@\n hello\n-world\n\+yoke/,
  );
  // A revised plan replaces the one on screen only while it is the last thing shown.
  send({
    method: 'turn/plan/updated',
    params: { ...base, explanation: null, plan: [{ step: 'Change it', status: 'completed' }] },
  });
  await waitForScreen(screen, /\[x\] Change it/);
  assert.equal(frame(screen).split('plan\n').length, 3);
});

test('the status line shows model, sandbox, approvals, context used and cached tokens', async (t) => {
  const { screen, send } = await setup(t);
  const lastLine = () => frame(screen).split('\n').at(-1) ?? '';
  assert.match(
    lastLine(),
    /^gpt-test \| sandbox workspace-write \| approvals untrusted \| context 0/,
  );
  const usage = {
    totalTokens: 0,
    inputTokens: 12_300,
    cachedInputTokens: 10_100,
    cacheWriteInputTokens: 0,
    outputTokens: 200,
    reasoningOutputTokens: 0,
  };
  send({
    method: 'thread/tokenUsage/updated',
    params: { ...base, tokenUsage: { total: usage, last: usage, modelContextWindow: 100_000 } },
  });
  await waitForScreen(screen, / \| context 12\.5k \(13%\) \| cached 10\.1k$/);
});

test('an 80x24 screen: long lines wrap, the last screenful shows, input and status stay at the bottom', async (t) => {
  const { screen, send } = await setup(t);
  const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
  send({
    method: 'item/completed',
    params: { ...base, item: { type: 'agentMessage', id: 'long', text: words }, completedAtMs: 0 },
  });
  await waitForScreen(screen, 'word399');
  const lines = frame(screen).split('\n');
  assert.equal(lines.length, 23, 'one row shorter than the terminal');
  for (const line of lines) assert.ok(line.length <= 80, `fits in 80 columns: ${line}`);
  assert.match(lines.at(-1)!, /^gpt-test \|/);
  assert.match(lines.at(-2)!, /^> /);
  assert.match(lines.at(-3)!, /^\u2500\u2500 \/help for commands/);
  assert.match(lines.at(-4)!, /word399$/, 'the end of the message is on screen');
  assert.doesNotMatch(frame(screen), /word0 /, 'the start has scrolled off');
  screen.stdin.write(KEYS.pageUp);
  await waitForScreen(screen, 'scrolled up; PgDn to go back down');
  assert.doesNotMatch(frame(screen), /word399$/m);
  screen.stdin.write(KEYS.pageDown);
  await waitForScreen(screen, /word399$/m);
});

test('wrapping breaks at spaces and hard-breaks words longer than the width', () => {
  assert.deepEqual(wrapLine('the quick brown fox', 10), ['the quick', 'brown fox']);
  assert.deepEqual(wrapLine('abcdefghijkl', 5), ['abcde', 'fghij', 'kl']);
  assert.deepEqual(wrapLine('', 5), ['']);
});

for (const [key, expected] of [
  ['y', 'accept'],
  ['a', 'acceptForSession'],
  ['r', { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['npm', 'test'] } }],
  ['n', 'decline'],
  [KEYS.escape, 'cancel'],
] as const) {
  test(`a command approval answered with ${JSON.stringify(key)} sends ${JSON.stringify(expected)}`, async (t) => {
    const { connection, screen } = await setup(t);
    const answer = connection.ask('item/commandExecution/requestApproval', {
      ...base,
      itemId: 'c1',
      startedAtMs: 0,
      command: 'npm test',
      cwd: '/work/repo',
      proposedExecpolicyAmendment: ['npm', 'test'],
    });
    await waitForScreen(screen, 'Run this command?');
    await waitForScreen(screen, /\$ npm test/);
    await waitForScreen(screen, /\[y\] yes {3}\[a\] yes, for this session/);
    await waitForScreen(screen, /\[r\] yes, and always allow "npm test"/);
    screen.stdin.write(key);
    assert.deepEqual((await answer).decision, expected);
    await waitForScreen(screen, '/help for commands');
    assert.doesNotMatch(frame(screen), /Run this command\?/);
  });
}

test('a patch approval shows the diff of the fileChange item that started before it', async (t) => {
  const { connection, screen, send } = await setup(t);
  send({
    method: 'item/started',
    params: {
      ...base,
      item: {
        type: 'fileChange',
        id: 'f1',
        status: 'inProgress',
        changes: [
          {
            path: '/work/repo/a.txt',
            kind: { type: 'add' },
            diff: '@@ -0,0 +1 @@\n+brand new line\n',
          },
        ],
      },
      startedAtMs: 0,
    },
  });
  const answer = connection.ask('item/fileChange/requestApproval', {
    ...base,
    itemId: 'f1',
    startedAtMs: 0,
  });
  await waitForScreen(screen, 'Apply this patch?');
  const panel = frame(screen).slice(frame(screen).indexOf('Apply this patch?'));
  assert.match(panel, /patch A a\.txt\n@@ -0,0 \+1 @@\n\+brand new line/);
  assert.doesNotMatch(panel, /\[r\]/, 'no rule to save for a patch');
  screen.stdin.write('a');
  assert.equal((await answer).decision, 'acceptForSession');
});

test('serverRequest/resolved removes a question another client answered', async (t) => {
  const { connection, screen, send } = await setup(t);
  void connection.ask('item/commandExecution/requestApproval', {
    ...base,
    itemId: 'c1',
    startedAtMs: 0,
    command: 'make',
  });
  await waitForScreen(screen, 'Run this command?');
  send({ method: 'serverRequest/resolved', params: { threadId: THREAD, requestId: 0 } });
  await waitForScreen(screen, '/help for commands');
  assert.doesNotMatch(frame(screen), /Run this command\?/);
  // Keys go back to the prompt.
  screen.stdin.write('y');
  await waitForScreen(screen, '> y');
});

test('Esc interrupts the running turn; Ctrl-C twice when idle exits', async (t) => {
  const { connection, controller, screen, send } = await setup(t);
  send({
    method: 'turn/started',
    params: { threadId: THREAD, turn: { id: TURN, items: [], status: 'inProgress' } },
  });
  screen.stdin.write(KEYS.escape);
  await waitForScreen(screen, 'interrupting...');
  assert.deepEqual(connection.requests.at(-1), {
    method: 'turn/interrupt',
    params: { threadId: THREAD, turnId: TURN },
  });
  send({
    method: 'turn/completed',
    params: { threadId: THREAD, turn: { id: TURN, items: [], status: 'interrupted' } },
  });
  await waitForScreen(screen, '- turn interrupted');
  screen.stdin.write(KEYS.ctrlC);
  await waitForScreen(screen, 'press Ctrl-C again to quit');
  assert.equal(controller.getState().exiting, false);
  screen.stdin.write(KEYS.ctrlC);
  await settle(screen);
  assert.equal(controller.getState().exiting, true);
});

test('a patch approval that arrives before its item/started shows the diff once it comes', async (t) => {
  const { connection, screen, send } = await setup(t);
  const answer = connection.ask('item/fileChange/requestApproval', {
    ...base,
    itemId: 'f2',
    startedAtMs: 0,
  });
  await waitForScreen(screen, 'Apply this patch?');
  send({
    method: 'item/started',
    params: {
      ...base,
      item: {
        type: 'fileChange',
        id: 'f2',
        status: 'inProgress',
        changes: [{ path: 'b.txt', kind: { type: 'delete' }, diff: '@@ -1 +0,0 @@\n-old line\n' }],
      },
      startedAtMs: 0,
    },
  });
  await waitForScreen(screen, /patch D b\.txt\n@@ -1 \+0,0 @@\n-old line\n\[y\] yes/);
  screen.stdin.write('y');
  assert.equal((await answer).decision, 'accept');
});
