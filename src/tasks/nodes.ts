// What each kind of blueprint node does. Deterministic nodes run commands or git; an agent
// node is one turn of a thread through the AgentPort. Each answers ok or not, with one line.
import type { TaskNodeRun } from '../protocol/methods-task.ts';
import { renderTemplate, type BlueprintNode, type TemplateVariables } from './blueprint.ts';
import { checkResult, failureReport, runCommand } from './commands.ts';
import type { ExecEnv } from './executor.ts';
import { commitAll, git, gitRaw } from './git.ts';
import { commandSandbox } from './task-config.ts';

export type NodeOutcome = { ok: boolean; summary: string; skipped?: boolean };

type Node<T extends BlueprintNode['type']> = Extract<BlueprintNode, { type: T }>;

export async function runNode(
  env: ExecEnv,
  id: string,
  node: BlueprintNode,
  run: TaskNodeRun,
  resumed: TaskNodeRun | null,
): Promise<NodeOutcome> {
  switch (node.type) {
    case 'setup':
      if (env.state.warm)
        return { ok: true, summary: 'done ahead in the warm pool', skipped: true };
      if (env.spec.config.setup.length === 0)
        return { ok: true, summary: 'nothing to set up', skipped: true };
      return commands(env, id, env.spec.config.setup, 'setup');
    case 'run':
      return commands(env, id, node.commands, 'command');
    case 'checks':
      return checks(env, id);
    case 'agent':
      return agent(env, id, node, run, resumed);
    case 'commit':
      return commit(env, node);
    case 'push':
      return push(env, node);
    case 'pr':
      return pr(env, node);
  }
}

async function commands(
  env: ExecEnv,
  id: string,
  list: readonly string[],
  phase: 'setup' | 'command',
): Promise<NodeOutcome> {
  for (const command of list) {
    env.hooks.log({ type: 'output', node: id, text: `$ ${command}\n` });
    const run = await runCommand(command, {
      cwd: env.state.worktree!,
      runner: env.runner,
      sandbox: commandSandbox(env.spec.config, phase),
      signal: env.signal,
      timeoutMs: env.spec.config.commandTimeoutS * 1000,
      onOutput: (text) => env.hooks.log({ type: 'output', node: id, text }),
    });
    if (!run.ok) return { ok: false, summary: `${command}: ${run.reason}` };
  }
  return { ok: true, summary: `${list.length} command${list.length === 1 ? '' : 's'} ran` };
}

async function checks(env: ExecEnv, id: string): Promise<NodeOutcome> {
  const { checks } = env.spec;
  if (checks.length === 0) {
    env.state.checkResults = [];
    env.state.vars.checkOutput = '';
    return { ok: true, summary: 'no checks configured' };
  }
  const results = [];
  for (const command of checks) {
    env.hooks.log({ type: 'output', node: id, text: `$ ${command}\n` });
    const run = await runCommand(command, {
      cwd: env.state.worktree!,
      runner: env.runner,
      sandbox: commandSandbox(env.spec.config, 'command'),
      signal: env.signal,
      timeoutMs: env.spec.config.commandTimeoutS * 1000,
      onOutput: (text) => env.hooks.log({ type: 'output', node: id, text }),
    });
    if (env.signal.aborted) return { ok: false, summary: 'stopped' };
    results.push(checkResult(run));
  }
  env.state.checkResults = results;
  env.state.vars.checkOutput = failureReport(results);
  const failed = results.filter((r) => !r.passed);
  if (failed.length === 0) return { ok: true, summary: `all ${results.length} passed` };
  return {
    ok: false,
    summary: `${failed.length} of ${results.length} failed: ${failed.map((r) => r.command).join(', ')}`,
  };
}

async function agent(
  env: ExecEnv,
  id: string,
  node: Node<'agent'>,
  run: TaskNodeRun,
  resumed: TaskNodeRun | null,
): Promise<NodeOutcome> {
  const { spec, state } = env;
  let prompt = renderTemplate(node.prompt, await variables(env, node.prompt, run.visit));
  let threadId = node.thread === 'continue' ? state.lastThreadId : null;
  if (resumed) {
    // The interrupted turn is on record in its thread; a new turn there carries on from it.
    threadId = resumed.threadId ?? threadId;
    prompt = `${env.restored ? MOVED_NOTE : RESTARTED_NOTE}\n\n${prompt}`;
  }
  const budget = spec.config.tokenBudget;
  const left = budget === null ? null : budget - state.tokensUsed;
  if (left !== null && left <= 0)
    return { ok: false, summary: `the task's token budget (${budget}) is used up` };
  const own = node.budget?.tokens ?? null;
  const tokenBudget = own === null ? left : left === null ? own : Math.min(own, left);
  const before = state.tokensUsed;
  const result = await env.agent.run({
    taskId: env.id,
    node: id,
    title: `task ${env.id} · ${id}`,
    prompt,
    cwd: state.worktree!,
    threadId,
    tools: node.tools ?? spec.config.tools,
    toolset: node.toolset ?? spec.config.toolset,
    model: spec.model ?? null,
    approvalPolicy: spec.config.approvalPolicy,
    sandbox: {
      mode: 'workspace-write',
      writableRoots: [state.worktree!],
      networkAccess: spec.config.network,
    },
    tokenBudget,
    timeBudgetMs: node.budget?.seconds ? node.budget.seconds * 1000 : null,
    signal: env.signal,
    onThread: (threadId) => {
      run.threadId = threadId;
      state.lastThreadId = threadId;
      if (!state.threadIds.includes(threadId)) state.threadIds.push(threadId);
      env.hooks.save();
    },
    onWaitingApproval: (waiting) => env.hooks.setWaiting(waiting),
    onTokens: (tokens) => {
      state.tokensUsed = before + tokens;
      env.hooks.save();
    },
    onActivity: (line) => env.hooks.log({ type: 'output', node: id, text: `${line}\n` }),
  });
  env.hooks.setWaiting(false);
  state.tokensUsed = before + result.tokens;
  if (result.message) {
    state.vars.summary = result.message;
    env.hooks.log({ type: 'output', node: id, text: `${result.message}\n` });
  }
  if (result.status === 'completed') return { ok: true, summary: firstLine(result.message) };
  if (result.overBudget) {
    const what = result.overBudget === 'tokens' ? `token budget (${tokenBudget})` : 'time budget';
    return { ok: false, summary: `stopped: over its ${what}` };
  }
  return { ok: false, summary: result.error ?? `the turn ended ${result.status}` };
}

const RESTARTED_NOTE =
  'Yoke was restarted while you worked on this step; the workspace holds what was done so ' +
  'far. Check it, then carry on.';
const MOVED_NOTE =
  'This task moved to another machine while you worked on this step; the workspace holds the ' +
  'work as it was when this step started (what you changed in the interrupted turn is not in ' +
  'it). Check it, then carry on.';

async function commit(env: ExecEnv, node: Node<'commit'>): Promise<NodeOutcome> {
  const template = node.message ?? 'yoke: {{prompt}}';
  const rendered = renderTemplate(template, await variables(env, template, 0)).trim();
  const message = `${commitMessage(rendered)}\n\nYoke-Task: ${env.id}\n`;
  const sha = await commitAll(env.state.worktree!, message);
  return sha
    ? { ok: true, summary: `committed ${sha.slice(0, 12)}` }
    : { ok: true, summary: 'nothing to commit' };
}

async function push(env: ExecEnv, node: Node<'push'>): Promise<NodeOutcome> {
  const dir = env.state.worktree!;
  const url = await gitRaw(dir, ['remote', 'get-url', node.remote]);
  if (url.code !== 0) return { ok: false, summary: `no remote "${node.remote}"` };
  const target = url.stdout.trim();
  // Tasks run unattended: they may publish only to a remote on this machine.
  if (!(target.startsWith('/') || target.startsWith('file://') || target.startsWith('.'))) {
    return {
      ok: false,
      summary: `remote "${node.remote}" is ${target}: tasks push only to a local remote`,
    };
  }
  await git(dir, ['push', '--quiet', node.remote, `${env.spec.branch}:${env.spec.branch}`], {
    signal: env.signal,
  });
  return { ok: true, summary: `pushed ${env.spec.branch} to ${node.remote}` };
}

const PR_TEMPLATE = `# {{prompt}}

{{summary}}

## Checks

{{checks}}

## Changes

{{diffStat}}
`;

async function pr(env: ExecEnv, node: Node<'pr'>): Promise<NodeOutcome> {
  const template = node.template ?? PR_TEMPLATE;
  const text = renderTemplate(template, await variables(env, template, 0));
  env.state.vars.prDescription = text;
  env.hooks.log({ type: 'output', node: null, text });
  return { ok: true, summary: 'rendered the pull-request description' };
}

async function variables(
  env: ExecEnv,
  template: string,
  round: number,
): Promise<TemplateVariables> {
  const { spec, state } = env;
  const results = new Map(state.checkResults.map((r) => [r.command, r]));
  const checks = spec.checks.length
    ? spec.checks
        .map((c) => {
          const r = results.get(c);
          return `- ${r ? (r.passed ? '[x] ' : '[ ] ') : ''}\`${c}\``;
        })
        .join('\n')
    : '(none configured)';
  const diffStat = template.includes('diffStat')
    ? (await gitRaw(state.worktree!, ['diff', '--stat', spec.baseCommit])).stdout.trimEnd() ||
      '(no changes)'
    : '';
  return {
    prompt: spec.prompt,
    checkOutput: state.vars.checkOutput || '(no output)',
    round: String(round),
    maxRounds: String(spec.config.maxFixRounds),
    checks,
    branch: spec.branch,
    taskId: env.id,
    summary: state.vars.summary ?? '',
    diffStat,
  };
}

/** A subject line of at most 72 characters; the rest of a long first line goes to the body. */
function commitMessage(text: string): string {
  const [first = '', ...rest] = text.split('\n');
  if (first.length <= 72) return text;
  const cut = first.lastIndexOf(' ', 69);
  const at = cut > 20 ? cut : 69;
  return [`${first.slice(0, at)}…`, '', `…${first.slice(at).trim()}`, ...rest].join('\n');
}

function firstLine(text: string | null): string {
  const line = (text ?? '').trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line || 'done';
}
