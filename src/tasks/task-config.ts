// A repository's task settings: `.yoke/task.toml`, read from the base commit (what the task's
// worktree will hold, not whatever the user's checkout has uncommitted). Keys are snake_case
// (camelCase also accepted); unknown keys are an error, because a misspelt `checks` would
// otherwise let every task pass.
//
//   setup = ["npm ci"]                  # run once per workspace (done ahead in the warm pool)
//   checks = ["npm test"]               # the acceptance criteria, in order
//   max_fix_rounds = 2                  # agent attempts to fix failing checks
//   time_budget_s = 3600                # the whole task, wall time
//   token_budget = 2000000              # all agent steps together (omit: no limit)
//   tools = ["shell", "apply_patch", "read_file", "mcp__github__get_*"]   # names or * patterns
//   toolset = "reviewer"                # a [toolsets.NAME] of the config (both apply)
//   network = false                     # network for the agent, `run` nodes and checks
//   setup_network = true                # network for setup (installing dependencies)
//   cache_dirs = ["~/.npm"]             # folders setup/run/checks may write besides the worktree
//   approval_policy = "never"           # "untrusted" etc. make the task wait for approvals
//   blueprint = "default"               # used when the submission names none
//   command_timeout_s = 600             # each setup / run / check command
import { parse as parseToml } from 'smol-toml';
import * as z from 'zod';
import { AskForApproval } from '../protocol/thread.ts';
import { TaskError } from './errors.ts';
import { selectionProblem, type ToolShed } from '../mcp/toolsets.ts';

export const TASK_CONFIG_PATH = '.yoke/task.toml';

/**
 * The cache folders a task may declare writable: package caches, whose entries are checked by
 * hash when used. A repository's task.toml is not trusted to name any other folder (~/.config
 * would let it plant code that runs on your next login).
 */
export const CACHE_DIRS = [
  '~/.npm',
  '~/.yarn',
  '~/.pnpm-store',
  '~/.local/share/pnpm',
  '~/.bun/install/cache',
  '~/.deno',
  '~/.cargo/registry',
  '~/.cargo/git',
  '~/go/pkg/mod',
  '~/.m2/repository',
  '~/.gradle/caches',
  '~/.gradle/wrapper',
  '~/.ivy2/cache',
  '~/.nuget/packages',
  '~/.composer/cache',
];

function isCacheDir(path: string): boolean {
  const clean = path.replace(/\/+$/, '');
  return CACHE_DIRS.includes(clean) || /^~\/\.cache\/[^/.][^/]*$/.test(clean);
}

/** What a task's setup (phase "setup") or other command may do: network, cache folders. */
export function commandSandbox(
  config: TaskConfig,
  phase: 'setup' | 'command',
): { networkAccess: boolean; extraRoots: string[] } {
  return {
    networkAccess: phase === 'setup' ? config.setupNetwork : config.network,
    extraRoots: config.cacheDirs,
  };
}

const schema = z
  .object({
    setup: z.array(z.string().min(1)).default([]),
    checks: z.array(z.string().min(1)).default([]),
    maxFixRounds: z.number().int().min(0).max(20).default(2),
    timeBudgetS: z.number().int().positive().default(3600),
    tokenBudget: z.number().int().positive().nullable().default(null),
    tools: z.array(z.string().min(1)).nullable().default(null),
    toolset: z.string().min(1).nullable().default(null),
    network: z.boolean().default(false),
    setupNetwork: z.boolean().default(true),
    cacheDirs: z
      .array(
        z.string().refine(isCacheDir, {
          message: `expected a package cache under ~/ (${CACHE_DIRS.join(', ')}, or ~/.cache/NAME)`,
        }),
      )
      .default([]),
    approvalPolicy: AskForApproval.default('never'),
    blueprint: z.string().min(1).default('default'),
    commandTimeoutS: z.number().int().positive().default(600),
  })
  .strict();

export type TaskConfig = z.infer<typeof schema>;

export const DEFAULT_TASK_CONFIG: TaskConfig = schema.parse({});

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Parses task.toml text; `toolShed` has the tools that exist. Throws task_invalid. */
export function parseTaskConfig(text: string, toolShed: ToolShed): TaskConfig {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    throw new TaskError('task_invalid', `${TASK_CONFIG_PATH} is not valid TOML: ${first}`);
  }
  const table = Object.fromEntries(Object.entries(raw).map(([k, v]) => [camel(k), v]));
  const parsed = schema.safeParse(table);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((issue) => {
      if (issue.code === 'unrecognized_keys')
        return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(snake).join(', ')}`;
      const path = issue.path.map((p) => (typeof p === 'string' ? snake(p) : String(p)));
      return `${path.join('.') || '(file)'}: ${issue.message}`;
    });
    throw new TaskError('task_invalid', `${TASK_CONFIG_PATH}: ${problems.join('; ')}`);
  }
  const config = parsed.data;
  const problem = selectionProblem(config, toolShed);
  if (problem) throw new TaskError('task_invalid', `${TASK_CONFIG_PATH}: ${problem}`);
  return config;
}
