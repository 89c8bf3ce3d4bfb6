// Unified-diff rendering for file-change items and the turn diff, on jsdiff's line diff.
//
// jsdiff finds the hunks; this file only renders them the way `git diff` does: `a/` and `b/`
// paths, `/dev/null` for an added or deleted file, counts of 1 left out of hunk headers, a
// zero-count range starting at the line before, and "\ No newline at end of file".

import { structuredPatch } from 'diff';

/** Most edits jsdiff may search for before giving up; beyond, the file is replaced whole. */
const MAX_EDIT_LENGTH = 4000;

export type UnifiedDiffOptions = {
  /** Path shown as `--- a/<path>`; null shows `/dev/null` (an added file). */
  oldPath: string | null;
  /** Path shown as `+++ b/<path>`; null shows `/dev/null` (a deleted file). */
  newPath: string | null;
  /** Lines of context around each change; 3 by default. */
  context?: number;
};

/** Unified diff between two texts; '' when they are equal. */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions): string {
  if (oldText === newText) return '';
  const context = options.context ?? 3;
  const header =
    `--- ${options.oldPath === null ? '/dev/null' : `a/${options.oldPath}`}\n` +
    `+++ ${options.newPath === null ? '/dev/null' : `b/${options.newPath}`}\n`;
  const patch = structuredPatch('a', 'b', oldText, newText, '', '', {
    context,
    maxEditLength: MAX_EDIT_LENGTH,
  });
  // Too costly to diff line by line: one hunk replacing the whole text.
  const hunks = patch?.hunks ?? [wholeReplacement(oldText, newText)];
  let out = header;
  for (const hunk of hunks) {
    out += `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@\n`;
    for (const line of hunk.lines) out += `${line}\n`;
  }
  return out;
}

type Hunk = {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
};

function wholeReplacement(oldText: string, newText: string): Hunk {
  const oldLines = marked('-', oldText);
  const newLines = marked('+', newText);
  return {
    oldStart: 1,
    oldLines: oldLines.count,
    newStart: 1,
    newLines: newLines.count,
    lines: [...oldLines.lines, ...newLines.lines],
  };
}

function marked(prefix: string, text: string): { lines: string[]; count: number } {
  if (text === '') return { lines: [], count: 0 };
  const parts = text.split('\n');
  const finalNewline = parts.at(-1) === '';
  if (finalNewline) parts.pop();
  const lines = parts.map((line) => `${prefix}${line}`);
  if (!finalNewline) lines.push('\\ No newline at end of file');
  return { lines, count: parts.length };
}

/** A hunk range as git writes it: "5" for one line, "5,3", and "4,0" for none after line 4. */
function range(start: number, count: number): string {
  if (count === 0) return `${Math.max(0, start - 1)},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}
