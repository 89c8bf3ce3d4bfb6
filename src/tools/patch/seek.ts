// Tolerant matching of a patch chunk's lines against a file's lines, and the replacements that
// turn the old lines into the new ones.
import { ToolError } from '../types.ts';
import { newLinesOf, oldLinesOf } from './parse.ts';
import type { PatchChunk } from './parse.ts';

const PUNCTUATION: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u2033': '"',
  '\u00AB': '"',
  '\u00BB': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u00A0': ' ',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2004': ' ',
  '\u2005': ' ',
  '\u2006': ' ',
  '\u2007': ' ',
  '\u2008': ' ',
  '\u2009': ' ',
  '\u200A': ' ',
  '\u202F': ' ',
  '\u205F': ' ',
  '\u3000': ' ',
  '\u200B': '',
  '\uFEFF': '',
};
const PUNCTUATION_RE = new RegExp(`[${Object.keys(PUNCTUATION).join('')}]`, 'g');

/** Replaces typographic punctuation and exotic spaces with their ASCII forms, then trims. */
export function normalizePunctuation(line: string): string {
  return line.replace(PUNCTUATION_RE, (c) => PUNCTUATION[c] ?? c).trim();
}

/** The comparisons tried in order, from strict to lenient. */
const PASSES: ((line: string) => string)[] = [
  (l) => l,
  (l) => l.trimEnd(),
  (l) => l.trim(),
  normalizePunctuation,
];

function matchesAt(lines: readonly string[], pattern: readonly string[], at: number): boolean {
  for (let k = 0; k < pattern.length; k++) if (lines[at + k] !== pattern[k]) return false;
  return true;
}

/**
 * Index of the first occurrence of `pattern` in `lines` at or after `start`, or -1. Tries an
 * exact match first, then ignoring trailing whitespace, then ignoring surrounding whitespace,
 * then after normalising Unicode punctuation. With `endOfFile`, the match at the very end of the
 * file is preferred in every pass.
 */
export function seekSequence(
  lines: readonly string[],
  pattern: readonly string[],
  start: number,
  endOfFile = false,
): number {
  if (pattern.length === 0) return endOfFile ? lines.length : Math.min(start, lines.length);
  if (pattern.length > lines.length) return -1;
  const last = lines.length - pattern.length;
  const from = Math.max(0, start);
  const passes = PASSES.map((norm) => ({ lines: lines.map(norm), pattern: pattern.map(norm) }));
  if (endOfFile && last >= from) {
    for (const p of passes) if (matchesAt(p.lines, p.pattern, last)) return last;
  }
  for (const p of passes) {
    for (let at = from; at <= last; at++) if (matchesAt(p.lines, p.pattern, at)) return at;
  }
  return -1;
}

/** Index of the line at or after `start` that the `@@` header names, or -1. */
export function seekHeader(lines: readonly string[], header: string, start: number): number {
  const found = seekSequence(lines, [header], start);
  if (found >= 0) return found;
  // Models often abbreviate the header (`@@ def greet` for `def greet(name):`).
  const wanted = normalizePunctuation(header);
  for (let at = Math.max(0, start); at < lines.length; at++) {
    if (normalizePunctuation(lines[at]!).includes(wanted)) return at;
  }
  return -1;
}

/** Replace `oldLength` lines at `start` with `newLines`. */
export type Replacement = { start: number; oldLength: number; newLines: string[] };

function preview(lines: readonly string[]): string {
  const shown = lines.slice(0, 12).map((l) => `  ${l}`);
  if (lines.length > 12) shown.push(`  … (${lines.length - 12} more lines)`);
  return shown.join('\n');
}

/** The place where the most lines of the pattern match (ignoring whitespace), if any does. */
function nearest(
  lines: readonly string[],
  pattern: readonly string[],
): { at: number; score: number } | null {
  if (lines.length * pattern.length > 4_000_000) return null;
  let best = { at: -1, score: 0 };
  const norm = pattern.map(normalizePunctuation);
  for (let at = 1 - pattern.length; at < lines.length; at++) {
    let score = 0;
    for (let k = 0; k < pattern.length; k++) {
      const line = lines[at + k];
      if (line !== undefined && norm[k] !== '' && normalizePunctuation(line) === norm[k]) score++;
    }
    if (score > best.score) best = { at: Math.max(0, at), score };
  }
  return best.score > 0 ? best : null;
}

function contextError(
  lines: readonly string[],
  chunk: PatchChunk,
  pattern: readonly string[],
  index: number,
  path: string,
  from: number,
): ToolError {
  const near = nearest(lines, pattern);
  const expected = preview(pattern);
  const where = from > 0 ? `after line ${from}` : 'in the file';
  let message =
    `apply_patch failed: could not find the context for hunk ${index + 1} of ${path} ` +
    `(patch line ${chunk.line}; expected these lines ${where}:\n${expected})`;
  if (near && near.score === pattern.length && near.at < from) {
    message +=
      `\nThese lines are at line ${near.at + 1}, before the previous hunk: list the '@@' ` +
      'sections in the order they appear in the file.';
  } else if (near) {
    const found = preview(lines.slice(near.at, near.at + pattern.length));
    message +=
      `\nThe closest match starts at line ${near.at + 1} (${near.score} of ` +
      `${pattern.length} lines match):\n${found}`;
  }
  message +=
    '\nRe-read the file and send a patch whose context and removed lines match it exactly.';
  return new ToolError(message);
}

/** For each context line of a section: its index among the old lines and among the new ones. */
function contextPairs(body: PatchChunk['lines']): [number, number][] {
  const pairs: [number, number][] = [];
  let o = 0;
  let n = 0;
  for (const l of body) {
    if (l.type === 'context') pairs.push([o++, n++]);
    else if (l.type === 'remove') o++;
    else n++;
  }
  return pairs;
}

/**
 * Locates every chunk of an update in order (each after the previous one) and returns the
 * replacements. Throws ToolError naming the hunk, its expected lines and the nearest match.
 */
export function computeReplacements(
  lines: readonly string[],
  chunks: readonly PatchChunk[],
  path: string,
): Replacement[] {
  const replacements: Replacement[] = [];
  let cursor = 0;
  chunks.forEach((chunk, index) => {
    let from = cursor;
    if (chunk.header !== null) {
      const at = seekHeader(lines, chunk.header, cursor);
      if (at < 0) {
        throw new ToolError(
          `apply_patch failed: could not find the '@@ ${chunk.header}' line for hunk ` +
            `${index + 1} of ${path} (patch line ${chunk.line}; searched from line ${cursor + 1}).`,
        );
      }
      from = at + 1;
    }
    const body = chunk.lines;
    if (!body.some((l) => l.type !== 'add')) {
      // Pure addition: at the end of the file, or right after the header line. It does not
      // move the search on: the next section is still looked for from here (as Codex does).
      const at = chunk.header !== null && !chunk.endOfFile ? from : lines.length;
      replacements.push({ start: at, oldLength: 0, newLines: newLinesOf(body) });
      cursor = from;
      return;
    }
    let old = oldLinesOf(body);
    let added = newLinesOf(body);
    let at = seekSequence(lines, old, from, chunk.endOfFile);
    if (at < 0 && old.at(-1) === '') {
      // A trailing empty line standing for the file's final newline (Codex's rule): looked
      // for without it, and without the new side's last line when that is empty too.
      old = old.slice(0, -1);
      if (added.at(-1) === '') added = added.slice(0, -1);
      at = old.length === 0 ? from : seekSequence(lines, old, from, chunk.endOfFile);
    }
    if (at < 0 && chunk.header !== null) {
      // The header was repeated as the first context line.
      [old, added] = [oldLinesOf(body), newLinesOf(body)];
      at = seekSequence(lines, old, from - 1, chunk.endOfFile);
    }
    if (at < 0) throw contextError(lines, chunk, oldLinesOf(chunk.lines), index, path, from);
    // Only what lies between context lines is replaced: context lines stay the file's own lines
    // (text and ending, also when they matched loosely), and lines added right after a context
    // line come after what an earlier section appended at the same place (as in Codex).
    let o = 0;
    let n = 0;
    const cut = (oldEnd: number, newEnd: number): void => {
      if (o !== oldEnd || n !== newEnd)
        replacements.push({
          start: at + o,
          oldLength: oldEnd - o,
          newLines: added.slice(n, newEnd),
        });
    };
    for (const [oc, nc] of contextPairs(body)) {
      if (oc >= old.length || nc >= added.length) break;
      cut(oc, nc);
      [o, n] = [oc + 1, nc + 1];
    }
    cut(old.length, added.length);
    cursor = at + old.length;
  });
  return replacements;
}

/**
 * Applies replacements (non-overlapping) to a copy of `items`, one per file line; `make` gives
 * the item of an added line from its text. Of two at the same place, the earlier comes first.
 */
export function applyReplacements<T>(
  items: readonly T[],
  replacements: readonly Replacement[],
  make: (text: string) => T,
): T[] {
  const result = [...items];
  // From the end backwards; of two at the same place, the later one first so order is kept.
  const ordered = replacements
    .map((r, index) => ({ r, index }))
    .sort((a, b) => b.r.start - a.r.start || b.index - a.index);
  for (const { r } of ordered) result.splice(r.start, r.oldLength, ...r.newLines.map(make));
  return result;
}
