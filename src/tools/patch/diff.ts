// Line diff (Myers) and unified-diff rendering, for file-change items and the turn diff.

export type DiffOp = { type: 'equal' | 'delete' | 'insert'; line: string };

/** Most edits Myers may search for (its trace grows as the square); beyond, replace whole. */
const MAX_EDITS = 4000;
/** Work budget, roughly (lines × edits), before falling back to a whole replacement. */
const MAX_WORK = 100_000_000;

/**
 * Splits text into lines that keep their terminator ("a\n", "b\r\n", "last"), so a missing
 * final newline shows up as a changed last line, as in git.
 */
export function splitLinesKeepEnds(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/(?<=\n)/);
  return lines;
}

function myers(a: readonly string[], b: readonly string[]): DiffOp[] | null {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const maxD = Math.min(max, MAX_EDITS, Math.floor(MAX_WORK / Math.max(1, max)));
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v[-d..d] as it was before step d.
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= maxD && found < 0; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) {
        x = v[offset + k + 1]!;
      } else {
        x = v[offset + k - 1]! + 1;
      }
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return null;
  // Walk the trace backwards from (n, m).
  const ops: DiffOp[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d]!;
    const at = (k: number): number => prev[k + d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ type: 'equal', line: a[--x]! });
      y--;
    }
    if (x === prevX) ops.push({ type: 'insert', line: b[--y]! });
    else ops.push({ type: 'delete', line: a[--x]! });
  }
  while (x > 0 && y > 0) {
    ops.push({ type: 'equal', line: a[--x]! });
    y--;
  }
  return ops.reverse();
}

/** A shortest edit script turning `a` into `b` (whole replacement if it is too costly). */
export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const middle = myers(midA, midB) ?? [
    ...midA.map((line): DiffOp => ({ type: 'delete', line })),
    ...midB.map((line): DiffOp => ({ type: 'insert', line })),
  ];
  return [
    ...a.slice(0, start).map((line): DiffOp => ({ type: 'equal', line })),
    ...middle,
    ...a.slice(endA).map((line): DiffOp => ({ type: 'equal', line })),
  ];
}

function range(start: number, count: number): string {
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}

function render(prefix: string, line: string): string {
  if (line.endsWith('\n')) return `${prefix}${line}`;
  return `${prefix}${line}\n\\ No newline at end of file\n`;
}

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
  const ops = diffLines(splitLinesKeepEnds(oldText), splitLinesKeepEnds(newText));
  const changed: number[] = [];
  ops.forEach((op, i) => {
    if (op.type !== 'equal') changed.push(i);
  });
  let out =
    `--- ${options.oldPath === null ? '/dev/null' : `a/${options.oldPath}`}\n` +
    `+++ ${options.newPath === null ? '/dev/null' : `b/${options.newPath}`}\n`;
  // Line numbers (0-based) in old and new before each op.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 0;
  let n = 0;
  for (const op of ops) {
    oldAt.push(o);
    newAt.push(n);
    if (op.type !== 'insert') o++;
    if (op.type !== 'delete') n++;
  }
  let i = 0;
  while (i < changed.length) {
    let j = i;
    while (j + 1 < changed.length && changed[j + 1]! - changed[j]! <= 2 * context + 1) j++;
    const from = Math.max(0, changed[i]! - context);
    const to = Math.min(ops.length, changed[j]! + context + 1);
    let oldCount = 0;
    let newCount = 0;
    let body = '';
    for (let k = from; k < to; k++) {
      const op = ops[k]!;
      if (op.type === 'equal') {
        oldCount++;
        newCount++;
        body += render(' ', op.line);
      } else if (op.type === 'delete') {
        oldCount++;
        body += render('-', op.line);
      } else {
        newCount++;
        body += render('+', op.line);
      }
    }
    out += `@@ -${range(oldAt[from]!, oldCount)} +${range(newAt[from]!, newCount)} @@\n${body}`;
    i = j + 1;
  }
  return out;
}
