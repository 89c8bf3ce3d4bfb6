// Edits a TOML document in place, keeping its comments, blank lines and the order of what it
// does not touch: a key's value is replaced on its own line, a new key goes at the end of its
// table's section (or in a new section at the end of the file), a cleared key or table loses
// its lines. The edited text is parsed again and must give exactly the table intended; when it
// does not (a table written inline or with dotted keys, an array of tables, anything this
// line-level editor does not follow) the whole document is written anew from the table, which
// keeps every value but loses comments.
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { isTable } from './table.ts';

/** One change: the value at `path` becomes `value` (undefined: the key is removed). */
export type TomlChange = { path: string[]; value: unknown };

export type TomlEditResult = { text: string; keptComments: boolean };

/** `text` with `changes` applied; `expected` is the table the result must parse to. */
export function editTomlText(
  text: string,
  changes: TomlChange[],
  expected: Record<string, unknown>,
): TomlEditResult {
  try {
    let lines = text.split('\n');
    for (const change of changes) lines = applyChange(lines, change);
    const edited = lines.join('\n');
    if (sameTable(parseToml(edited), expected)) return { text: edited, keptComments: true };
  } catch {
    // Not followed line by line: written anew below.
  }
  return { text: stringifyToml(expected), keptComments: false };
}

/** Whether two parsed TOML tables hold the same values (prototypes and key order aside). */
export function sameTable(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date) return `date:${String(value)}`;
  if (isTable(value))
    return Object.keys(value)
      .sort()
      .map((k) => [k, canonical(value[k])]);
  return value;
}

type Line = { header: string[] | null; key: string[] | null; end: number };

/**
 * What each line is: a `[table]` header (its path), the first line of a `key = value` (its full
 * path, the table's plus the key's; `end` is the line after its value), or neither. Lines under
 * a `[[array]]` header belong to no table this editor writes into.
 */
function scan(lines: string[]): Line[] {
  const out: Line[] = [];
  let table: string[] | null = [];
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    if (trimmed.startsWith('[[')) {
      table = null;
      out.push({ header: null, key: null, end: i + 1 });
      continue;
    }
    if (trimmed.startsWith('[')) {
      const close = trimmed.lastIndexOf(']');
      table = splitKey(trimmed.slice(1, close));
      out.push({ header: table, key: null, end: i + 1 });
      continue;
    }
    const eq = keyEnd(trimmed);
    if (eq < 0 || trimmed.startsWith('#')) {
      out.push({ header: null, key: null, end: i + 1 });
      continue;
    }
    const end = valueEnd(lines, i);
    const key = table === null ? null : [...table, ...splitKey(trimmed.slice(0, eq))];
    out.push({ header: null, key, end });
    for (let j = i + 1; j < end; j++) out.push({ header: null, key: null, end: j + 1 });
    i = end - 1;
  }
  return out;
}

/** Where the `=` after a key is (outside quotes), or -1 when the line is no key line. */
function keyEnd(line: string): number {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '=') return i;
    else if (c === '#') return -1;
  }
  return -1;
}

/** Where a `#` comment starts on a line from `from` on (outside strings), or -1. */
function commentStart(line: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return i;
  }
  return -1;
}

/** The line after the value that starts on line `i` (a value may span lines). */
function valueEnd(lines: string[], i: number): number {
  for (let end = i + 1; end <= lines.length; end++) {
    const chunk = lines.slice(i, end).join('\n');
    try {
      parseToml(chunk.trim().replace(/^[^=]*=/, 'x ='));
      return end;
    } catch {
      // The value goes on: one more line.
    }
  }
  return i + 1;
}

/** A TOML key (bare, quoted or dotted) as its parts. */
export function splitKey(key: string): string[] {
  const parts: string[] = [];
  let i = 0;
  const s = key.trim();
  while (i < s.length) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    let part = '';
    if (s[i] === '"' || s[i] === "'") {
      const quote = s[i]!;
      let j = i + 1;
      while (j < s.length && s[j] !== quote) j += s[j] === '\\' && quote === '"' ? 2 : 1;
      part = quote === '"' ? (JSON.parse(s.slice(i, j + 1)) as string) : s.slice(i + 1, j);
      i = j + 1;
    } else {
      let j = i;
      while (j < s.length && s[j] !== '.') j++;
      part = s.slice(i, j).trim();
      i = j;
    }
    parts.push(part);
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (s[i] === '.') i++;
  }
  return parts;
}

const startsWith = (path: string[], prefix: string[]) =>
  prefix.length <= path.length && prefix.every((p, i) => path[i] === p);
const samePath = (a: string[], b: string[]) => a.length === b.length && startsWith(a, b);

function applyChange(lines: string[], { path, value }: TomlChange): string[] {
  if (value !== undefined && !isTable(value)) {
    // A value already on its own key line is replaced there, keeping the key as written.
    const info = scan(lines);
    const at = info.findIndex((line) => line.key && samePath(line.key, path));
    if (at >= 0) {
      const line = lines[at]!;
      const eq = keyEnd(line);
      // A comment after a one-line value stays after the new one.
      const hash = info[at]!.end === at + 1 ? commentStart(line, eq + 1) : -1;
      const comment = hash >= 0 ? ` ${line.slice(hash)}` : '';
      return [
        ...lines.slice(0, at),
        `${line.slice(0, eq + 1).trimEnd()} ${formatValue(value)}${comment}`,
        ...lines.slice(info[at]!.end),
      ];
    }
  }
  // Whatever was at the path goes first: its key lines and its tables' sections.
  let out = removePath(lines, path);
  if (value === undefined) return out;
  const leaves = isTable(value) ? leafEntries(value, path) : [[path, value] as const];
  for (const [leafPath, leaf] of leaves) out = setLeaf(out, leafPath, leaf);
  return out;
}

/** The non-table values of a table, each with its full path (an empty table is one leaf). */
function leafEntries(table: Record<string, unknown>, prefix: string[]): [string[], unknown][] {
  const entries = Object.entries(table);
  if (!entries.length) return [[prefix, {}]];
  return entries.flatMap(([k, v]) =>
    isTable(v) ? leafEntries(v, [...prefix, k]) : [[[...prefix, k], v] as [string[], unknown]],
  );
}

function removePath(lines: string[], path: string[]): string[] {
  const info = scan(lines);
  const drop = new Set<number>();
  let inSection = false;
  for (let i = 0; i < lines.length; i++) {
    const line = info[i]!;
    if (line.header || (line.key === null && lines[i]!.trim().startsWith('[['))) {
      inSection = line.header !== null && startsWith(line.header, path);
    }
    if (inSection) drop.add(i);
    else if (line.key && startsWith(line.key, path)) for (let j = i; j < line.end; j++) drop.add(j);
  }
  return lines.filter((_, i) => !drop.has(i));
}

function setLeaf(lines: string[], path: string[], value: unknown): string[] {
  const info = scan(lines);
  const table = path.slice(0, -1);
  const name = path.at(-1)!;
  const entry = `${formatKey(name)} = ${formatValue(value)}`;
  // The table's own section: after its last key line.
  let sectionStart = table.length === 0 ? 0 : -1;
  for (let i = 0; i < info.length; i++)
    if (info[i]!.header && samePath(info[i]!.header!, table)) sectionStart = i + 1;
  if (sectionStart >= 0) {
    let at = sectionStart;
    for (let i = sectionStart; i < info.length; i++) {
      if (info[i]!.header || lines[i]!.trim().startsWith('[')) break;
      if (info[i]!.key) at = info[i]!.end;
    }
    return [...lines.slice(0, at), entry, ...lines.slice(at)];
  }
  const tail = lines.at(-1) === '' ? lines.slice(0, -1) : lines;
  const gap = tail.length && tail.at(-1)!.trim() !== '' ? [''] : [];
  return [...tail, ...gap, `[${table.map(formatKey).join('.')}]`, entry, ''];
}

const BARE = /^[A-Za-z0-9_-]+$/;

export function formatKey(key: string): string {
  return BARE.test(key) ? key : formatString(key);
}

/** A TOML basic string: JSON's escapes, plus DEL, which TOML also wants escaped. */
function formatString(s: string): string {
  return JSON.stringify(s).replace(/\u007f/g, '\\u007F');
}

/** A value as TOML on one line (tables inline). */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return formatString(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value instanceof Date) return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  if (isTable(value)) {
    const body = Object.entries(value)
      .map(([k, v]) => `${formatKey(k)} = ${formatValue(v)}`)
      .join(', ');
    return body ? `{ ${body} }` : '{}';
  }
  throw new Error(`${String(value)} has no TOML form`);
}
