// Blueprints: a task's workflow as a small typed graph. Deterministic nodes (setup, run
// commands, checks, commit, push to a local remote, render a PR description) and agentic nodes
// (a prompt template, a tool subset, a budget) joined by edges taken on success (`next`) and
// on failure (`onFailure`), ending in `done` or `failed`. Loops are allowed only through a node
// with `maxVisits`, so every blueprint terminates; validation proves that before a task runs.
//
// The same shape is the data format of `.yoke/blueprints/NAME.json|toml` (snake_case keys
// accepted), because loading TypeScript from a repository would need a compiler at run time.
import * as z from 'zod';
import { TaskError } from './errors.ts';
import { selectionProblem, type ToolShed } from '../mcp/toolsets.ts';

export const END_DONE = 'done';
export const END_FAILED = 'failed';

const Edges = {
  /** Where to go when the node succeeds. Default `done`. */
  next: z.string().optional(),
  /** Where to go when it fails. Default `failed`. */
  onFailure: z.string().optional(),
  /** How often the node may run in one task; `"maxFixRounds"` takes task.toml's value. A
   * visit beyond it fails the task (or goes to `onExhausted`). Required on every loop. */
  maxVisits: z.union([z.number().int().positive(), z.literal('maxFixRounds')]).optional(),
  onExhausted: z.string().optional(),
};

export const BlueprintNode = z.discriminatedUnion('type', [
  /** task.toml's `setup` commands (already done when the workspace came from the warm pool). */
  z.object({ type: z.literal('setup'), ...Edges }).strict(),
  /** Shell commands, in order; the first failure fails the node. */
  z
    .object({ type: z.literal('run'), commands: z.array(z.string().min(1)).min(1), ...Edges })
    .strict(),
  /** The task's checks; their failing output becomes {{checkOutput}}. */
  z.object({ type: z.literal('checks'), ...Edges }).strict(),
  /** A turn of an agent, as a thread. */
  z
    .object({
      type: z.literal('agent'),
      /** Template: {{prompt}} {{checkOutput}} {{round}} {{maxRounds}} {{checks}} {{branch}}
       * {{taskId}} {{summary}} {{diffStat}}. */
      prompt: z.string().min(1),
      /** A subset of the tools, names or * patterns (default: task.toml's `tools`, else all). */
      tools: z.array(z.string().min(1)).optional(),
      /** A `[toolsets.NAME]` of the config (default: task.toml's `toolset`). */
      toolset: z.string().min(1).optional(),
      /** `continue`: a new turn on the previous agent node's thread (its context and prompt
       * cache); `new`: a fresh thread. */
      thread: z.enum(['new', 'continue']).optional(),
      budget: z
        .object({
          tokens: z.number().int().positive().optional(),
          seconds: z.number().int().positive().optional(),
        })
        .strict()
        .optional(),
      ...Edges,
    })
    .strict(),
  /** Commits whatever the worktree holds (nothing to commit is not a failure). */
  z.object({ type: z.literal('commit'), message: z.string().min(1).optional(), ...Edges }).strict(),
  /** Pushes the task's branch to a remote whose URL is a local path. */
  z.object({ type: z.literal('push'), remote: z.string().min(1), ...Edges }).strict(),
  /** Renders a pull-request description into the task's result. */
  z.object({ type: z.literal('pr'), template: z.string().min(1).optional(), ...Edges }).strict(),
]);
export type BlueprintNode = z.infer<typeof BlueprintNode>;

export const Blueprint = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    start: z.string().min(1),
    nodes: z.record(z.string(), BlueprintNode),
  })
  .strict();
export type Blueprint = z.infer<typeof Blueprint>;

export const TEMPLATE_VARIABLES = [
  'prompt',
  'checkOutput',
  'round',
  'maxRounds',
  'checks',
  'branch',
  'taskId',
  'summary',
  'diffStat',
] as const;
export type TemplateVariables = Record<(typeof TEMPLATE_VARIABLES)[number], string>;

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
const NODE_ID = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

export function renderTemplate(template: string, vars: TemplateVariables): string {
  return template.replace(PLACEHOLDER, (_, name: string) => vars[name as keyof TemplateVariables]);
}

/** Checks a parsed blueprint; throws task_invalid naming the blueprint and the problem. */
export function validateBlueprint(blueprint: Blueprint, toolShed: ToolShed): Blueprint {
  const problems: string[] = [];
  const ids = Object.keys(blueprint.nodes);
  const target = (from: string, edge: string, to: string | undefined) => {
    if (to === undefined || to === END_DONE || to === END_FAILED) return;
    if (!Object.hasOwn(blueprint.nodes, to))
      problems.push(`node "${from}": ${edge} goes to unknown node "${to}"`);
  };
  if (ids.length === 0) problems.push('it has no nodes');
  if (!Object.hasOwn(blueprint.nodes, blueprint.start))
    problems.push(`start node "${blueprint.start}" does not exist`);
  for (const [id, node] of Object.entries(blueprint.nodes)) {
    if (!NODE_ID.test(id) || id === END_DONE || id === END_FAILED)
      problems.push(`"${id}" is not a valid node id (letters, digits, - and _; not done/failed)`);
    target(id, 'next', node.next);
    target(id, 'onFailure', node.onFailure);
    target(id, 'onExhausted', node.onExhausted);
    const templates =
      node.type === 'agent'
        ? [node.prompt]
        : node.type === 'commit' && node.message
          ? [node.message]
          : node.type === 'pr' && node.template
            ? [node.template]
            : [];
    for (const text of templates) {
      for (const [, name] of text.matchAll(PLACEHOLDER)) {
        if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name!))
          problems.push(
            `node "${id}": unknown placeholder {{${name}}} (known: ${TEMPLATE_VARIABLES.join(', ')})`,
          );
      }
    }
    if (node.type === 'agent') {
      const problem = selectionProblem(node, toolShed);
      if (problem) problems.push(`node "${id}": ${problem}`);
    }
  }
  const loop = unboundedLoop(blueprint);
  if (loop) problems.push(`unbounded loop ${loop.join(' → ')} (give one of its nodes maxVisits)`);
  if (problems.length) {
    throw new TaskError(
      'task_invalid',
      `blueprint "${blueprint.name}" is broken: ${problems.slice(0, 4).join('; ')}`,
    );
  }
  return blueprint;
}

/** A cycle through nodes none of which has maxVisits, or null. */
function unboundedLoop(blueprint: Blueprint): string[] | null {
  const uncapped = (id: string) => {
    const node = blueprint.nodes[id];
    return node !== undefined && node.maxVisits === undefined;
  };
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    const node = blueprint.nodes[id]!;
    for (const to of [node.next, node.onFailure, node.onExhausted]) {
      if (to !== undefined && uncapped(to)) {
        const found = visit(to);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of Object.keys(blueprint.nodes)) {
    if (!uncapped(id)) continue;
    const found = visit(id);
    if (found) return found;
  }
  return null;
}

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** snake_case keys → camelCase, except under `nodes` (node ids are names, kept as written). */
function camelKeys(value: unknown, keepKeys = false): unknown {
  if (Array.isArray(value)) return value.map((v) => camelKeys(v));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      keepKeys ? k : camel(k),
      camelKeys(v, !keepKeys && k === 'nodes'),
    ]),
  );
}

/** Parses the data format (already decoded from JSON or TOML) into a checked blueprint. */
export function parseBlueprint(data: unknown, name: string, toolShed: ToolShed): Blueprint {
  const withName =
    data && typeof data === 'object' && !Array.isArray(data) ? { name, ...(data as object) } : data;
  const parsed = Blueprint.safeParse(camelKeys(withName));
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.map(String).join('.') || '(blueprint)'}: ${issue.message}`);
    throw new TaskError('task_invalid', `blueprint "${name}" is broken: ${problems.join('; ')}`);
  }
  return validateBlueprint(parsed.data, toolShed);
}
