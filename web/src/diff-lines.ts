// A tiny unified-diff colouriser: each line gets a kind the stylesheet colours —
// file headers (`diff --git`, `---`, `+++`), other git metadata, `@@` hunk headers, added,
// removed and context lines. Hunk headers say how many lines follow, so a removed line that
// happens to start with "-- " is never mistaken for the next file's header.

export type DiffLineKind = 'file' | 'meta' | 'hunk' | 'add' | 'del' | 'context' | 'note';
export type DiffLine = { kind: DiffLineKind; text: string };

const HUNK = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;
const META =
  /^(index |new file mode|deleted file mode|similarity |rename |old mode|new mode|Binary )/;

export function classifyDiff(diff: string): DiffLine[] {
  const lines = diff.endsWith('\n') ? diff.slice(0, -1).split('\n') : diff.split('\n');
  let oldLeft = 0;
  let newLeft = 0;
  return lines.map((text): DiffLine => {
    if (oldLeft > 0 || newLeft > 0) {
      if (text.startsWith('+')) {
        newLeft--;
        return { kind: 'add', text };
      }
      if (text.startsWith('-')) {
        oldLeft--;
        return { kind: 'del', text };
      }
      if (text.startsWith('\\')) return { kind: 'note', text };
      oldLeft--;
      newLeft--;
      return { kind: 'context', text };
    }
    const hunk = HUNK.exec(text);
    if (hunk) {
      oldLeft = Number(hunk[1] ?? 1);
      newLeft = Number(hunk[2] ?? 1);
      return { kind: 'hunk', text };
    }
    if (/^(diff --git |--- |\+\+\+ )/.test(text)) return { kind: 'file', text };
    if (META.test(text)) return { kind: 'meta', text };
    if (text.startsWith('\\')) return { kind: 'note', text };
    // Outside a counted hunk (a hand-written or cut diff): colour by the first character.
    if (text.startsWith('+')) return { kind: 'add', text };
    if (text.startsWith('-')) return { kind: 'del', text };
    return { kind: 'context', text };
  });
}

/** Lines added and removed (headers not counted). */
export function diffCounts(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === 'add') added++;
    else if (line.kind === 'del') removed++;
  }
  return { added, removed };
}
