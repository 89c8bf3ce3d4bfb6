// Writes a patch in the Codex format that turns one text into another, as a careful model
// would: a line diff (a plain LCS table, independent of src/tools/patch/diff.ts), hunks with
// up to three lines of context, each hunk's old lines made long enough that their first exact
// occurrence after the previous hunk is where the change belongs, and `*** End of File` on a
// hunk that reaches the end. For the property apply(patch(a, b), a) == b.

type Op = { kind: 'keep' | 'del' | 'add'; line: string };

/** Lines of `text` without their terminators (the shapes that the applier keeps: EOL, BOM). */
export function linesOf(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body === '') return [];
  const trimmed = body.endsWith('\n') ? body.slice(0, -1) : body;
  return trimmed.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

function lineDiff(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i…] and b[j…].
  const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: 'keep', line: a[i++]! });
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      ops.push({ kind: 'add', line: b[j++]! });
    } else ops.push({ kind: 'del', line: a[i++]! });
  }
  return ops;
}

/** A hunk over ops[start…end): its old lines start at line `oldStart` of a. */
type Hunk = { start: number; end: number };

function oldLines(ops: readonly Op[], hunk: Hunk): string[] {
  return ops.slice(hunk.start, hunk.end).flatMap((o) => (o.kind === 'add' ? [] : [o.line]));
}

function oldIndex(ops: readonly Op[], at: number): number {
  let k = 0;
  for (let i = 0; i < at; i++) if (ops[i]!.kind !== 'add') k++;
  return k;
}

function firstExact(lines: readonly string[], pattern: readonly string[], from: number): number {
  for (let at = from; at + pattern.length <= lines.length; at++) {
    let ok = true;
    for (let k = 0; k < pattern.length && ok; k++) ok = lines[at + k] === pattern[k];
    if (ok) return at;
  }
  return -1;
}

/** Patch text for one Update File (or null when the texts have the same lines). */
export function updateSection(path: string, a: string, b: string, context = 3): string | null {
  const before = linesOf(a);
  const ops = lineDiff(before, linesOf(b));
  const changed = ops.map((o, i) => (o.kind === 'keep' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return null;
  // Changes closer than 2×context share a hunk, as in unified diffs.
  const hunks: Hunk[] = [];
  for (const i of changed) {
    const last = hunks.at(-1);
    if (last && i - last.end < 2 * context) last.end = i + 1;
    else hunks.push({ start: i, end: i + 1 });
  }
  for (const h of hunks) {
    h.start = Math.max(0, h.start - context);
    h.end = Math.min(ops.length, h.end + context);
  }
  // Hunk by hunk: grow the leading context until the old lines are found where they belong.
  const out: Hunk[] = [];
  let cursor = 0; // old line where the applier resumes searching
  for (const h of hunks) {
    const floor = out.at(-1)?.end ?? 0;
    h.start = Math.max(h.start, floor);
    for (;;) {
      const eof = h.end === ops.length;
      const pattern = oldLines(ops, h);
      const want = oldIndex(ops, h.start);
      const found = eof ? want : firstExact(before, pattern, cursor);
      if (pattern.length > 0 && found === want) break;
      if (h.start === floor) {
        // Nothing more to add before: merge with the previous hunk, or take the file's start.
        const prev = out.pop();
        if (prev) {
          h.start = prev.start;
          cursor = prev.start === 0 ? 0 : cursorBefore(out, ops);
          continue;
        }
        break;
      }
      h.start--;
    }
    out.push(h);
    cursor = oldIndex(ops, h.end);
  }
  const text: string[] = [`*** Update File: ${path}`];
  for (const h of out) {
    text.push('@@');
    for (const op of ops.slice(h.start, h.end))
      text.push(`${op.kind === 'keep' ? ' ' : op.kind === 'del' ? '-' : '+'}${op.line}`);
    if (h.end === ops.length) text.push('*** End of File');
  }
  return text.join('\n');
}

function cursorBefore(out: readonly Hunk[], ops: readonly Op[]): number {
  const last = out.at(-1);
  return last ? oldIndex(ops, last.end) : 0;
}

export function addSection(path: string, content: string): string {
  return [`*** Add File: ${path}`, ...linesOf(content).map((l) => `+${l}`)].join('\n');
}

export const wrapPatch = (sections: readonly string[]): string =>
  ['*** Begin Patch', ...sections, '*** End Patch'].join('\n');

/** The patch that turns `a` into `b` (a file at `path`; null stands for "absent"). */
export function patchFor(path: string, a: string | null, b: string | null): string {
  if (a === null && b === null) throw new Error('patchFor: nothing to do');
  if (a === null) return wrapPatch([addSection(path, b!)]);
  if (b === null) return wrapPatch([`*** Delete File: ${path}`]);
  const section = updateSection(path, a, b);
  if (section === null) throw new Error('patchFor: the texts have the same lines');
  return wrapPatch([section]);
}
