// A unified diff (as file-change items carry it) as the before and after texts ACP's `diff`
// content shows: the lines of every hunk, context included, joined hunk after hunk.

export type DiffTexts = {
  oldText: string;
  newText: string;
  /** The first changed hunk's line in the new file (1-based), or null without hunks. */
  firstLine: number | null;
};

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function diffTexts(diff: string): DiffTexts {
  const oldLines: string[] = [];
  const newLines: string[] = [];
  let firstLine: number | null = null;
  let inHunk = false;
  for (const line of diff.split('\n')) {
    const hunk = HUNK.exec(line);
    if (hunk) {
      inHunk = true;
      firstLine ??= Math.max(1, Number(hunk[1]));
      continue;
    }
    if (!inHunk || line.startsWith('\\')) continue;
    const body = line.slice(1);
    if (line.startsWith(' ')) {
      oldLines.push(body);
      newLines.push(body);
    } else if (line.startsWith('-')) oldLines.push(body);
    else if (line.startsWith('+')) newLines.push(body);
  }
  return { oldText: joinLines(oldLines), newText: joinLines(newLines), firstLine };
}

function joinLines(lines: string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
