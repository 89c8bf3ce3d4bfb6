// Fuzzy file search (Codex's fuzzyFileSearch, the TUI's @-mention picker): the files of each
// root, as `rg --files` lists them (.gitignore honoured, .git left out), are kept in memory for
// a few seconds, so the calls made while someone types reuse one listing; each query is a
// subsequence match scored by how tight it is and whether it falls on the file name.
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import { RuntimeError } from './errors.ts';

export type FileMatch = {
  root: string;
  path: string;
  file_name: string;
  score: number;
  /** Positions in `path` of the matched characters. */
  indices: number[];
};

/** How long a root's listing is reused (a search while typing lists once). */
const LISTING_TTL_MS = 5_000;
const MAX_FILES = 1_000_000;
export const DEFAULT_LIMIT = 50;

type Listing = { at: number; files: Promise<{ paths: string[]; lower: string[] }> };

export class FileSearch {
  private readonly listings = new Map<string, Listing>();

  constructor(private readonly now: () => number = Date.now) {}

  async search(query: string, roots: string[], limit = DEFAULT_LIMIT): Promise<FileMatch[]> {
    const needle = query.toLowerCase().replace(/\s+/g, '');
    if (!needle || limit <= 0) return [];
    // The best `limit` so far, worst last: most paths never become an object.
    const best: { root: string; path: string; lower: string; score: number }[] = [];
    for (const root of roots) {
      const { paths, lower } = await this.list(root);
      for (let i = 0; i < paths.length; i++) {
        const points = scoreOnly(lower[i]!, needle);
        if (!points) continue;
        const worst = best.at(-1);
        if (best.length >= limit && worst && !better(points, paths[i]!, worst)) continue;
        const entry = { root, path: paths[i]!, lower: lower[i]!, score: points };
        let at = best.length;
        while (at > 0 && better(entry.score, entry.path, best[at - 1]!)) at--;
        best.splice(at, 0, entry);
        if (best.length > limit) best.pop();
      }
    }
    return best.map(({ root, path, lower, score: points }) => ({
      root,
      path,
      file_name: basename(path),
      score: points,
      indices: score(lower, needle)!.indices,
    }));
  }

  private list(root: string): Listing['files'] {
    const cached = this.listings.get(root);
    if (cached && this.now() - cached.at < LISTING_TTL_MS) return cached.files;
    const files = listFiles(root).then((paths) => ({
      paths,
      lower: paths.map((p) => p.toLowerCase()),
    }));
    this.listings.set(root, { at: this.now(), files });
    // A failed listing is not kept.
    files.catch(() => this.listings.delete(root));
    return files;
  }
}

/** Higher score first; shorter path on a tie. */
function better(points: number, path: string, than: { score: number; path: string }): boolean {
  return points > than.score || (points === than.score && path.length < than.path.length);
}

function listFiles(root: string): Promise<string[]> {
  const refused = (err: NodeJS.ErrnoException) => {
    const why = err.code === 'ENOENT' ? 'no such directory' : (err.code ?? err.message);
    return new RuntimeError('input_invalid', `cannot list the files of ${root}: ${why}`);
  };
  return new Promise((resolve, reject) => {
    try {
      execFile(
        'rg',
        ['--files', '--hidden', '--glob', '!.git', '--sort', 'none'],
        { cwd: root, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
        (err, stdout) => {
          // rg exits 1 when it lists nothing (an empty directory).
          if (err && err.code !== 1) {
            reject(refused(err as NodeJS.ErrnoException));
            return;
          }
          const paths = stdout.split('\n').filter(Boolean);
          resolve(paths.length > MAX_FILES ? paths.slice(0, MAX_FILES) : paths);
        },
      );
    } catch (err) {
      // A cwd the system refuses outright (a name too long) throws here.
      reject(refused(err as NodeJS.ErrnoException));
    }
  });
}

let scratch = new Int32Array(64);

/**
 * A subsequence match of `needle` in `path` (both lower case), or null: matched right to left,
 * so it falls in the file name when it can; points for each character, more for consecutive
 * ones, word starts and the file name, fewer for a long path.
 */
export function score(path: string, needle: string): { score: number; indices: number[] } | null {
  const points = scoreOnly(path, needle);
  return points ? { score: points, indices: Array.from(scratch.subarray(0, needle.length)) } : null;
}

/** The score (0: no match), the matched positions left in `scratch`; allocates nothing. */
function scoreOnly(path: string, needle: string): number {
  const n = needle.length;
  // Quick reject: every character must occur in order.
  let at = 0;
  for (let i = 0; i < n; i++) {
    at = path.indexOf(needle[i]!, at);
    if (at < 0) return 0;
    at++;
  }
  if (scratch.length < n) scratch = new Int32Array(n * 2);
  let pos = path.length;
  for (let i = n - 1; i >= 0; i--) {
    if (pos === 0) return 0;
    pos = path.lastIndexOf(needle[i]!, pos - 1);
    if (pos < 0) return 0;
    scratch[i] = pos;
  }
  const nameStart = path.lastIndexOf('/') + 1;
  let points = 0;
  for (let i = 0; i < n; i++) {
    const p = scratch[i]!;
    points += 16;
    if (i > 0 && scratch[i - 1] === p - 1) points += 24;
    const before = p === 0 ? 47 : path.charCodeAt(p - 1);
    // '/', '_', '-', '.', ' '
    if (before === 47 || before === 95 || before === 45 || before === 46 || before === 32)
      points += 12;
    if (p >= nameStart) points += 8;
  }
  if (path.startsWith(needle, nameStart)) points += 40;
  points -= Math.min(40, Math.floor(path.length / 4));
  return Math.max(1, points);
}
