// Entries as rows of the screen: each entry becomes wrapped, styled lines for a given width.
// Only plain ASCII marks and colours, so an 80×24 terminal with no special font shows it all.
import { relative, isAbsolute } from 'node:path';
import type { FileUpdateChange } from '../../protocol/items.ts';
import { markdownLines, withPrefix } from './markdown.ts';
import type { Span } from './styled-text.ts';
import { sanitize, textWidth, truncate, wrapText, wrapWithPrefix } from './text-layout.ts';
import type { Entry } from './transcript.ts';

export type Tone =
  | 'plain'
  | 'dim'
  | 'user'
  | 'command'
  | 'ok'
  | 'error'
  | 'warn'
  | 'add'
  | 'del'
  | 'hunk'
  | 'accent'
  // Markdown and code.
  | 'code'
  | 'link'
  | 'keyword'
  | 'string'
  | 'number'
  | 'comment'
  | 'title'
  | 'type';

/**
 * One row of the screen. `text` is all of it; `spans`, when there, is the same text in pieces
 * with their own styles (markdown), drawn instead of the plain text.
 */
export type Line = { text: string; tone: Tone; bold?: boolean; spans?: Span[] };

/** Rows of command output kept on screen (the tail: where errors and summaries are). */
export const OUTPUT_TAIL_LINES = 12;
/** Rows of one file's diff shown in the transcript; /diff shows all of it. */
export const DIFF_LINES_PER_FILE = 40;

export type RenderContext = {
  width: number;
  cwd: string;
  /** Items with a question on screen: said to await approval (their diff is in the panel). */
  awaiting?: ReadonlySet<string>;
};

const cache = new WeakMap<Entry, { key: string; lines: Line[] }>();

/** The lines of one entry, cached per entry object (entries are immutable). */
export function entryLines(entry: Entry, ctx: RenderContext): Line[] {
  const key = `${ctx.width}\0${ctx.cwd}\0${isAwaiting(entry, ctx)}`;
  const hit = cache.get(entry);
  if (hit && hit.key === key) return hit.lines;
  const lines = render(entry, ctx);
  cache.set(entry, { key, lines });
  return lines;
}

/**
 * The rows of the transcript that fit in `height`, `scroll` rows up from the bottom, walking
 * entries from the end so a long session costs only what is on screen. Entries are separated
 * by one blank row.
 */
export function visibleLines(
  entries: readonly Entry[],
  ctx: RenderContext,
  height: number,
  scroll: number,
): { lines: Line[]; moreAbove: boolean; scroll: number } {
  const want = height + scroll;
  const collected: Line[] = [];
  let i = entries.length - 1;
  for (; i >= 0 && collected.length < want; i--) {
    const lines = entryLines(entries[i]!, ctx);
    if (lines.length === 0) continue;
    if (collected.length > 0) collected.unshift(BLANK);
    collected.unshift(...lines);
  }
  // Scrolling stops at the top once every entry has been laid out.
  const complete = i < 0;
  const clamped = complete ? Math.min(scroll, Math.max(0, collected.length - height)) : scroll;
  const end = collected.length - clamped;
  const start = Math.max(0, end - height);
  return { lines: collected.slice(start, end), moreAbove: start > 0 || !complete, scroll: clamped };
}

const BLANK: Line = { text: '', tone: 'plain' };

function render(entry: Entry, ctx: RenderContext): Line[] {
  const { width } = ctx;
  switch (entry.kind) {
    case 'user':
      return rows(wrapWithPrefix(sanitize(entry.text), width, '> '), 'user', true);
    case 'agent':
      return entry.text.trim() ? markdownLines(entry.text.trimEnd(), width) : [];
    case 'reasoning': {
      if (!entry.text.trim()) return [];
      const label = 'thinking: ';
      const indent = ' '.repeat(textWidth(label));
      return markdownLines(entry.text.trim(), width - textWidth(label), 'dim').map((line, i) =>
        withPrefix(line, i === 0 ? label : indent, 'dim'),
      );
    }
    case 'command':
      return commandLines(entry, width, isAwaiting(entry, ctx));
    case 'fileChange': {
      const awaiting = isAwaiting(entry, ctx);
      return entry.changes.flatMap((change) =>
        fileChangeLines(change, awaiting ? 'awaiting' : entry.status, ctx),
      );
    }
    case 'banner':
      return [
        { text: truncate(entry.title, width), tone: 'accent', bold: true },
        ...entry.rows.flatMap(([label, value]) =>
          rows(wrapWithPrefix(sanitize(value), width, `  ${label.padEnd(10)} `), 'dim'),
        ),
      ];
    case 'plan': {
      const lines: Line[] = [{ text: 'plan', tone: 'accent', bold: true }];
      if (entry.explanation)
        lines.push(...rows(wrapWithPrefix(sanitize(entry.explanation), width, '  '), 'dim'));
      for (const step of entry.steps) {
        const mark =
          step.status === 'completed' ? '[x]' : step.status === 'inProgress' ? '[>]' : '[ ]';
        const tone = step.status === 'completed' ? 'dim' : 'plain';
        lines.push(...rows(wrapWithPrefix(sanitize(step.step), width, `  ${mark} `), tone));
      }
      return lines;
    }
    case 'tool': {
      const failed = entry.status !== 'completed' && entry.status !== 'inProgress';
      const head = truncate(`${entry.tool} ${sanitize(entry.args).replace(/\n/g, ' ')}`, width);
      const lines: Line[] = [{ text: head, tone: 'command' }];
      if (failed && entry.detail)
        lines.push(...rows(wrapWithPrefix(sanitize(entry.detail), width, '  '), 'error'));
      return lines;
    }
    case 'note': {
      const tone = entry.tone === 'info' ? 'dim' : entry.tone;
      return rows(wrapWithPrefix(sanitize(entry.text), width, '- '), tone);
    }
    case 'diff':
      return [{ text: entry.title, tone: 'accent', bold: true }, ...diffLines(entry.diff, width)];
    case 'shell': {
      const lines: Line[] = [
        ...rows(wrapWithPrefix(sanitize(entry.command), width, '! '), 'command', true),
        { text: '  (local shell; not sent to the model)', tone: 'dim' },
        ...outputLines(entry.output, width),
      ];
      if (!entry.running) lines.push(exitLine(entry.exitCode, null));
      return lines;
    }
  }
}

function isAwaiting(entry: Entry, ctx: RenderContext): boolean {
  return ctx.awaiting?.has(entry.id) ?? false;
}

function commandLines(
  entry: Extract<Entry, { kind: 'command' }>,
  width: number,
  awaiting: boolean,
): Line[] {
  const lines = rows(wrapWithPrefix(sanitize(entry.command), width, '$ '), 'command', true);
  lines.push(...outputLines(entry.output, width));
  if (entry.interrupted) {
    const took = entry.durationMs === null ? '' : `  ${entry.durationMs} ms`;
    lines.push({ text: `  interrupted${took}`, tone: 'warn' });
  } else if (entry.status === 'declined') lines.push({ text: '  declined', tone: 'warn' });
  else if (entry.status !== 'inProgress') lines.push(exitLine(entry.exitCode, entry.durationMs));
  else if (awaiting) lines.push({ text: '  awaiting approval', tone: 'warn' });
  return lines;
}

function exitLine(exitCode: number | null, durationMs: number | null): Line {
  const took = durationMs === null ? '' : `  ${durationMs} ms`;
  return exitCode === 0
    ? { text: `  exit 0${took}`, tone: 'ok' }
    : { text: `  exit ${exitCode ?? '?'}${took}`, tone: 'error' };
}

/** The tail of a command's output, indented, with a count of what is not shown. */
function outputLines(output: string, width: number): Line[] {
  const all = sanitize(output).replace(/\n$/, '');
  if (!all) return [];
  const logical = all.split('\n');
  const hidden = Math.max(0, logical.length - OUTPUT_TAIL_LINES);
  const lines: Line[] = [];
  if (hidden > 0) lines.push({ text: `  ... ${hidden} earlier lines`, tone: 'dim' });
  for (const line of logical.slice(hidden)) {
    lines.push(...rows(wrapWithPrefix(line, width, '  '), 'dim'));
  }
  return lines;
}

const FILE_CHANGE_STATES: Record<string, string> = {
  awaiting: 'awaiting approval',
  inProgress: 'applying',
  declined: 'declined',
  failed: 'failed',
};

function fileChangeLines(change: FileUpdateChange, status: string, ctx: RenderContext): Line[] {
  const mark = change.kind.type === 'add' ? 'A' : change.kind.type === 'delete' ? 'D' : 'M';
  const path = displayPath(change.path, ctx.cwd);
  const moved =
    change.kind.type === 'update' && change.kind.move_path
      ? ` -> ${displayPath(change.kind.move_path, ctx.cwd)}`
      : '';
  const state = status === 'completed' ? '' : ` (${FILE_CHANGE_STATES[status] ?? status})`;
  const head: Line = {
    text: truncate(`patch ${mark} ${path}${moved}${state}`, ctx.width),
    tone: status === 'declined' || status === 'failed' ? 'warn' : 'command',
    bold: true,
  };
  // A patch awaiting its answer shows its diff once: in the approval panel.
  if (status === 'awaiting') return [head];
  return [head, ...diffLines(change.diff, ctx.width, DIFF_LINES_PER_FILE)];
}

/** A unified diff with + / - / @@ rows coloured; `max` caps the rows shown. */
export function diffLines(diff: string, width: number, max = Infinity): Line[] {
  const logical = sanitize(diff).replace(/\n$/, '').split('\n');
  if (logical.length === 1 && logical[0] === '') return [];
  const shown = logical.slice(0, max);
  const lines: Line[] = [];
  for (const line of shown) {
    const tone: Tone =
      line.startsWith('+++') || line.startsWith('---')
        ? 'dim'
        : line.startsWith('+')
          ? 'add'
          : line.startsWith('-')
            ? 'del'
            : line.startsWith('@@')
              ? 'hunk'
              : 'dim';
    lines.push(...rows(wrapText(line, width), tone));
  }
  if (logical.length > shown.length)
    lines.push({ text: `... ${logical.length - shown.length} more lines (/diff)`, tone: 'dim' });
  return lines;
}

/** `path` relative to `cwd` when it is inside it. */
export function displayPath(path: string, cwd: string): string {
  if (!isAbsolute(path) || !cwd) return path;
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function rows(texts: string[], tone: Tone, bold = false): Line[] {
  return texts.map((text) => (bold ? { text, tone, bold } : { text, tone }));
}
