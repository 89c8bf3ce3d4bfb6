// The model's markdown drawn on the grid: `marked` reads it into tokens (the web page uses the
// same parser), and each token becomes styled rows — headings in bold, lists with their marks
// and hanging indents, emphasis, inline code, links with their address, quotes, tables as
// rows, and fenced code coloured by language (code-highlight.ts). HTML in the text is shown as
// the text it is: nothing is interpreted.
import { Lexer, type Token, type Tokens } from 'marked';
import { highlightCode } from './code-highlight.ts';
import { spansText, wrapSpans, type Span } from './styled-text.ts';
import { sanitize, textWidth } from './text-layout.ts';
import type { Line, Tone } from './transcript-lines.ts';

/** `source` as rows of `width` columns, in `tone` where the markdown says nothing else. */
export function markdownLines(source: string, width: number, tone: Tone = 'plain'): Line[] {
  const tokens = new Lexer({ gfm: true }).lex(sanitize(source));
  return blocks(tokens, { width: Math.max(8, width), tone }, true);
}

type Ctx = { width: number; tone: Tone };

/**
 * The rows of top-level blocks, by their source, width and tone: a message streaming in is
 * drawn again at every delta, and all its blocks but the last are the same as before.
 */
const laidOut = new Map<string, Line[]>();
const LAID_OUT_MAX = 500;

function cachedBlock(token: Token, ctx: Ctx): Line[] {
  const key = `${ctx.width}\0${ctx.tone}\0${token.raw}`;
  let lines = laidOut.get(key);
  if (!lines) {
    lines = block(token, ctx);
    if (laidOut.size >= LAID_OUT_MAX) laidOut.delete(laidOut.keys().next().value!);
    laidOut.set(key, lines);
  }
  return lines;
}

function blocks(tokens: Token[], ctx: Ctx, topLevel = false): Line[] {
  const out: Line[] = [];
  for (const token of tokens) {
    const lines = topLevel ? cachedBlock(token, ctx) : block(token, ctx);
    if (lines.length === 0) continue;
    // One blank row between blocks.
    if (out.length) out.push({ text: '', tone: ctx.tone });
    out.push(...lines);
  }
  return out;
}

function block(token: Token, ctx: Ctx): Line[] {
  switch (token.type) {
    case 'space':
    case 'def':
      return [];
    case 'heading': {
      const t = token as Tokens.Heading;
      const tone = t.depth <= 2 ? 'accent' : ctx.tone;
      return flow(inline(t.tokens, { tone, bold: true }), ctx.width, ctx.tone);
    }
    case 'paragraph':
    case 'text': {
      const t = token as Tokens.Paragraph | Tokens.Text;
      const spans = t.tokens
        ? inline(t.tokens, { tone: ctx.tone })
        : [{ text: t.text, tone: ctx.tone }];
      return flow(spans, ctx.width, ctx.tone);
    }
    case 'code': {
      const t = token as Tokens.Code;
      return highlightCode(t.text, t.lang ?? '', 'code').flatMap((spans) =>
        prefixed(wrapSpans(spans, ctx.width - 2), ctx.tone, '  ', '  '),
      );
    }
    case 'list':
      return list(token as Tokens.List, ctx);
    case 'blockquote': {
      const inner = blocks((token as Tokens.Blockquote).tokens, {
        width: ctx.width - 2,
        tone: 'dim',
      });
      return inner.map((line) => withPrefix(line, '> ', 'dim'));
    }
    case 'hr':
      return [{ text: '\u2500'.repeat(Math.min(ctx.width, 40)), tone: 'dim' }];
    case 'table':
      return table(token as Tokens.Table, ctx);
    case 'html':
      return flow(
        [{ text: (token as Tokens.HTML).text.replace(/\n$/, ''), tone: 'dim' }],
        ctx.width,
        ctx.tone,
      );
    default:
      return 'raw' in token && typeof token.raw === 'string'
        ? flow([{ text: token.raw.replace(/\n+$/, ''), tone: ctx.tone }], ctx.width, ctx.tone)
        : [];
  }
}

function list(token: Tokens.List, ctx: Ctx): Line[] {
  const start = typeof token.start === 'number' ? token.start : 1;
  const marks = token.items.map((_, i) => (token.ordered ? `${start + i}. ` : '- '));
  const markWidth = Math.max(...marks.map(textWidth));
  const out: Line[] = [];
  token.items.forEach((item, i) => {
    const box = item.task ? (item.checked ? '[x] ' : '[ ] ') : '';
    const mark = marks[i]!.padEnd(markWidth) + box;
    const indent = ' '.repeat(textWidth(mark));
    const body = item.tokens.filter((t) => t.type !== 'checkbox');
    const lines = blocks(body, { width: ctx.width - textWidth(mark), tone: ctx.tone });
    // A tight list's item is one block of text then, maybe, a nested list: no blank between.
    const shown = item.loose ? lines : lines.filter((l) => l.text !== '' || l.spans?.length);
    if (item.loose && i > 0) out.push({ text: '', tone: ctx.tone });
    shown.forEach((line, j) => out.push(withPrefix(line, j === 0 ? mark : indent, 'accent')));
    if (shown.length === 0) out.push({ text: mark.trimEnd(), tone: 'accent' });
  });
  return out;
}

function table(token: Tokens.Table, ctx: Ctx): Line[] {
  const row = (cells: Tokens.TableCell[], bold: boolean) =>
    cells.flatMap((cell, i) => [
      ...(i > 0 ? [{ text: ' | ', tone: 'dim' as Tone }] : []),
      ...inline(cell.tokens, { tone: ctx.tone, bold }),
    ]);
  return [
    ...flow(row(token.header, true), ctx.width, ctx.tone),
    ...token.rows.flatMap((cells) => flow(row(cells, false), ctx.width, ctx.tone)),
  ];
}

type Style = Omit<Span, 'text'>;

/** Inline tokens as spans, the enclosing style carried down. */
function inline(tokens: Token[], style: Style): Span[] {
  return tokens.flatMap((token): Span[] => {
    switch (token.type) {
      case 'strong':
        return inline((token as Tokens.Strong).tokens, { ...style, bold: true });
      case 'em':
        return inline((token as Tokens.Em).tokens, { ...style, italic: true });
      case 'del':
        return inline((token as Tokens.Del).tokens, { ...style, strike: true });
      case 'codespan':
        return [{ ...style, text: (token as Tokens.Codespan).text, tone: 'code' }];
      case 'br':
        return [{ ...style, text: '\n' }];
      case 'link': {
        const t = token as Tokens.Link;
        const label = inline(t.tokens, { ...style, tone: 'link', underline: true });
        const same = spansText(label) === t.href || `mailto:${spansText(label)}` === t.href;
        return same ? label : [...label, { text: ` (${t.href})`, tone: 'dim' }];
      }
      case 'image': {
        const t = token as Tokens.Image;
        return [{ ...style, text: `[image: ${t.text || 'untitled'}] (${t.href})`, tone: 'link' }];
      }
      case 'text': {
        const t = token as Tokens.Text;
        return t.tokens ? inline(t.tokens, style) : [{ ...style, text: t.text }];
      }
      case 'escape':
      case 'html':
        return [{ ...style, text: (token as Tokens.Escape | Tokens.Tag).text }];
      default:
        return 'raw' in token && typeof token.raw === 'string'
          ? [{ ...style, text: token.raw }]
          : [];
    }
  });
}

/** Spans wrapped to `width` as lines. */
function flow(spans: Span[], width: number, tone: Tone): Line[] {
  return wrapSpans(spans, width).map((row) => ({ text: spansText(row), tone, spans: row }));
}

function prefixed(rows: Span[][], tone: Tone, first: string, rest: string): Line[] {
  return rows.map((row, i) =>
    withPrefix({ text: spansText(row), tone, spans: row }, i === 0 ? first : rest, tone),
  );
}

/** The line behind a prefix (a list mark, a quote bar, an indent). */
export function withPrefix(line: Line, prefix: string, tone: Tone): Line {
  // A blank row stays blank: no trailing spaces.
  if (line.text === '')
    return { ...line, text: prefix.trimEnd(), spans: [{ text: prefix.trimEnd(), tone }] };
  const spans = line.spans ?? [
    { text: line.text, tone: line.tone, ...(line.bold ? { bold: true } : {}) },
  ];
  return { ...line, text: prefix + line.text, spans: [{ text: prefix, tone }, ...spans] };
}
