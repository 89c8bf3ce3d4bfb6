// The built-in blueprints, written in TypeScript. `default`: set up → implement (agent) →
// checks → on failure fix (agent, given the failing output, on the same thread so it keeps
// its context and prompt cache) → checks again, at most task.toml's max_fix_rounds times →
// commit → done; or failed, with the last check output.
import type { Blueprint } from './blueprint.ts';

const IMPLEMENT = `{{prompt}}

You are working in a git worktree of the repository on branch {{branch}}, set up for this task.
Make the change completely, then stop with a short summary of what you did. Do not commit: Yoke
commits your work after these checks pass:
{{checks}}`;

const FIX = `The checks failed (fix round {{round}} of {{maxRounds}}). Their output:

{{checkOutput}}

Fix the code so that every check passes, then stop with a short summary. Do not commit.`;

export const DEFAULT_BLUEPRINT: Blueprint = {
  name: 'default',
  description: 'setup → implement → checks ⇄ fix (bounded) → commit',
  start: 'setup',
  nodes: {
    setup: { type: 'setup', next: 'implement' },
    implement: { type: 'agent', prompt: IMPLEMENT, thread: 'new', next: 'checks' },
    checks: { type: 'checks', next: 'commit', onFailure: 'fix' },
    fix: {
      type: 'agent',
      prompt: FIX,
      thread: 'continue',
      maxVisits: 'maxFixRounds',
      next: 'checks',
    },
    commit: { type: 'commit', message: 'yoke: {{prompt}}' },
  },
};

/** `pr`: the default flow plus a rendered pull-request description. */
export const PR_BLUEPRINT: Blueprint = {
  ...DEFAULT_BLUEPRINT,
  name: 'pr',
  description: 'the default blueprint, then a pull-request description',
  nodes: {
    ...DEFAULT_BLUEPRINT.nodes,
    commit: { type: 'commit', next: 'describe' },
    describe: { type: 'pr' },
  },
};

export const BUILTIN_BLUEPRINTS: Record<string, Blueprint> = {
  default: DEFAULT_BLUEPRINT,
  pr: PR_BLUEPRINT,
};
