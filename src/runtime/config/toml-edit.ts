// Edits a TOML document in place, keeping its comments, blank lines, quoting and the order of
// what it does not touch. toml-scan.ts says where each key's value is — on its own line, behind
// dotted keys, inside an inline table at any depth — and an edit splices text there:
// - a value that exists is replaced where it is written, and nothing else on its line moves;
// - a new key goes where its table is written: at the end of its section, after the dotted
//   keys that make its table, or into its inline table (as `k = v` or `sub.k = v`); a table
//   that is written nowhere yet gets a `[section]` at the end of the file;
// - a removed key loses its line (or its place in the inline table, with its comma); a removed
//   table loses its section, from the header to its last key.
// A keyPath cannot index an array, so an array of tables is only ever replaced or removed
// whole. The edited text is parsed again and must give exactly the table intended; when it
// does not (a form the scan does not follow), the document is written anew from the table,
// which keeps every value but loses comments — the result says so.
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { isTable } from './table.ts';
import {
  samePath,
  scanToml,
  startsWith,
  type TomlContainer,
  type TomlEntry,
  type TomlScan,
} from './toml-scan.ts';

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
    let edited = text;
    for (const change of changes) edited = applyChange(edited, change);
    if (sameTable(parseToml(edited), expected)) return { text: edited, keptComments: true };
  } catch {
    // Not followed in place: written anew below.
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

/** One change applied to the text. */
export function applyChange(text: string, { path, value }: TomlChange): string {
  if (value === undefined) return removePath(text, path);
  const exact = scanToml(text).entries.find((e) => e.path && samePath(e.path, path));
  if (exact) return splice(text, exact.valueStart, exact.valueEnd, formatValue(value));
  return setNew(removePath(text, path), path, value);
}

const splice = (text: string, from: number, to: number, insert: string) =>
  text.slice(0, from) + insert + text.slice(to);

const eolOf = (text: string) => (text.includes('\r\n') ? '\r\n' : '\n');

/** Everything at or under `path` goes: key lines, places in inline tables, sections. */
function removePath(text: string, path: string[]): string {
  for (;;) {
    const scan = scanToml(text);
    const section = scan.containers.find(
      (c) => c.kind !== 'root' && c.kind !== 'inline' && startsWith(c.headerPath, path),
    );
    if (section) {
      text = removeSection(text, section);
      continue;
    }
    // The outermost entry first: removing it takes what its inline table holds with it.
    const entry = scan.entries
      .filter((e) => e.path && startsWith(e.path, path))
      .sort((a, b) => a.path!.length - b.path!.length)[0];
    if (!entry) return text;
    text = removeEntry(text, entry);
  }
}

/** A section from its header to its last key; the blank line that set it apart goes too. */
function removeSection(text: string, section: TomlContainer): string {
  let before = text.slice(0, section.start);
  let after = text.slice(section.close);
  const blank = /^\r?\n/.exec(after);
  if ((before === '' || /\n\r?\n$/.test(before)) && blank) after = after.slice(blank[0].length);
  else if (after === '' && /\n\r?\n$/.test(before)) before = before.replace(/\r?\n$/, '');
  return before + after;
}

function removeEntry(text: string, entry: TomlEntry): string {
  const { container } = entry;
  if (container.kind !== 'inline') return splice(text, entry.lineStart, entry.end, '');
  const list = container.entries;
  const at = list.indexOf(entry);
  if (list.length === 1) return splice(text, container.bodyStart, container.close, '');
  // `k = v, ` before the next entry, or `, k = v` after the one before the last.
  if (at < list.length - 1) return splice(text, entry.start, list[at + 1]!.start, '');
  return splice(text, list[at - 1]!.valueEnd, entry.valueEnd, '');
}

/**
 * Where a key of table `table` that is written nowhere yet goes: into a container (after
 * `anchor`, or first when there is none), or into a new `[table]` section. `depth` is how much
 * of the path is a table already written (less than the table's length when it is new).
 */
type ContainerSpot = { container: TomlContainer; anchor: TomlEntry | null; depth: number };
type Spot = ContainerSpot | 'section';

function spotFor(scan: TomlScan, table: string[]): Spot {
  const own = ownSpot(scan, table);
  if (own) return own;
  // A table some header below it makes: only a header of its own may add keys to it.
  if (scan.containers.some((c) => c.kind !== 'inline' && startsWith(c.headerPath, table)))
    return 'section';
  for (let n = table.length - 1; n >= 0; n--) {
    const spot = ownSpot(scan, table.slice(0, n));
    if (spot)
      // Inside an inline table the new table is written inline; beside dotted keys, as dotted
      // keys; under a section, as a section of its own.
      return spot.container.kind === 'inline' || !samePath(spot.container.path!, table.slice(0, n))
        ? { ...spot, depth: n }
        : 'section';
    if (
      scan.containers.some(
        (c) => c.kind !== 'inline' && startsWith(c.headerPath, table.slice(0, n)),
      )
    )
      return 'section';
  }
  return 'section';
}

/** Where `table` itself is written: its section or inline table, or the dotted keys making it. */
function ownSpot(scan: TomlScan, table: string[]): ContainerSpot | null {
  const container = scan.containers.find((c) => c.path && samePath(c.path, table));
  if (container)
    return { container, anchor: container.entries.at(-1) ?? null, depth: table.length };
  const dotted = scan.entries.filter(
    (e) =>
      e.path &&
      e.path.length > table.length &&
      startsWith(e.path, table) &&
      e.container.path!.length < table.length,
  );
  const anchor = dotted.at(-1);
  if (!anchor) return null;
  const last = anchor.container.entries.filter((e) => startsWith(e.path!, table)).at(-1)!;
  return { container: anchor.container, anchor: last, depth: table.length };
}

/** Sets a key nothing holds yet (its old value, if any, is already gone). */
function setNew(text: string, path: string[], value: unknown): string {
  const table = path.slice(0, -1);
  const scan = scanToml(text);
  const spot = spotFor(scan, table);
  // Lines and sections take a table key by key, as a hand-written file would have it.
  if (spot === 'section' || spot.container.kind !== 'inline')
    if (isTable(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) text = setNew(text, [...path, k], v);
      return text;
    }
  if (spot === 'section') return addSection(text, table, path.at(-1)!, value);
  const { container, anchor, depth } = spot;
  const key = (parts: string[]) => parts.map(formatKey).join('.');
  if (container.kind === 'inline') {
    // `sub = { k = v }` for a new table `sub`, rather than `sub.k = v`.
    const nested = path
      .slice(depth + 1)
      .reduceRight<unknown>((inner, part) => ({ [part]: inner }), value);
    const entry = `${key(path.slice(container.path!.length, depth + 1))} = ${formatValue(nested)}`;
    return anchor
      ? splice(text, anchor.valueEnd, anchor.valueEnd, `, ${entry}`)
      : splice(text, container.bodyStart, container.close, ` ${entry} `);
  }
  const entry = `${key(path.slice(container.path!.length))} = ${formatValue(value)}`;
  if (!anchor && container.kind === 'root') return addFirstKey(text, scan, entry);
  const eol = eolOf(text);
  const at = anchor ? anchor.end : container.bodyStart;
  const indent = anchor ? text.slice(anchor.lineStart, anchor.start) : '';
  const newline = at > 0 && text[at - 1] !== '\n' ? eol : '';
  return splice(text, at, at, `${newline}${indent}${entry}${eol}`);
}

/** The root's first key: after the file's opening comments, above the first section's. */
function addFirstKey(text: string, scan: TomlScan, entry: string): string {
  const eol = eolOf(text);
  const first = scan.containers.find((c) => c.kind === 'table' || c.kind === 'array');
  if (!first) return `${text !== '' && !text.endsWith('\n') ? text + eol : text}${entry}${eol}`;
  // Comment lines right above the header head its section: the key goes above them.
  let at = first.start;
  while (at > 0) {
    const prev = text.lastIndexOf('\n', at - 2) + 1;
    if (!text.slice(prev, at).trim().startsWith('#')) break;
    at = prev;
  }
  return splice(text, at, at, `${entry}${eol}${eol}`);
}

function addSection(text: string, table: string[], name: string, value: unknown): string {
  const eol = eolOf(text);
  let body = text;
  if (body !== '' && !body.endsWith('\n')) body += eol;
  const lines = body.split(/\r?\n/);
  const gap = body !== '' && lines.at(-2)!.trim() !== '' ? eol : '';
  const entry = `${formatKey(name)} = ${formatValue(value)}`;
  return `${body}${gap}[${table.map(formatKey).join('.')}]${eol}${entry}${eol}`;
}

const BARE = /^[A-Za-z0-9_-]+$/;

function formatKey(key: string): string {
  return BARE.test(key) ? key : formatString(key);
}

/** A TOML basic string: JSON's escapes, plus DEL, which TOML also wants escaped. */
function formatString(s: string): string {
  return JSON.stringify(s).replace(/\u007f/g, '\\u007F');
}

/** A value as TOML on one line (tables inline). */
function formatValue(value: unknown): string {
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
