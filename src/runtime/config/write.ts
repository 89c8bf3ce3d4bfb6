// Writes to the user's config.toml (config/value/write, config/batchWrite), the only layer a
// client may change: edits are applied to the file's table, the result must load as a whole
// configuration (each value in range, cross-key rules such as `toolset` naming a toolset), and
// only then is the file replaced — atomically, through a temporary file and a rename, keeping
// its comments and layout (toml-edit.ts). A refused edit leaves the file as it was.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { fileVersion, mergeTables } from './layers.ts';
import { isTable, valueAt } from './table.ts';
import { editTomlText, type TomlChange } from './toml-edit.ts';

/** Codex's ConfigWriteErrorCode values that Yoke answers with. */
export type ConfigWriteErrorCode =
  'configLayerReadonly' | 'configVersionConflict' | 'configValidationError' | 'configPathNotFound';

export class ConfigWriteError extends Error {
  readonly code = 'config_write_refused';
  constructor(
    readonly writeCode: ConfigWriteErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type ConfigEdit = {
  keyPath: string;
  value: unknown;
  mergeStrategy: 'replace' | 'upsert';
};

export type ConfigWriteRequest = {
  /** The user's config.toml. */
  userFile: string;
  /** The file the client named (default: the user's). */
  filePath?: string | null | undefined;
  expectedVersion?: string | null | undefined;
  edits: ConfigEdit[];
  /**
   * Loads the whole configuration with this user table in place of the file's; throws when it
   * does not load (a value out of range, a rule across keys).
   */
  validate: (userTable: Record<string, unknown>) => void;
};

export type ConfigWriteOutcome = {
  version: string;
  filePath: string;
  /** The key paths written, as parts, in the order of the edits. */
  paths: string[][];
  /** Whether the file's comments survived (false: it was written anew from its values). */
  keptComments: boolean;
};

export function writeUserConfig(request: ConfigWriteRequest): ConfigWriteOutcome {
  const { userFile } = request;
  if (request.filePath && !sameFile(resolve(request.filePath), userFile))
    throw new ConfigWriteError(
      'configLayerReadonly',
      `Only writes to the user config are allowed (${userFile}); ${request.filePath} is not it`,
    );
  const target = existingTarget(userFile);
  const text = readText(target);
  const version = fileVersion(text);
  if (request.expectedVersion && request.expectedVersion !== version)
    throw new ConfigWriteError(
      'configVersionConflict',
      'Configuration was modified since last read. Fetch latest version and retry.',
    );
  let table: Record<string, unknown>;
  try {
    table = parseToml(text);
  } catch (err) {
    throw new ConfigWriteError(
      'configValidationError',
      `${userFile} is not valid TOML (${(err as Error).message.split('\n')[0]}); fix it by hand first`,
    );
  }
  const changes: TomlChange[] = [];
  const paths: string[][] = [];
  for (const edit of request.edits) {
    const path = parseKeyPath(edit.keyPath);
    const value = edit.value === null ? undefined : tomlValue(edit.value, edit.keyPath);
    const before = table;
    table = applyEdit(table, path, value, edit.mergeStrategy, edit.keyPath);
    changes.push(...leafChanges(valueAt(before, path), valueAt(table, path), path));
    // Tables a removal emptied went with it: their lines go too.
    for (let n = path.length - 1; n > 0; n--)
      if (
        valueAt(before, path.slice(0, n)) !== undefined &&
        valueAt(table, path.slice(0, n)) === undefined
      )
        changes.push({ path: path.slice(0, n), value: undefined });
    paths.push(path);
  }
  try {
    request.validate(table);
  } catch (err) {
    throw new ConfigWriteError('configValidationError', (err as Error).message);
  }
  const edited = editTomlText(text, changes, table);
  if (edited.text !== text) writeAtomically(target, edited.text);
  return {
    version: fileVersion(edited.text),
    filePath: userFile,
    paths,
    keptComments: edited.keptComments,
  };
}

/** A key path split on dots; a part may be quoted to hold dots: `projects."/a.b".trust_level`. */
export function parseKeyPath(keyPath: string): string[] {
  const parts: string[] = [];
  let part = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < keyPath.length; i++) {
    const c = keyPath[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < keyPath.length) part += keyPath[++i];
      else if (c === '"') quoted = false;
      else part += c;
    } else if (c === '"' && part === '' && !wasQuoted) {
      quoted = wasQuoted = true;
    } else if (c === '.') {
      if (part === '' && !wasQuoted) throw invalidPath(keyPath);
      parts.push(part);
      part = '';
      wasQuoted = false;
    } else if (c === '"' || wasQuoted) {
      throw invalidPath(keyPath);
    } else part += c;
  }
  if (quoted || (part === '' && !wasQuoted)) throw invalidPath(keyPath);
  parts.push(part);
  return parts;
}

const invalidPath = (keyPath: string) =>
  new ConfigWriteError('configValidationError', `keyPath "${keyPath}" is not a.b.c`);

/** A JSON value as a TOML one: null has no TOML form inside arrays and tables. */
function tomlValue(value: unknown, keyPath: string): unknown {
  if (value === null)
    throw new ConfigWriteError('configValidationError', `${keyPath}: TOML has no null value`);
  if (Array.isArray(value)) return value.map((v) => tomlValue(v, keyPath));
  if (isTable(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tomlValue(v, keyPath)]));
  return value;
}

/** The changes from `before` to `after` at `path`, key by key, so untouched lines stay put. */
function leafChanges(before: unknown, after: unknown, path: string[]): TomlChange[] {
  if (JSON.stringify(before) === JSON.stringify(after) && typeof before === typeof after) return [];
  if (isTable(after) && Object.keys(after).length > 0) {
    const removed = isTable(before)
      ? Object.keys(before)
          .filter((k) => !Object.hasOwn(after, k))
          .map((k) => ({ path: [...path, k], value: undefined }))
      : before === undefined
        ? []
        : [{ path, value: undefined }];
    const old = isTable(before) ? before : {};
    return [
      ...removed,
      ...Object.keys(after).flatMap((k) => leafChanges(old[k], after[k], [...path, k])),
    ];
  }
  return [{ path, value: after }];
}

/** The table with one edit applied (a new table; `table` is left as it was). */
function applyEdit(
  table: Record<string, unknown>,
  path: string[],
  value: unknown,
  strategy: ConfigEdit['mergeStrategy'],
  keyPath: string,
): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  const out = { ...table };
  const current = Object.hasOwn(table, head) ? table[head] : undefined;
  if (rest.length === 0) {
    if (value === undefined) delete out[head];
    else if (strategy === 'upsert' && isTable(current) && isTable(value))
      out[head] = mergeTables(current, value);
    else out[head] = value;
    return out;
  }
  if (current === undefined) {
    if (value === undefined) return table;
    out[head] = applyEdit({}, rest, value, strategy, keyPath);
    return out;
  }
  if (!isTable(current))
    throw new ConfigWriteError(
      'configPathNotFound',
      `${keyPath}: ${head} is a ${Array.isArray(current) ? 'list' : typeof current}, not a table`,
    );
  const inner = applyEdit(current, rest, value, strategy, keyPath);
  // A table a removal leaves empty goes too (`[a]` with nothing under it).
  if (value === undefined && Object.keys(inner).length === 0) delete out[head];
  else out[head] = inner;
  return out;
}

/** The file behind a symlinked config.toml (the link stays), or the path itself. */
function existingTarget(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function sameFile(a: string, b: string): boolean {
  return a === b || existingTarget(a) === existingTarget(b);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** Replaces `file` with `text` so a reader sees the old file or the new one, never a part. */
function writeAtomically(file: string, text: string): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  let mode = 0o600;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    // A new file: only its owner reads it (it may name API key variables and servers).
  }
  const tmp = join(dir, `.config.toml.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
