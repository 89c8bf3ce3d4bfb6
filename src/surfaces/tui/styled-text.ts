// Styled text on the grid: a row is a list of spans, each with its own colour and emphasis,
// wrapped to a width at spaces like plain text is (text-layout.ts), so a word in bold or a
// link breaks where a plain word would. Texts must be sanitized first.
import { charWidth, textWidth } from './text-layout.ts';
import type { Tone } from './transcript-lines.ts';

export type Span = {
  text: string;
  tone?: Tone;
  bold?: boolean;
  italic?: boolean;
  underline?: boolean;
  strike?: boolean;
};

type Unit = { kind: 'word' | 'space'; spans: Span[] } | { kind: 'break' };

/** Spans as words, runs of spaces and line breaks; a word may run across spans. */
function units(spans: Span[]): Unit[] {
  const out: Unit[] = [];
  for (const span of spans) {
    for (const part of span.text.split(/(\n| +)/)) {
      if (!part) continue;
      if (part === '\n') {
        out.push({ kind: 'break' });
        continue;
      }
      const kind = part.startsWith(' ') ? 'space' : 'word';
      const last = out.at(-1);
      const piece = { ...span, text: part };
      if (last && last.kind === kind) last.spans.push(piece);
      else out.push({ kind, spans: [piece] });
    }
  }
  return out;
}

const widthOf = (spans: Span[]) => spans.reduce((w, s) => w + textWidth(s.text), 0);

/** Spans broken into rows of at most `width` columns: at spaces, words longer than a row cut. */
export function wrapSpans(spans: Span[], width: number): Span[][] {
  const max = Math.max(1, width);
  const rows: Span[][] = [];
  let row: Span[] = [];
  let used = 0;
  const endRow = () => {
    // A row does not end in the spaces it was broken at.
    while (row.length && row.at(-1)!.text.trim() === '') {
      used -= textWidth(row.pop()!.text);
    }
    rows.push(merged(row));
    row = [];
    used = 0;
  };
  for (const unit of units(spans)) {
    if (unit.kind === 'break') {
      endRow();
      continue;
    }
    const w = widthOf(unit.spans);
    if (unit.kind === 'space') {
      if (used > 0 && used + w <= max) {
        row.push(...unit.spans);
        used += w;
      } else if (used > 0) endRow();
      continue;
    }
    if (used + w > max && used > 0) endRow();
    if (w <= max) {
      row.push(...unit.spans);
      used += w;
      continue;
    }
    // A word longer than a row: cut it, character by character.
    for (const span of unit.spans) {
      let piece = '';
      for (const ch of span.text) {
        const cw = charWidth(ch.codePointAt(0)!);
        if (used + textWidth(piece) + cw > max) {
          if (piece) row.push({ ...span, text: piece });
          piece = '';
          endRow();
        }
        piece += ch;
      }
      if (piece) {
        row.push({ ...span, text: piece });
        used += textWidth(piece);
      }
    }
  }
  endRow();
  return rows;
}

/** The plain text of a row of spans. */
export function spansText(spans: Span[]): string {
  return spans.map((s) => s.text).join('');
}

const sameStyle = (a: Span, b: Span) =>
  a.tone === b.tone &&
  !a.bold === !b.bold &&
  !a.italic === !b.italic &&
  !a.underline === !b.underline &&
  !a.strike === !b.strike;

/** Neighbours of the same style as one span: fewer pieces for the renderer to draw. */
function merged(row: Span[]): Span[] {
  const out: Span[] = [];
  for (const span of row) {
    const last = out.at(-1);
    if (last && sameStyle(last, span))
      out[out.length - 1] = { ...last, text: last.text + span.text };
    else out.push(span);
  }
  return out;
}
