// Path globs for rule front matter, matched by picomatch.
//
// Paths and patterns use `/`. `*` and `?` never cross a `/`; `**` as a whole segment matches
// any number of segments (`src/**/*.ts` matches `src/a.ts`; `docs/**` matches docs/ and
// everything below it). Braces and character classes work as in a shell (`src/{lib,app}/**`,
// `file[0-9].txt`). A pattern without a `/` matches the file name at any depth, as in
// .gitignore (`*.md` matches `a/b/c.md`). A leading `./` or `/` is ignored; dot files match.

import picomatch from 'picomatch';

type Matcher = (path: string) => boolean;

const cache = new Map<string, Matcher>();

export function globMatcher(pattern: string): Matcher {
  const cached = cache.get(pattern);
  if (cached) return cached;
  const clean = pattern.trim().replace(/^\.?\/+/, '');
  const matcher = picomatch(clean, { dot: true, basename: !clean.includes('/') });
  cache.set(pattern, matcher);
  return matcher;
}

/** True when the relative `/`-separated `path` matches any of the patterns. */
export function matchesAny(path: string, patterns: readonly string[]): boolean {
  const clean = path.replace(/^\.?\/+/, '');
  return patterns.some((pattern) => globMatcher(pattern)(clean));
}
