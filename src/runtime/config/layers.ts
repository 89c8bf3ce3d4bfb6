// The sources of configuration, each read and validated on its own so that an error names the
// file, variable or flag it came from: ~/.yoke/config.toml, the project's .yoke/config.toml,
// environment variables, each `-c key=value`, then flags. Later sources win, key by key
// (tables merge; arrays and values replace).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import * as z from 'zod';
import { RuntimeError } from '../errors.ts';
import { ConfigFile } from './schema.ts';
import { isTable, snakeCase } from './table.ts';

export type Layer = { source: string; values: ConfigFile };

/** One source as config/read reports it: the user's file, the project's, or this session's. */
export type ConfigSourceLayer = {
  kind: 'user' | 'project' | 'session';
  /** The file, variable, `-c key=value` or "the command line". */
  source: string;
  values: ConfigFile;
  /** `sha256:<hex>` of a file layer's bytes (what config writes check); unset for the others. */
  version?: string;
};

/** Validates one source's raw table; unknown keys become warnings, bad values an error. */
export function validateLayer(raw: unknown, source: string, warnings: string[]): Layer {
  let input = raw;
  // Each round drops the unknown keys it found; a second round sees none.
  for (let round = 0; ; round++) {
    const parsed = ConfigFile.safeParse(input);
    if (parsed.success) return { source, values: parsed.data };
    const unknown = parsed.error.issues.filter((issue) => issue.code === 'unrecognized_keys');
    const bad = parsed.error.issues.filter((issue) => issue.code !== 'unrecognized_keys');
    if (bad.length || round > 1) {
      throw new RuntimeError(
        'config_invalid',
        `invalid configuration in ${source}:\n${z.prettifyError(new z.ZodError(bad.length ? bad : unknown))}`,
      );
    }
    input = structuredClone(input);
    for (const issue of unknown) {
      for (const key of issue.keys) {
        warnings.push(`${source}: unknown key ${[...issue.path, key].join('.')} ignored`);
        dropKey(input, issue.path, key);
      }
    }
  }
}

/** Deletes `key` (in either spelling) from the table at `path` of a raw config value. */
function dropKey(raw: unknown, path: PropertyKey[], key: string): void {
  let node = raw;
  for (const step of path) {
    if (!isTable(node) && !Array.isArray(node)) return;
    const here = node as Record<PropertyKey, unknown>;
    const found = step in here ? step : Object.keys(here).find((k) => snakeCase(k) === step);
    node = found === undefined ? undefined : here[found];
  }
  if (!isTable(node)) return;
  for (const k of Object.keys(node)) if (k === key || snakeCase(k) === key) delete node[k];
}

/** `sha256:<hex>` of a file's bytes: the version config/read reports and writes check. */
export function fileVersion(bytes: string | Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A TOML file's table (a missing file is an empty one). */
export function readTomlFile(path: string): Record<string, unknown> {
  return parseTomlText(path, readTomlText(path));
}

/** A TOML file's text (a missing file is an empty one). */
export function readTomlText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new RuntimeError('config_invalid', `cannot read ${path}: ${(err as Error).message}`);
  }
}

export function parseTomlText(path: string, text: string): Record<string, unknown> {
  try {
    return parseToml(text);
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    throw new RuntimeError('config_invalid', `${path} is not valid TOML: ${first}`);
  }
}

/**
 * One `-c key.path=value` override as a table. The key is a TOML dotted key (quote parts that
 * hold dots: `model_catalog."gpt-4.1".context_window=8192`); the value is TOML, or else taken
 * as a bare string.
 */
export function overrideTable(override: string): Record<string, unknown> {
  const eq = override.indexOf('=');
  if (eq <= 0) throw new RuntimeError('config_invalid', `-c expects KEY=VALUE, got "${override}"`);
  const key = override.slice(0, eq).trim();
  const value = override.slice(eq + 1).trim();
  try {
    return parseToml(`${key} = ${value}`);
  } catch {
    try {
      return parseToml(`${key} = ${JSON.stringify(value)}`);
    } catch {
      throw new RuntimeError('config_invalid', `-c ${override}: "${key}" is not a config key`);
    }
  }
}

/** Deep merge: tables merge key by key, anything else in `over` replaces. */
export function mergeTables(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isTable(current) && isTable(value) ? mergeTables(current, value) : value;
  }
  return out;
}
