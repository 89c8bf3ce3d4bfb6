// Checking a submission before anything is queued: the repository, the base ref, task.toml,
// the blueprint and the check commands. Every problem is refused here, with a message that
// says what is wrong and where, rather than discovered by a task minutes later.
import { isAbsolute } from 'node:path';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import { BLUEPRINT_DIR, blueprintFiles, loadBlueprint } from './blueprint-load.ts';
import { BUILTIN_BLUEPRINTS } from './blueprint-default.ts';
import { assertCheckRunnable } from './commands.ts';
import { TaskError } from './errors.ts';
import { gitRaw, readFiles, repoTopLevel, resolveCommit } from './git.ts';
import { DEFAULT_TASK_CONFIG, parseTaskConfig, TASK_CONFIG_PATH } from './task-config.ts';
import type { TaskSpec } from './task-model.ts';
import type { ToolShed } from '../mcp/toolsets.ts';

export type SubmitInput = {
  prompt: string;
  repo: string;
  baseRef?: string | null;
  checks?: readonly string[] | null;
  blueprint?: string | null;
  /** The model for the agent steps (null: the daemon's configured one). */
  model?: string | null;
  retryOf?: string | null;
};

/**
 * Where a submitted repository's git data is read: `dir` (a checkout, or a fleet's mirror
 * clone), its default ref, and the name tasks record for it (`spec.repo`).
 */
export type RepoSource = (repo: string) => Promise<{ dir: string; head: string; name: string }>;

/** One machine: an absolute path into a checkout; the task records its top level. */
export const localRepo: RepoSource = async (repo) => {
  if (!isAbsolute(repo))
    throw new TaskError('task_invalid', `repo must be an absolute path, not "${repo}"`);
  const { top, head } = await repoTopLevel(repo);
  return { dir: top, head, name: top };
};

export async function prepareSubmission(
  id: string,
  input: SubmitInput,
  deps: { toolShed: ToolShed; runner: ProcessRunner; source?: RepoSource },
): Promise<TaskSpec> {
  if (!input.prompt.trim()) throw new TaskError('task_invalid', 'the prompt is empty');
  const { dir: repo, head, name: repoName } = await (deps.source ?? localRepo)(input.repo);
  const baseRef = input.baseRef?.trim() || head;
  const baseCommit = await resolveCommit(repo, baseRef);
  if (!baseCommit)
    throw new TaskError('task_invalid', `unknown base ref "${baseRef}" in ${repoName}`);

  // task.toml and the likely blueprint's files in one read; the blueprint task.toml names (when
  // the submission names none) may need a second.
  const guess = input.blueprint?.trim() || 'default';
  const files = await readFiles(repo, baseCommit, [TASK_CONFIG_PATH, ...blueprintFiles(guess)]);
  const configText = files.get(TASK_CONFIG_PATH) ?? null;
  const config =
    configText === null ? DEFAULT_TASK_CONFIG : parseTaskConfig(configText, deps.toolShed);
  const checks = [...new Set([...config.checks, ...(input.checks ?? [])].map((c) => c.trim()))];
  const name = input.blueprint?.trim() || config.blueprint;
  const [blueprint] = await Promise.all([
    loadBlueprint(repo, baseCommit, name, deps.toolShed, files),
    ...checks.map((check) => assertCheckRunnable(check, repo, baseCommit, deps.runner)),
  ]);
  return {
    prompt: input.prompt,
    repo: repoName,
    baseRef,
    baseCommit,
    branch: `yoke/${id}`,
    blueprint,
    checks,
    config,
    model: input.model?.trim() || null,
    submitted: {
      checks: [...(input.checks ?? [])],
      blueprint: input.blueprint ?? null,
      baseRef: input.baseRef ?? null,
    },
    retryOf: input.retryOf ?? null,
  };
}

export type BlueprintChoice = {
  name: string;
  source: 'builtin' | 'repository';
  description: string | null;
};

/**
 * The blueprints a submission on `repo` may name: its .yoke/blueprints/ at its default ref
 * (which may redefine a built-in), then the built-in ones; and the one task.toml picks.
 */
export async function listBlueprints(
  input: string,
  deps: { toolShed: ToolShed; source?: RepoSource },
): Promise<{ data: BlueprintChoice[]; defaultName: string }> {
  const { dir: repo, head } = await (deps.source ?? localRepo)(input);
  const commit = await resolveCommit(repo, head);
  const data: BlueprintChoice[] = [];
  let defaultName = 'default';
  if (commit) {
    const listed = await gitRaw(repo, ['ls-tree', '--name-only', `${commit}:${BLUEPRINT_DIR}`]);
    const names = new Set(
      (listed.code === 0 ? listed.stdout.split('\n') : [])
        .map((file) => /^([A-Za-z0-9][A-Za-z0-9._-]*)\.(json|toml)$/.exec(file.trim())?.[1])
        .filter((name): name is string => name !== undefined),
    );
    for (const name of [...names].sort()) {
      let description: string | null;
      try {
        const blueprint = await loadBlueprint(repo, commit, name, deps.toolShed);
        description = blueprint.description ?? null;
      } catch (err) {
        description = `broken: ${(err as Error).message}`;
      }
      data.push({ name, source: 'repository', description });
    }
    const config = (await readFiles(repo, commit, [TASK_CONFIG_PATH])).get(TASK_CONFIG_PATH);
    if (config) {
      try {
        defaultName = parseTaskConfig(config, deps.toolShed).blueprint;
      } catch {
        // A broken task.toml is reported when a task is submitted.
      }
    }
  }
  for (const [name, blueprint] of Object.entries(BUILTIN_BLUEPRINTS)) {
    if (!data.some((b) => b.name === name))
      data.push({ name, source: 'builtin', description: blueprint.description ?? null });
  }
  return { data, defaultName };
}
