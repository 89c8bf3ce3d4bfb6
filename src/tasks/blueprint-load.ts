// Finding a task's blueprint: the repository's `.yoke/blueprints/NAME.json` or `NAME.toml` at
// the base commit (a repository may redefine a built-in name), else a built-in one.
import { parse as parseToml } from 'smol-toml';
import { parseBlueprint, validateBlueprint, type Blueprint } from './blueprint.ts';
import { BUILTIN_BLUEPRINTS } from './blueprint-default.ts';
import { TaskError } from './errors.ts';
import { readFiles } from './git.ts';
import type { ToolShed } from '../mcp/toolsets.ts';

export const BLUEPRINT_DIR = '.yoke/blueprints';

export const blueprintFiles = (name: string): [string, string] => [
  `${BLUEPRINT_DIR}/${name}.json`,
  `${BLUEPRINT_DIR}/${name}.toml`,
];

/** `files` may hold the blueprint files already read at `commit` (one git call for all). */
export async function loadBlueprint(
  repo: string,
  commit: string,
  name: string,
  toolShed: ToolShed,
  files?: ReadonlyMap<string, string | null>,
): Promise<Blueprint> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new TaskError('task_invalid', `"${name}" is not a blueprint name`);
  }
  const paths = blueprintFiles(name);
  const read = paths.every((p) => files?.has(p)) ? files! : await readFiles(repo, commit, paths);
  const json = read.get(paths[0]) ?? null;
  const toml = read.get(paths[1]) ?? null;
  if (json !== null && toml !== null) {
    throw new TaskError(
      'task_invalid',
      `blueprint "${name}" is defined twice: ${BLUEPRINT_DIR}/${name}.json and .toml; keep one`,
    );
  }
  if (json !== null) return parseBlueprint(decode(json, 'json', name), name, toolShed);
  if (toml !== null) return parseBlueprint(decode(toml, 'toml', name), name, toolShed);
  const builtin = BUILTIN_BLUEPRINTS[name];
  if (builtin) return validateBlueprint(builtin, toolShed);
  throw new TaskError(
    'task_invalid',
    `no blueprint "${name}": not built in (${Object.keys(BUILTIN_BLUEPRINTS).join(', ')}) and no ` +
      `${BLUEPRINT_DIR}/${name}.json or .toml at ${commit.slice(0, 12)}`,
  );
}

function decode(text: string, format: 'json' | 'toml', name: string): unknown {
  try {
    return format === 'json' ? (JSON.parse(text) as unknown) : parseToml(text);
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    throw new TaskError(
      'task_invalid',
      `blueprint "${name}" is broken: ${BLUEPRINT_DIR}/${name}.${format} is not valid ${format.toUpperCase()}: ${first}`,
    );
  }
}
