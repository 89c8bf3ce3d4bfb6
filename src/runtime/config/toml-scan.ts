// Where each part of a TOML document is, by character offset: every `key = value` (in a
// section or inside an inline table, at any depth) with its full path and the span of its
// value, and every table that holds keys — the root, each `[table]` and `[[array]]` section,
// each inline table. toml-edit.ts splices edits into these spans so the rest of the text stays
// as written. The document is one that already parsed; the scan throws on anything it does not
// follow, and the editor then falls back to writing the file anew.
import { parse as parseToml } from 'smol-toml';

/** A table that holds keys: the root, a `[table]` or `[[array]]` section, an inline table. */
export type TomlContainer = {
  kind: 'root' | 'table' | 'array' | 'inline';
  /** The table's path, or null where a keyPath cannot reach (an array of tables and below). */
  path: string[] | null;
  /** Sections: the path in the header, reachable or not ([] for the root). */
  headerPath: string[];
  /** Sections: where the header's line starts (0 for the root); inline: the `{`. */
  start: number;
  /** Sections: the end of the header's line; inline: just after the `{`. */
  bodyStart: number;
  /** Sections: the end of the last key's line (bodyStart without keys); inline: the `}`. */
  close: number;
  entries: TomlEntry[];
};

/** One `key = value`. */
export type TomlEntry = {
  /** The key's parts as written (dotted keys have several). */
  key: string[];
  /** The container's path plus the key, or null where a keyPath cannot reach. */
  path: string[] | null;
  /** Where the key starts, and (sections) where its line starts: before any indentation. */
  start: number;
  lineStart: number;
  valueStart: number;
  valueEnd: number;
  /** Sections: after the line's comment and newline; inline: valueEnd. */
  end: number;
  /** The inline table the value is, if it is one. */
  table: TomlContainer | null;
  container: TomlContainer;
};

export type TomlScan = {
  /** Every container, in the order they open (sections and inline tables mixed). */
  containers: TomlContainer[];
  /** Every entry, in the order its key appears (an inline table's after the entry holding it). */
  entries: TomlEntry[];
};

export class TomlScanError extends Error {
  readonly code = 'toml_scan_failed';
}

const BARE_CHAR = /[A-Za-z0-9_-]/;

export const startsWith = (path: readonly string[], prefix: readonly string[]) =>
  prefix.length <= path.length && prefix.every((p, i) => path[i] === p);
export const samePath = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && startsWith(a, b);

export function scanToml(s: string): TomlScan {
  let i = s.startsWith('\uFEFF') ? 1 : 0;
  const containers: TomlContainer[] = [];
  const entries: TomlEntry[] = [];
  const fail = (what: string): never => {
    throw new TomlScanError(`cannot follow the TOML (${what}) at offset ${i}`);
  };
  const spaces = () => {
    while (s[i] === ' ' || s[i] === '\t') i++;
  };
  /** Spaces, newlines and comments. */
  const gaps = () => {
    for (;;) {
      const c = s[i];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') i++;
      else if (c === '#') while (i < s.length && s[i] !== '\n') i++;
      else return;
    }
  };
  /** After a key line or header: spaces, a comment, the newline. */
  const lineEnd = () => {
    spaces();
    if (s[i] === '#') while (i < s.length && s[i] !== '\n') i++;
    if (s[i] === '\r') i++;
    if (s[i] === '\n') i++;
    else if (i < s.length) fail('a line that goes on');
    return i;
  };
  const lineStartOf = (at: number) => {
    while (at > 0 && (s[at - 1] === ' ' || s[at - 1] === '\t')) at--;
    return at;
  };

  function quoted(): void {
    const q = s[i]!;
    const triple = q.repeat(3);
    if (s.startsWith(triple, i)) {
      i += 3;
      while (i < s.length) {
        if (q === '"' && s[i] === '\\') i += 2;
        else if (s.startsWith(triple, i)) {
          i += 3;
          // Up to two more quotes belong to the string: `""""` ends with one in it.
          for (let more = 0; more < 2 && s[i] === q; more++) i++;
          return;
        } else i++;
      }
      fail('an unclosed string');
    }
    i++;
    while (i < s.length && s[i] !== q && s[i] !== '\n') i += q === '"' && s[i] === '\\' ? 2 : 1;
    if (s[i] !== q) fail('an unclosed string');
    i++;
  }

  function key(): string[] {
    const parts: string[] = [];
    for (;;) {
      spaces();
      const from = i;
      if (s[i] === '"' || s[i] === "'") {
        quoted();
        parts.push(parseToml(`k = ${s.slice(from, i)}`).k as string);
      } else {
        while (i < s.length && BARE_CHAR.test(s[i]!)) i++;
        if (i === from) fail('a key');
        parts.push(s.slice(from, i));
      }
      spaces();
      if (s[i] !== '.') return parts;
      i++;
    }
  }

  /** Skips one value; an inline table comes back as a container. */
  function value(path: string[] | null): TomlContainer | null {
    const c = s[i];
    if (c === '"' || c === "'") {
      quoted();
      return null;
    }
    if (c === '[') {
      i++;
      elements(']', () => value(null), 'an array');
      i++;
      return null;
    }
    if (c === '{') return inline(path);
    const from = i;
    while (i < s.length && !',]}#\r\n'.includes(s[i]!)) i++;
    while (i > from && (s[i - 1] === ' ' || s[i - 1] === '\t')) i--;
    if (i === from) fail('a value');
    return null;
  }

  function inline(path: string[] | null): TomlContainer {
    const table: TomlContainer = {
      kind: 'inline',
      path,
      headerPath: path ?? [],
      start: i,
      bodyStart: i + 1,
      close: -1,
      entries: [],
    };
    containers.push(table);
    i++;
    elements('}', () => keyValue(table), 'an inline table');
    table.close = i++;
    return table;
  }

  /** The comma-separated elements of an array or inline table, up to (not past) `close`. */
  function elements(close: string, element: () => void, what: string): void {
    for (;;) {
      gaps();
      if (s[i] === close) return;
      element();
      gaps();
      if (s[i] === ',') i++;
      else if (s[i] !== close) fail(what);
    }
  }

  function keyValue(container: TomlContainer): TomlEntry {
    const start = i;
    const parts = key();
    if (s[i] !== '=') fail('a key without =');
    i++;
    spaces();
    const entry: TomlEntry = {
      key: parts,
      path: container.path && [...container.path, ...parts],
      start,
      lineStart: start,
      valueStart: i,
      valueEnd: i,
      end: i,
      table: null,
      container,
    };
    container.entries.push(entry);
    entries.push(entry);
    entry.table = value(entry.path);
    entry.valueEnd = entry.end = i;
    return entry;
  }

  const root: TomlContainer = {
    kind: 'root',
    path: [],
    headerPath: [],
    start: 0,
    bodyStart: 0,
    close: 0,
    entries: [],
  };
  containers.push(root);
  let section = root;
  const arrays: string[][] = [];
  for (;;) {
    gaps();
    if (i >= s.length) break;
    const start = lineStartOf(i);
    if (s[i] === '[') {
      const array = s[i + 1] === '[';
      i += array ? 2 : 1;
      const path = key();
      const close = array ? ']]' : ']';
      if (!s.startsWith(close, i)) fail('a header');
      i += close.length;
      // Under an array of tables (`[[a]]` then `[a.b]`) a section is the last element's.
      const under = arrays.some((a) => a.length < path.length && startsWith(path, a));
      if (array && !arrays.some((a) => samePath(a, path))) arrays.push(path);
      const bodyStart = lineEnd();
      section = {
        kind: array ? 'array' : 'table',
        path: array || under ? null : path,
        headerPath: path,
        start,
        bodyStart,
        close: bodyStart,
        entries: [],
      };
      containers.push(section);
      continue;
    }
    const entry = keyValue(section);
    entry.lineStart = start;
    entry.end = section.close = lineEnd();
  }
  return { containers, entries };
}
