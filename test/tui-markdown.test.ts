// The model's markdown in the terminal: marked's tokens drawn as styled rows (headings, lists,
// emphasis, links, quotes, tables) and fenced code coloured by language; HTML from the model is
// shown as text, never interpreted. Checked as the screen shows it (ink-testing-library) and
// as the styled spans behind it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { highlightCode } from '../src/surfaces/tui/code-highlight.ts';
import { markdownLines } from '../src/surfaces/tui/markdown.ts';
import { wrapSpans, spansText, type Span } from '../src/surfaces/tui/styled-text.ts';
import { entryLines, type Line } from '../src/surfaces/tui/transcript-lines.ts';
import { waitForScreen } from './support/tui.ts';
import { base, fakeTui } from './support/tui-fake.ts';

const MESSAGE = [
  '## The fix',
  '',
  'The parser is **fixed**, see `parse()` and [the docs](https://example.com/docs).',
  '',
  '1. Read the *tests*',
  '2. Change the parser',
  '   - keep the old name',
  '- [x] done',
  '- [ ] left',
  '',
  '> quoted **note**',
  '',
  '```ts',
  'const answer: number = 42; // the answer',
  '```',
  '',
  'Hostile: <img src=x onerror=alert(1)> \x1b[31mred\x1b[0m end.',
].join('\n');

const spansOf = (lines: Line[], text: string): Span[] => {
  const line = lines.find((l) => l.text.includes(text));
  assert.ok(line, `a line with ${text}:\n${lines.map((l) => l.text).join('\n')}`);
  return line.spans ?? [];
};
const spanWith = (lines: Line[], text: string): Span => {
  const span = spansOf(lines, text).find((s) => s.text.includes(text));
  assert.ok(span, `a span with ${text}`);
  return span;
};

test('an agent message is drawn from its markdown: no markup characters, styles in their place', async (t) => {
  const { screen, send, frame } = await fakeTui(t, { rows: 40 });
  send({
    method: 'item/completed',
    params: { ...base, item: { type: 'agentMessage', id: 'a1', text: MESSAGE }, completedAtMs: 0 },
  });
  await waitForScreen(screen, 'The fix');
  const shown = frame();
  assert.match(shown, /^The fix$/m, 'the heading without its #');
  assert.match(
    shown,
    /^The parser is fixed, see parse\(\) and the docs \(https:\/\/example\.com\/docs\)\.$/m,
  );
  assert.match(shown, /^1\. Read the tests\n2\. Change the parser\n {3}- keep the old name$/m);
  assert.match(shown, /^- \[x\] done\n- \[ \] left$/m);
  assert.match(shown, /^> quoted note$/m);
  assert.match(shown, /^ {2}const answer: number = 42; \/\/ the answer$/m);
  assert.match(shown, /^Hostile: <img src=x onerror=alert\(1\)> red end\.$/m, 'HTML as text');
  assert.doesNotMatch(shown, /\*\*|```/);
  assert.ok(!shown.includes('\x1b'), 'no escape sequence from the model reaches the screen');
});

test('the spans behind it: bold, italic, inline code, links, headings, highlighted code', () => {
  const lines = entryLines(
    { kind: 'agent', id: 'a', text: MESSAGE, done: true },
    { width: 80, cwd: '' },
  );
  assert.deepEqual(spanWith(lines, 'The fix'), { text: 'The fix', tone: 'accent', bold: true });
  assert.equal(spanWith(lines, 'fixed').bold, true);
  assert.equal(spanWith(lines, 'tests').italic, true);
  assert.equal(spanWith(lines, 'parse()').tone, 'code');
  const link = spanWith(lines, 'the docs');
  assert.equal(link.tone, 'link');
  assert.equal(link.underline, true);
  assert.equal(spanWith(lines, '(https://example.com/docs)').tone, 'dim');
  assert.equal(spanWith(lines, 'const').tone, 'keyword');
  assert.equal(spanWith(lines, '42').tone, 'number');
  assert.equal(spanWith(lines, '// the answer').tone, 'comment');
  assert.equal(spanWith(lines, 'note').bold, true);
});

test('reasoning is markdown too, dim, behind "thinking:"', () => {
  const lines = entryLines(
    { kind: 'reasoning', id: 'r', text: '**Reading the tests**\n\nThen `npm test`.' },
    { width: 80, cwd: '' },
  );
  assert.deepEqual(
    lines.map((l) => l.text),
    ['thinking: Reading the tests', '', '          Then npm test.'],
  );
  assert.equal(spanWith(lines, 'Reading').bold, true);
  assert.equal(spanWith(lines, 'Reading').tone, 'dim');
  assert.equal(spanWith(lines, 'npm test').tone, 'code');
});

test('styled text wraps at spaces like plain text; long words are cut; lines fit the width', () => {
  const rows = wrapSpans(
    [{ text: 'the quick ' }, { text: 'brown', bold: true }, { text: ' fox jumps' }],
    10,
  );
  assert.deepEqual(rows.map(spansText), ['the quick', 'brown fox', 'jumps']);
  assert.deepEqual(rows[1], [{ text: 'brown', bold: true }, { text: ' fox' }]);
  assert.deepEqual(wrapSpans([{ text: 'abcdefghijkl' }], 5).map(spansText), [
    'abcde',
    'fghij',
    'kl',
  ]);
  for (const line of markdownLines(
    `- ${'word '.repeat(40)}\n\n\`\`\`\n${'x'.repeat(100)}\n\`\`\``,
    30,
  ))
    assert.ok(line.text.length <= 30, `fits: ${line.text}`);
});

test('code fences: a known language is coloured, an unknown one is plain', () => {
  const py = highlightCode('def f():\n    return "hi"  # note', 'python', 'code');
  assert.equal(py.length, 2);
  assert.equal(py[0]!.find((s) => s.text === 'def')?.tone, 'keyword');
  assert.equal(py[1]!.find((s) => s.text.includes('"hi"'))?.tone, 'string');
  assert.equal(py[1]!.find((s) => s.text.includes('# note'))?.tone, 'comment');
  assert.deepEqual(highlightCode('a < b && c', 'nosuchlang', 'code'), [
    [{ text: 'a < b && c', tone: 'code' }],
  ]);
  // Entities in highlight.js's output come back as the characters they stand for.
  assert.equal(
    spansText(highlightCode('if (a < b && c > "d") {}', 'js', 'code')[0]!),
    'if (a < b && c > "d") {}',
  );
});
