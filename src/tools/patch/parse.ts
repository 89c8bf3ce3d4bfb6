// Parser for the Codex patch format ("*** Begin Patch" … "*** End Patch").
import { ToolError } from '../types.ts';

/** One line of a chunk: unchanged context (' '), removed ('-') or added ('+'). */
export type PatchLine = { type: 'context' | 'remove' | 'add'; text: string };

/** One `@@` section of an Update File operation. */
export type PatchChunk = {
  /** Text after `@@` (trimmed), used to locate the region; null for a bare `@@`. */
  header: string | null;
  /** The section's lines, in order. */
  lines: PatchLine[];
  /** `*** End of File` followed the chunk: it is anchored at the end of the file. */
  endOfFile: boolean;
  /** 1-based line of the chunk in the patch text (its `@@` line, or its first line). */
  line: number;
};

export type PatchOperation =
  | { type: 'add'; path: string; lines: string[]; line: number }
  | { type: 'delete'; path: string; line: number }
  | {
      type: 'update';
      path: string;
      movePath: string | null;
      chunks: PatchChunk[];
      line: number;
    };

export const PATCH_FORMAT_REMINDER =
  "Format: '*** Begin Patch', then '*** Add File: <path>' (lines prefixed '+'), " +
  "'*** Delete File: <path>', or '*** Update File: <path>' (optional '*** Move to: <path>', " +
  "then '@@ [context]' sections of ' ' context, '-' removed, '+' added lines), then '*** End Patch'.";

const BEGIN = '*** Begin Patch';
const END = '*** End Patch';
const ADD = '*** Add File: ';
const DELETE = '*** Delete File: ';
const UPDATE = '*** Update File: ';
const MOVE = '*** Move to: ';
const EOF_MARKER = '*** End of File';

/** A line of the patch text with its 1-based line number in what the model sent. */
export type SourceLine = { text: string; no: number };

/** Lines the file must contain: context and removed lines, in order. */
export function oldLinesOf(lines: readonly PatchLine[]): string[] {
  return lines.filter((l) => l.type !== 'add').map((l) => l.text);
}

/** Lines that replace them: context and added lines, in order. */
export function newLinesOf(lines: readonly PatchLine[]): string[] {
  return lines.filter((l) => l.type !== 'remove').map((l) => l.text);
}

function show(text: string): string {
  const cut = text.length > 80 ? `${text.slice(0, 80)}…` : text;
  return JSON.stringify(cut);
}

function syntaxError(no: number | null, expected: string, found: string | null): ToolError {
  const where = no === null ? 'at end of input' : `line ${no}`;
  const got = found === null ? 'end of input' : show(found);
  return new ToolError(
    `apply_patch failed: invalid patch: ${where}: expected ${expected}, found ${got}. ${PATCH_FORMAT_REMINDER}`,
  );
}

/**
 * Removes what models wrap around a patch: a heredoc (`apply_patch <<'EOF' … EOF`), Markdown
 * fences, blank lines around it. Keeps original 1-based line numbers for error messages.
 */
export function unwrapPatchText(text: string): SourceLine[] {
  let lines: SourceLine[] = text.split(/\r?\n/).map((t, i) => ({ text: t, no: i + 1 }));
  const trimEdges = (): void => {
    while (lines.length > 0 && lines[0]!.text.trim() === '') lines = lines.slice(1);
    while (lines.length > 0 && lines[lines.length - 1]!.text.trim() === '') lines.pop();
  };
  trimEdges();
  for (let round = 0; round < 3; round++) {
    const first = lines[0]?.text.trim() ?? '';
    const last = lines[lines.length - 1]?.text.trim() ?? '';
    const heredoc = /^(?:apply_patch|applypatch)\s*<<-?\s*(['"]?)(\w+)\1$/.exec(first);
    if (heredoc && lines.length >= 2) {
      lines = lines.slice(1);
      if (last === heredoc[2]) lines.pop();
    } else if (/^```[\w-]*$/.test(first) && lines.length >= 2) {
      lines = lines.slice(1);
      if (last === '```') lines.pop();
    } else if (/^(?:apply_patch|applypatch)$/.test(first) && lines.length >= 2) {
      lines = lines.slice(1);
    } else {
      break;
    }
    trimEdges();
  }
  return lines;
}

/** An operation header or the end marker, padded with whitespace or not (Codex trims them). */
function isOperationStart(text: string): boolean {
  const t = text.trim();
  return t.startsWith(ADD) || t.startsWith(DELETE) || t.startsWith(UPDATE) || t === END;
}

/**
 * Where an update's sections stop: an operation header in the first column, or the end marker,
 * padded only when it is the patch's last line (as in Codex, where ' *** Add File: x' inside a
 * section is a context line).
 */
function endsSections(lines: readonly SourceLine[], i: number): boolean {
  const text = lines[i]!.text;
  if (/^\s/.test(text)) {
    return text.trim() === END && lines.slice(i + 1).every((l) => l.text.trim() === '');
  }
  return isOperationStart(text);
}

/**
 * A blank line at `i` starts a first section without '@@' (Codex reads it as an empty context
 * line) when a section line, not an '@@' or the end of the operation, follows the blank lines.
 */
function startsBareSection(lines: readonly SourceLine[], i: number): boolean {
  let k = i;
  while (k < lines.length && lines[k]!.text.trim() === '') k++;
  return k < lines.length && !lines[k]!.text.startsWith('@@') && !endsSections(lines, k);
}

function pathOf(line: SourceLine, prefix: string): string {
  const path = line.text.trim().slice(prefix.length).trim();
  if (path === '') throw syntaxError(line.no, `a path after '${prefix.trim()}'`, line.text);
  return path;
}

/** Parses a patch. Throws ToolError with the line number and what was expected on bad syntax. */
export function parsePatch(text: string): PatchOperation[] {
  const lines = unwrapPatchText(text);
  if (lines.length === 0) throw syntaxError(null, `'${BEGIN}'`, null);
  const first = lines[0]!;
  if (first.text.trim() !== BEGIN)
    throw syntaxError(first.no, `'${BEGIN}' as the first line`, first.text);

  const ops: PatchOperation[] = [];
  let i = 1;
  const peek = (): SourceLine | undefined => lines[i];

  for (;;) {
    const line = peek();
    if (line === undefined) {
      throw syntaxError(null, `'${END}' as the last line (or another file operation)`, null);
    }
    const t = line.text.trim();
    if (t === '') {
      i++;
      continue;
    }
    if (t === END) {
      const extra = lines.slice(i + 1).find((l) => l.text.trim() !== '');
      if (extra) throw syntaxError(extra.no, `nothing after '${END}'`, extra.text);
      break;
    }
    if (t.startsWith(ADD)) {
      const path = pathOf(line, ADD);
      i++;
      const body: string[] = [];
      let pendingBlank = 0;
      while (i < lines.length && !isOperationStart(lines[i]!.text)) {
        const l = lines[i]!;
        if (l.text.startsWith('+')) {
          for (; pendingBlank > 0; pendingBlank--) body.push('');
          body.push(l.text.slice(1));
        } else if (l.text.trim() === '') {
          // A bare blank line inside added content: the model dropped the '+'.
          pendingBlank++;
        } else {
          throw syntaxError(
            l.no,
            `a line starting with '+' in the content of added file ${path}`,
            l.text,
          );
        }
        i++;
      }
      ops.push({ type: 'add', path, lines: body, line: line.no });
      continue;
    }
    if (t.startsWith(DELETE)) {
      ops.push({ type: 'delete', path: pathOf(line, DELETE), line: line.no });
      i++;
      continue;
    }
    if (t.startsWith(UPDATE)) {
      const path = pathOf(line, UPDATE);
      i++;
      let movePath: string | null = null;
      const next = peek();
      if (next && next.text.trim().startsWith(MOVE)) {
        movePath = pathOf(next, MOVE);
        i++;
      }
      const chunks: PatchChunk[] = [];
      while (i < lines.length && !endsSections(lines, i)) {
        const start = lines[i]!;
        if (start.text.trim() === '' && (chunks.length > 0 || !startsBareSection(lines, i))) {
          // Blank separators between sections, or before the first '@@'.
          i++;
          continue;
        }
        const { chunk, next: after } = parseChunk(lines, i, path, chunks.length === 0);
        chunks.push(chunk);
        i = after;
      }
      if (chunks.length === 0) {
        throw syntaxError(
          lines[i]?.no ?? null,
          `at least one '@@' section with changes for ${path}`,
          lines[i]?.text ?? null,
        );
      }
      ops.push({ type: 'update', path, movePath, chunks, line: line.no });
      continue;
    }
    throw syntaxError(
      line.no,
      `'${ADD}<path>', '${DELETE}<path>', '${UPDATE}<path>' or '${END}'`,
      line.text,
    );
  }
  return ops;
}

function parseHeader(raw: string): string | null {
  let header = raw.trim().slice(2).trim();
  // A unified-diff range (`@@ -12,3 +12,4 @@ text`) carries no usable context; keep the text.
  const range = /^-\d+(?:,\d+)?\s+\+\d+(?:,\d+)?\s*@@\s*(.*)$/.exec(header);
  if (range) header = range[1]!.trim();
  return header === '' ? null : header;
}

function parseChunk(
  lines: SourceLine[],
  start: number,
  path: string,
  first: boolean,
): { chunk: PatchChunk; next: number } {
  let i = start;
  const head = lines[i]!;
  let header: string | null = null;
  if (head.text.startsWith('@@')) {
    header = parseHeader(head.text);
    i++;
  } else if (!first) {
    throw syntaxError(head.no, `'@@' to start the next section of ${path}`, head.text);
  }
  const chunk: PatchChunk = { header, lines: [], endOfFile: false, line: head.no };
  let bareBlanks = 0;
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    const t = l.text;
    if (t.trimEnd() === EOF_MARKER) {
      chunk.endOfFile = true;
      i++;
      break;
    }
    if (endsSections(lines, i) || t.startsWith('@@')) break;
    if (t === '' || (t.trim() === '' && !/^[ +-]/.test(t))) {
      // A blank context line whose leading space was stripped.
      chunk.lines.push({ type: 'context', text: '' });
      bareBlanks++;
      continue;
    }
    bareBlanks = 0;
    const sign = t[0];
    const body = t.slice(1);
    if (sign === ' ') {
      chunk.lines.push({ type: 'context', text: body });
    } else if (sign === '-') {
      chunk.lines.push({ type: 'remove', text: body });
    } else if (sign === '+') {
      chunk.lines.push({ type: 'add', text: body });
    } else {
      throw syntaxError(
        l.no,
        `a line starting with ' ' (context), '-' (removed), '+' (added), '@@' or '*** ' in ${path}`,
        t,
      );
    }
  }
  // Bare blank lines right before the next section are separators, not context.
  if (!chunk.endOfFile && bareBlanks > 0) {
    chunk.lines.splice(chunk.lines.length - bareBlanks, bareBlanks);
  }
  if (chunk.lines.length === 0) {
    throw syntaxError(
      lines[i]?.no ?? null,
      `context, '-' or '+' lines in the '@@' section of ${path}`,
      lines[i]?.text ?? null,
    );
  }
  return { chunk, next: i };
}
