// What a new user meets first in the terminal UI: the start banner, the slash-command popup,
// the elapsed time of a turn, and plain words for commands and patches that wait, run or were
// interrupted. A fake App Server connection and a clock the test moves keep it deterministic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerNotification } from '../src/protocol/methods.ts';
import { elapsedText } from '../src/surfaces/tui/clock.ts';
import { KEYS, settle, waitFor, waitForScreen } from './support/tui.ts';
import { base, fakeOpened, fakeThread, fakeTui, NOW_MS, THREAD, TURN } from './support/tui-fake.ts';

const TAB = '\t';

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

const started: ServerNotification = {
  method: 'turn/started',
  params: { threadId: THREAD, turn: { id: TURN, items: [], status: 'inProgress' } },
};

test('the start banner names the model and provider, cwd, sandbox, approvals and the key', async (t) => {
  const { screen, frame } = await fakeTui(t);
  await waitForScreen(screen, 'Yoke 0.1.0');
  const shown = frame();
  assert.match(shown, /^ {2}model {6}gpt-test \(provider openai\)$/m);
  assert.match(shown, /^ {2}cwd {8}\/work\/repo$/m);
  assert.match(shown, /^ {2}sandbox {4}workspace-write$/m);
  assert.match(shown, /^ {2}approvals {2}untrusted$/m);
  assert.match(shown, /^ {2}key {8}OPENAI_API_KEY is set$/m);
});

test('typing / opens the command popup; it narrows as you type, Tab completes, Enter runs', async (t) => {
  const { screen, frame, controller } = await fakeTui(t);
  screen.stdin.write('/');
  await waitForScreen(screen, 'Tab completes, Enter runs');
  for (const name of ['/model [NAME]', '/approvals [MODE]', '/compact', '/review [WHAT]', '/help'])
    assert.ok(frame().includes(name), `the popup lists ${name}:\n${frame()}`);
  assert.match(frame(), /^> \/model \[NAME\] +use model NAME/m, 'the first is chosen');

  screen.stdin.write('ap');
  await waitForScreen(screen, /> \/approvals \[MODE\]/);
  assert.doesNotMatch(frame(), /\/compact/, 'narrowed to what was typed');
  screen.stdin.write(TAB);
  // The name and a space for its argument; the popup closes once the name is complete.
  await waitForScreen(screen, /\u2500 \/help for commands/);
  assert.match(frame(), /^> \/approvals *$/m);
  screen.stdin.write('never');
  await settle();
  screen.stdin.write(KEYS.enter);
  await waitForScreen(screen, '- approvals never from the next turn');
  assert.equal(controller.getState().overrides.approvalPolicy, 'never');

  // Down chooses the next one; Enter runs the chosen command without typing all of it.
  screen.stdin.write('/st');
  await waitForScreen(screen, /> \/status/);
  screen.stdin.write(KEYS.enter);
  await waitForScreen(screen, /thread {5}thread-1/);

  screen.stdin.write('/');
  await waitForScreen(screen, /^> \/model/m);
  screen.stdin.write(KEYS.down);
  await waitForScreen(screen, /^> \/approvals/m);
  screen.stdin.write(KEYS.up);
  await waitForScreen(screen, /^> \/model/m);
  // Esc closes it; the text stays.
  screen.stdin.write(KEYS.escape);
  await waitForScreen(screen, /\u2500 \/help for commands/);
  assert.match(frame(), /^> \/$/m);
  screen.stdin.write('zz');
  await waitForScreen(screen, 'no command /zz; /help lists them');
});

test('the working line counts the seconds of the turn, on the clock the test moves', async (t) => {
  const { screen, send, clock } = await fakeTui(t);
  screen.stdin.write('run the tests');
  await settle();
  screen.stdin.write(KEYS.enter);
  await waitForScreen(screen, 'working 0s; Esc to interrupt');
  send(started);
  clock.advance(7_000);
  await waitForScreen(screen, 'working 7s; Esc to interrupt');
  clock.advance(58_000);
  await waitForScreen(screen, 'working 1m 05s; Esc to interrupt');
  send({
    method: 'turn/completed',
    params: { threadId: THREAD, turn: { id: TURN, items: [], status: 'completed' } },
  });
  await waitForScreen(screen, /\u2500 \/help for commands/);
  assert.equal(elapsedText(3_725_000), '1h 02m');
});

test('a thread opened while its turn runs counts from when the turn started', async (t) => {
  const turn = {
    id: TURN,
    items: [],
    status: 'inProgress' as const,
    startedAt: NOW_MS / 1000 - 90,
  };
  const { screen } = await fakeTui(t, {
    answers: { 'thread/start': () => fakeOpened(THREAD, [turn]) },
  });
  await waitForScreen(screen, 'working 1m 30s; Esc to interrupt');
});

test('a command waiting for its answer says "awaiting approval"; an interrupted one "interrupted"', async (t) => {
  const { screen, send, connection, frame } = await fakeTui(t);
  send(started);
  send({ method: 'item/started', params: { ...base, item: command, startedAtMs: 0 } });
  const answer = connection.ask('item/commandExecution/requestApproval', {
    ...base,
    itemId: 'c1',
    startedAtMs: 0,
    command: 'npm test',
    cwd: '/work/repo',
  });
  await waitForScreen(screen, /\$ npm test\n {2}awaiting approval/);
  assert.doesNotMatch(frame(), /running/);
  screen.stdin.write('y');
  assert.equal((await answer).decision, 'accept');
  await waitFor(() => !frame().includes('awaiting approval'), 'the question to go');

  send({
    method: 'item/completed',
    params: {
      ...base,
      item: {
        ...command,
        status: 'failed',
        aggregatedOutput: 'half\n',
        exitCode: -1,
        durationMs: 900,
      },
      completedAtMs: 0,
    },
  });
  send({
    method: 'turn/completed',
    params: { threadId: THREAD, turn: { id: TURN, items: [], status: 'interrupted' } },
  });
  await waitForScreen(screen, /half\n {2}interrupted {2}900 ms/);
  assert.doesNotMatch(frame(), /exit -1/);
  assert.doesNotMatch(frame(), /failed/);
});

const longDiff = [
  '@@ -0,0 +1,60 @@',
  ...Array.from({ length: 60 }, (_, i) => `+line ${i + 1} of the new file`),
].join('\n');

test('a patch question shows its diff once, keeps "why:" at 80x24 and scrolls the diff', async (t) => {
  const { screen, send, connection, frame } = await fakeTui(t);
  send(started);
  const small = { path: '/work/repo/small.txt', kind: { type: 'add' as const }, diff: '+one\n' };
  send({
    method: 'item/started',
    params: {
      ...base,
      item: { type: 'fileChange', id: 'f0', status: 'inProgress', changes: [small] },
      startedAtMs: 0,
    },
  });
  await waitForScreen(screen, 'patch A small.txt (applying)');
  assert.doesNotMatch(frame(), /inProgress/);
  send({
    method: 'item/started',
    params: {
      ...base,
      item: {
        type: 'fileChange',
        id: 'f1',
        status: 'inProgress',
        changes: [{ path: '/work/repo/big.txt', kind: { type: 'add' }, diff: longDiff }],
      },
      startedAtMs: 0,
    },
  });
  await waitForScreen(screen, '... 21 more lines (/diff)');
  const answer = connection.ask('item/fileChange/requestApproval', {
    ...base,
    itemId: 'f1',
    startedAtMs: 0,
    reason: 'the new file holds the generated table',
  });
  await waitForScreen(screen, 'Apply this patch?');
  await waitForScreen(screen, 'patch A big.txt (awaiting approval)');
  const rows = frame().split('\n');
  assert.equal(rows.length, 23);
  for (const row of rows) assert.ok(row.length <= 80, `fits 80 columns: ${row}`);
  assert.match(frame(), /^why: the new file holds the generated table$/m);
  assert.match(frame(), /\[y\] yes/);
  assert.equal(frame().split('+line 1 of the new file').length, 2, 'the diff shows once');
  const where = /-- lines 1-(\d+) of 62; Up\/Down, PgUp\/PgDn scroll --/.exec(frame());
  assert.ok(where, `the panel says where in the diff it is:\n${frame()}`);
  const shown = Number(where[1]);
  assert.doesNotMatch(frame(), /\+line 60 of/);

  screen.stdin.write(KEYS.down);
  await waitForScreen(screen, `-- lines 2-${shown + 1} of 62`);
  for (let i = 0; i < 15; i++) screen.stdin.write(KEYS.pageDown);
  await waitForScreen(screen, /\+line 60 of the new file/);
  assert.match(frame(), new RegExp(`-- lines ${62 - shown + 1}-62 of 62`));
  assert.match(frame(), /^why: /m, 'still there at the end of the diff');
  screen.stdin.write('y');
  assert.equal((await answer).decision, 'accept');
  await waitForScreen(screen, /\u2500 working/);
  assert.doesNotMatch(frame(), /awaiting approval/);
});

test('the resume picker: unique ids, cwd and age; task threads of other repos only with --all', async (t) => {
  const seconds = NOW_MS / 1000;
  const threads = [
    fakeThread('a1b2c3d4-0001-7000', [], { preview: 'fix the parser', updatedAt: seconds - 300 }),
    fakeThread('a1b2c3d4-0002-7000', [], {
      preview: 'add docs',
      cwd: '/work/repo/docs',
      updatedAt: seconds - 7200,
    }),
    fakeThread('ffff0000-0000-7000', [], {
      name: 'task t9 · implement',
      cwd: '/home/u/.yoke/workspaces/t9',
      updatedAt: seconds - 60,
    }),
    fakeThread('eeee0000-0000-7000', [], {
      name: 'task t8 · implement',
      cwd: '/home/u/.yoke/workspaces/t8',
      updatedAt: seconds - 90_000,
    }),
  ];
  const tasks = [
    { id: 't9', repo: '/other/repo', threadIds: ['ffff0000-0000-7000'] },
    { id: 't8', repo: '/work/repo', threadIds: ['eeee0000-0000-7000'] },
  ];
  const { screen, frame } = await fakeTui(t, {
    answers: {
      'thread/list': () => ({ data: threads, nextCursor: null }),
      'task/list': () => ({ data: tasks, nextCursor: null }),
    },
  });
  screen.stdin.write('/resume');
  await settle();
  screen.stdin.write(KEYS.enter);
  await waitForScreen(screen, 'Resume a thread');
  const shown = frame();
  assert.match(shown, /^> fix the parser +\. +5m ago {2}a1b2c3d4-0001$/m);
  assert.match(shown, /^ {2}add docs +docs +2h ago {2}a1b2c3d4-0002$/m);
  assert.match(shown, /^ {2}task t8 · implement +\S*workspaces\/t8 +1d ago {2}eeee0000$/m);
  assert.doesNotMatch(shown, /task t9/);
  assert.match(shown, /1 task threads of other repositories hidden; \/resume --all shows them/);
  screen.stdin.write(KEYS.escape);
  await waitFor(() => !frame().includes('Resume a thread'), 'the picker to close');

  screen.stdin.write('/resume --all');
  await settle();
  screen.stdin.write(KEYS.enter);
  await waitForScreen(screen, /task t9 · implement .* 1m ago {2}ffff0000$/m);
  assert.doesNotMatch(frame(), /hidden; \/resume --all/);
});
