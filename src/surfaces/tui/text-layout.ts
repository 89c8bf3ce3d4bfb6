// Plain-text layout for a grid of fixed width. The TUI lays out every line itself (instead of
// letting Ink wrap) so that it knows exactly how many rows the transcript takes and can show
// the last screenful with the input and status line pinned to the bottom of an 80×24 terminal.
// Text from commands and models is untrusted for layout: escape sequences, carriage returns,
// tabs and other control characters would move the cursor behind the renderer's back.

// CSI (colours, cursor moves), OSC (titles, hyperlinks) and two-byte escapes.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
const TAB_STOP = 4;

/** Text safe to put on the grid: no escapes or control characters, tabs expanded. */
export function sanitize(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(ESCAPES, '')
    .split('\n')
    .map((line) => expandTabs(afterCarriageReturn(line)).replace(CONTROLS, ''))
    .join('\n');
}

/** What a terminal would leave visible of a progress line redrawn with `\r`. */
function afterCarriageReturn(line: string): string {
  if (!line.includes('\r')) return line;
  return line.split('\r').filter(Boolean).at(-1) ?? '';
}

function expandTabs(line: string): string {
  if (!line.includes('\t')) return line;
  let out = '';
  let column = 0;
  for (const ch of line) {
    if (ch === '\t') {
      const pad = TAB_STOP - (column % TAB_STOP);
      out += ' '.repeat(pad);
      column += pad;
    } else {
      out += ch;
      column += charWidth(ch.codePointAt(0)!);
    }
  }
  return out;
}

/** Columns a code point takes: 0 for combining marks, 2 for East Asian wide and emoji. */
export function charWidth(cp: number): number {
  if (
    (cp >= 0x300 && cp <= 0x36f) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f)
  ) {
    return 0;
  }
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

export function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0)!);
  return width;
}

/** One line (no newlines) broken into rows of at most `width` columns, at spaces if it can. */
export function wrapLine(line: string, width: number): string[] {
  const max = Math.max(1, width);
  const rows: string[] = [];
  let row = '';
  let rowWidth = 0;
  // Index in `row` just after its last space: where a long row can be broken.
  let breakAt = -1;
  for (const ch of line) {
    const w = charWidth(ch.codePointAt(0)!);
    while (rowWidth + w > max && row !== '') {
      if (ch === ' ') break;
      if (breakAt > 0) {
        rows.push(row.slice(0, breakAt).trimEnd());
        row = row.slice(breakAt);
      } else {
        rows.push(row);
        row = '';
      }
      rowWidth = textWidth(row);
      breakAt = -1;
    }
    if (ch === ' ' && rowWidth + w > max) {
      // The space that overflows ends the row; it is not carried to the next one.
      rows.push(row);
      row = '';
      rowWidth = 0;
      breakAt = -1;
      continue;
    }
    row += ch;
    rowWidth += w;
    if (ch === ' ') breakAt = row.length;
  }
  rows.push(row);
  return rows;
}

/** Multi-line text wrapped to `width`; the text should be sanitized first. */
export function wrapText(text: string, width: number): string[] {
  return text.split('\n').flatMap((line) => wrapLine(line, width));
}

/**
 * Wraps `text` with a first-row prefix and a hanging indent for the rest, e.g.
 * `$ ` then `  ` for a command, so continuation rows line up under the text.
 */
export function wrapWithPrefix(
  text: string,
  width: number,
  first: string,
  rest = ' '.repeat(textWidth(first)),
): string[] {
  const inner = Math.max(1, width - textWidth(first));
  return wrapText(text, inner).map((row, i) => (i === 0 ? first : rest) + row);
}

/** Cuts `text` to `width` columns, marking the cut with "...". */
export function truncate(text: string, width: number): string {
  if (textWidth(text) <= width) return text;
  const keep = Math.max(0, width - 3);
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0)!);
    if (used + w > keep) break;
    out += ch;
    used += w;
  }
  return `${out}${'...'.slice(0, width - used)}`;
}

/** A compact count: 950, 12.3k, 1.2M. */
export function compactCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}
