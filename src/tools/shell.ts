// shell: run a command (argv or a bash script) in the workspace.
import { resolve } from 'node:path';
import * as z from 'zod';
import { truncateHeadTail } from '../context/truncate.ts';
import { commandLine } from '../protocol/command-line.ts';
import type { CommandExecutionItem } from '../protocol/items.ts';
import { describeCommand } from './command-actions.ts';
import { ToolError, type Tool } from './types.ts';

const schema = z.object({
  command: z
    .union([z.string().min(1), z.array(z.string()).min(1)])
    .describe('A bash script (string), or an argv array run without a shell.'),
  workdir: z
    .string()
    .optional()
    .describe('Directory to run in, relative to the workspace root. Defaults to the root.'),
  timeout_ms: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Kill the command after this many milliseconds.'),
  sandbox_permissions: z
    .enum(['use_default', 'require_escalated'])
    .optional()
    .describe('require_escalated asks the user to run this command outside the sandbox.'),
  justification: z
    .string()
    .optional()
    .describe('With require_escalated: why the command needs to run outside the sandbox.'),
});
type Args = z.infer<typeof schema>;

export const shellTool: Tool<typeof schema> = {
  name: 'shell',
  description: [
    'Runs a command in the workspace and returns its exit code and output (stdout and stderr interleaved).',
    'Pass `command` as a bash script string (pipes, &&, redirects work) or as an argv array.',
    'Prefer `rg` for searching and the read_file tool for reading files. Long output is cut in the middle;',
    'narrow it with grep/head/tail when you need a specific part. Commands do not read from stdin.',
  ].join(' '),
  schema,
  mutating: true,
  startItem: (callId, args, ctx) => ({
    type: 'commandExecution',
    id: callId,
    // Codex's form: the argv that runs, as one shell-quoted line (surfaces show the script).
    command: commandLine(argvOf(args)),
    cwd: resolve(ctx.cwd, args.workdir ?? '.'),
    processId: null,
    status: 'inProgress',
    commandActions: describeCommand(displayCommand(args)),
    aggregatedOutput: null,
    exitCode: null,
    durationMs: null,
  }),
  async execute(callId, args, ctx) {
    const start = shellTool.startItem(callId, args, ctx) as CommandExecutionItem;
    const argv = argvOf(args);
    const request = {
      kind: 'command' as const,
      itemId: callId,
      command: start.command,
      argv,
      cwd: start.cwd,
      commandActions: start.commandActions,
      escalation:
        args.sandbox_permissions === 'require_escalated'
          ? { justification: args.justification ?? '' }
          : null,
    };
    const verdict = await ctx.authorize(request);
    if (!verdict.approved) {
      return { output: verdict.reason, item: { ...start, status: 'declined' } };
    }
    const run = (unsandboxed: boolean) =>
      ctx.runner.run(
        { argv, cwd: start.cwd, timeoutMs: args.timeout_ms ?? ctx.commandTimeoutMs, unsandboxed },
        { signal: ctx.signal, onOutput: (delta) => ctx.progress({ type: 'outputDelta', delta }) },
      );
    let outcome = await run(verdict.unsandboxed ?? false);
    if (outcome.exitCode !== 0 && !verdict.unsandboxed && !outcome.aborted && !outcome.spawnError) {
      // A failure that looks like the sandbox's doing may be retried outside it, if allowed.
      const retry = await ctx.authorize({ ...request, failure: outcome });
      if (retry.approved && retry.unsandboxed) outcome = await run(true);
    }
    if (outcome.spawnError) {
      throw new ToolError(`could not start ${argv[0]}: ${outcome.spawnError}`);
    }
    const failed = outcome.exitCode !== 0;
    const item: CommandExecutionItem = {
      ...start,
      processId: outcome.pid === null ? null : String(outcome.pid),
      status: failed ? 'failed' : 'completed',
      aggregatedOutput: outcome.output,
      exitCode: outcome.exitCode ?? -1,
      durationMs: outcome.durationMs,
    };
    const cut = truncateHeadTail(
      outcome.output,
      ctx.outputBudgetBytes,
      'the full output is stored with the item; rerun with a narrower command to see a part',
    );
    const lines = [
      `Exit code: ${outcome.exitCode ?? -1}`,
      `Wall time: ${(outcome.durationMs / 1000).toFixed(2)} seconds`,
    ];
    if (outcome.timedOut)
      lines.push(`Timed out: killed after ${args.timeout_ms ?? ctx.commandTimeoutMs} ms`);
    if (outcome.aborted) lines.push('Interrupted: the user stopped the command');
    else if (outcome.signal) lines.push(`Killed by signal ${outcome.signal}`);
    if (outcome.limit) lines.push(`Sandbox limit: ${outcome.limit}`);
    lines.push('Output:', cut.text);
    return { output: lines.join('\n'), item };
  },
};

/** What runs: a script through `bash -c`, an argv as it is. */
function argvOf(args: Pick<Args, 'command'>): string[] {
  return typeof args.command === 'string' ? ['bash', '-c', args.command] : args.command;
}

/** The command as people read it: the script, or the argv quoted for a shell. */
function displayCommand(args: Pick<Args, 'command'>): string {
  return typeof args.command === 'string' ? args.command : commandLine(args.command);
}
