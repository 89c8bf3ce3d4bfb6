// A small path glob matcher for rule front matter: `**`, `*`, `?` and `{a,b}`.
//
// Paths and patterns use `/`. `*` and `?` never cross a `/`; `**` as a whole segment matches
// any number of segments, including none (`src/**/*.ts` matches `src/a.ts`; `docs/**` matches
// everything below docs/). A pattern without a `/` matches the file name at any depth, as in
// .gitignore (`*.md` matches `a/b/c.md`). A leading `./` or `/` is ignored. Braces nest and may
// hold globs (`src/{lib,app}/**`). Anything else, `[` included, is literal.

const cache = new Map<string, RegExp>();

export function globToRegExp(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached) return cached;
  const clean = pattern.trim().replace(/^\.?\/+/, '');
  const source = clean.includes('/') ? translate(clean) : `(?:.*/)?${translate(clean)}`;
  const regexp = new RegExp(`^${source}$`);
  cache.set(pattern, regexp);
  return regexp;
}

/** True when the relative `/`-separated `path` matches any of the patterns. */
export function matchesAny(path: string, patterns: readonly string[]): boolean {
  const clean = path.replace(/^\.?\/+/, '');
  return patterns.some((pattern) => globToRegExp(pattern).test(clean));
}

function translate(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] ?? '';
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        const segmentStart = i === 0 || glob[i - 1] === '/';
        const afterStars = glob[i + 2];
        if (segmentStart && afterStars === '/') {
          out += '(?:[^/]*/)*'; // "**/": zero or more whole segments
          i += 2;
          continue;
        }
        if (segmentStart && afterStars === undefined) {
          out += '.*'; // trailing "**": everything below
          i += 1;
          continue;
        }
      }
      out += '[^/]*';
    } else if (ch === '?') {
      out += '[^/]';
    } else if (ch === '{') {
      const close = matchingBrace(glob, i);
      if (close === -1) {
        out += '\\{';
        continue;
      }
      const options = splitTopLevel(glob.slice(i + 1, close));
      out += `(?:${options.map(translate).join('|')})`;
      i = close;
    } else {
      out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return out;
}

function matchingBrace(glob: string, open: number): number {
  let depth = 0;
  for (let i = open; i < glob.length; i++) {
    if (glob[i] === '{') depth++;
    else if (glob[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '{') depth++;
    else if (body[i] === '}') depth--;
    else if (body[i] === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}
