// The prompt's line editor and the keys around it: editing, history, wrapping with a cursor,
// and text that arrives in one read with its Enter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EMPTY_EDITOR,
  editInput,
  editorWith,
  InputHistory,
  inputRows,
  type EditorKey,
  type EditorState,
} from '../src/surfaces/tui/input-editor.ts';
import { TuiController } from '../src/surfaces/tui/controller.ts';
import { sanitize, truncate } from '../src/surfaces/tui/text-layout.ts';
import { FakeConnection, renderApp, settle, waitFor, waitForScreen } from './support/tui.ts';

const press = (state: EditorState, input: string, key: EditorKey = {}) =>
  editInput(state, input, key) ?? state;

test('typing, moving, deleting and killing in the prompt', () => {
  let s = press(EMPTY_EDITOR, 'helo');
  s = press(s, '', { leftArrow: true });
  s = press(s, 'l');
  assert.deepEqual(s, { text: 'hello', cursor: 4 });
  s = press(s, '', { delete: true }); // Backspace as most terminals send it
  assert.deepEqual(s, { text: 'helo', cursor: 3 });
  s = press(s, 'a', { ctrl: true });
  s = press(s, '> ');
  assert.equal(s.text, '> helo');
  s = press(s, 'e', { ctrl: true });
  s = press(s, ' world');
  s = press(s, 'w', { ctrl: true });
  assert.deepEqual(s, { text: '> helo ', cursor: 7 });
  s = press(s, 'u', { ctrl: true });
  assert.deepEqual(s, EMPTY_EDITOR);
  assert.equal(editInput(EMPTY_EDITOR, '', { return: true }), null, 'Enter is not editing');
  // Pasted lines keep their breaks; control characters are dropped.
  assert.equal(press(EMPTY_EDITOR, 'a\r\nb\x07').text, 'a\nb');
});

test('the prompt wraps at the width and keeps the cursor visible', () => {
  const rows = inputRows(editorWith('abcdefghij'), 5, 5);
  assert.deepEqual(
    rows.map((r) => `${r.before}[${r.cursor ?? ''}]${r.after}`),
    ['abcd[]', 'efgh[]', 'ij[ ]'],
  );
  const limited = inputRows({ text: 'abcdefghij', cursor: 0 }, 5, 2);
  assert.equal(limited.length, 2);
  assert.equal(limited[0]!.cursor, 'a');
});

test('Up and Down recall earlier prompts and come back to the draft', () => {
  const history = new InputHistory();
  history.push('first');
  history.push('second');
  assert.equal(history.older('draft'), 'second');
  assert.equal(history.older('second'), 'first');
  assert.equal(history.older('first'), null);
  assert.equal(history.newer(), 'second');
  assert.equal(history.newer(), 'draft');
  assert.equal(history.newer(), null);
});

test('text that arrives in one read with its Enter is sent', async (t) => {
  const connection = new FakeConnection({
    'thread/start': () => ({
      thread: { id: 't1', turns: [] },
      model: 'm',
      modelProvider: 'p',
      cwd: '/tmp',
      approvalPolicy: 'never',
      sandbox: { type: 'readOnly' },
    }),
    'turn/start': () => ({ turn: { id: 'turn-1', items: [], status: 'inProgress' } }),
  });
  const controller = new TuiController(connection, { cwd: '/tmp' });
  await controller.startThread();
  const screen = renderApp(controller);
  t.after(() => screen.unmount());
  await settle(screen);
  screen.stdin.write('fix the bug\r');
  await waitFor(() => connection.requests.some((r) => r.method === 'turn/start'), 'turn/start');
  const start = connection.requests.find((r) => r.method === 'turn/start')!;
  assert.deepEqual((start.params as { input: unknown }).input, [
    { type: 'text', text: 'fix the bug', text_elements: [] },
  ]);
  await waitForScreen(screen, /working \d+s; Esc to interrupt/);
});

test('untrusted text is made safe for the grid', () => {
  assert.equal(sanitize('\x1b[1mbold\x1b[0m\x1b]0;title\x07'), 'bold');
  assert.equal(sanitize('10%\r50%\r100%'), '100%');
  assert.equal(sanitize('a\tb'), 'a   b');
  assert.equal(truncate('abcdefghij', 6), 'abc...');
});
