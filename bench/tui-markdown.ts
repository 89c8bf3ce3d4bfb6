// The TUI's markdown benchmark: how long drawing a 20 KB agent message takes (lexing with
// marked, layout, code highlighting) at 80 columns — once cold, then per streamed delta, when
// every block but the last comes from the laid-out cache.
import { markdownLines } from '../src/surfaces/tui/markdown.ts';

export async function benchTuiMarkdown(): Promise<void> {
  const para =
    'The parser is **fixed**, see `parse()` and [the docs](https://example.com/docs). '.repeat(4);
  const block = [
    '## A heading',
    '',
    para,
    '',
    '1. one',
    '2. two',
    '   - nested',
    '',
    '```ts',
    'const answer: number = 42; // the answer',
    'function f(a: string) { return a + "x"; }',
    '```',
    '',
    '',
  ].join('\n');
  const text = block.repeat(Math.ceil(20_000 / block.length));
  const time = (runs: number, fn: (i: number) => void) => {
    const start = performance.now();
    for (let i = 0; i < runs; i++) fn(i);
    return (performance.now() - start) / runs;
  };
  // Cold: a new width each time, so nothing is cached.
  const cold = time(20, (i) => markdownLines(text, 60 + i));
  markdownLines(text, 80);
  const delta = time(100, (i) => markdownLines(`${text}word ${i} `, 80));
  const rows = markdownLines(text, 80).length;
  console.log(
    `tui-markdown: ${text.length} chars, ${rows} rows at 80 columns: ` +
      `${cold.toFixed(1)} ms to draw cold, ${delta.toFixed(1)} ms per streamed delta`,
  );
  await Promise.resolve();
}
