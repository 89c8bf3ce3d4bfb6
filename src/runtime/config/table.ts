// The building blocks of the config schema. A config table is a zod object whose keys are
// written snake_case (Codex's spelling, and the one errors show) or camelCase; every key is
// optional in one file or flag (defaults are applied once all sources are merged); a key the
// schema does not name is reported as a warning by the loader and ignored.
import * as z from 'zod';

export function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path` (a key path through nested tables), or undefined where it stops. */
export function valueAt(table: Record<string, unknown>, path: string[]): unknown {
  let node: unknown = table;
  for (const part of path) {
    if (!isTable(node) || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}

/** Renames this level's keys to snake_case; nested tables rename their own. */
function snakeKeys(value: unknown): unknown {
  if (!isTable(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [snakeCase(key), v]));
}

/** A table of config keys; `shape` names them in snake_case. */
export function table<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.preprocess(snakeKeys, z.strictObject(shape).partial());
}

/** A table whose keys are names the user chose (providers, models): kept as written. */
export function namedTables<Entry extends z.ZodType>(entry: Entry) {
  return z.record(z.string().min(1), entry);
}

/** Whole numbers in [min, max]. */
export function int(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return z.number().int().min(min).max(max);
}

/** The longest delay a Node timer takes (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration in milliseconds that a timer can wait: at least `min`. */
export function durationMs(min = 1) {
  return int(min, MAX_TIMER_MS);
}

export const nonEmpty = z.string().min(1);

/** An http(s) URL. */
export const httpUrl = z.url({
  protocol: /^https?$/,
  error: 'expected an http:// or https:// URL',
});

/** An environment variable name. */
export const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name');
