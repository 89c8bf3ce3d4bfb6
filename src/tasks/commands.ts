// Deterministic commands of a task — setup, `run` nodes and checks — run sandboxed like the
// agent's tools (a repository's scripts must not read the secrets the sandbox hides either):
// writes only in the worktree and the task's declared cache folders, the task's network
// setting, own process group, killed on abort. And the check that a check command exists.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { TaskCheckResult } from '../protocol/methods-task.ts';
import type { CommandSandbox, ProcessRunner } from '../sandbox/process-runner.ts';
import { TaskError } from './errors.ts';
import { pathExists } from './git.ts';

/** How much of a check's output is kept (its end: where test runners print the failures). */
export const CHECK_OUTPUT_BYTES = 8 * 1024;

export type CommandRun = {
  command: string;
  ok: boolean;
  exitCode: number | null;
  durationMs: number;
  output: string;
  /** Why it did not pass, in a few words. */
  reason: string | null;
};

export type RunCommandOptions = {
  cwd: string;
  runner: ProcessRunner;
  signal: AbortSignal;
  timeoutMs: number;
  onOutput?: (chunk: string) => void;
  env?: Record<string, string>;
  /** What the command may do (network, cache folders); the runner sandboxes it. */
  sandbox: CommandSandbox;
};

export async function runCommand(command: string, options: RunCommandOptions): Promise<CommandRun> {
  const outcome = await options.runner.run(
    {
      argv: ['bash', '-c', command],
      cwd: options.cwd,
      timeoutMs: options.timeoutMs,
      sandbox: options.sandbox,
      ...(options.env ? { env: options.env } : {}),
    },
    { signal: options.signal, ...(options.onOutput ? { onOutput: options.onOutput } : {}) },
  );
  const reason = outcome.spawnError
    ? `could not start: ${outcome.spawnError}`
    : outcome.aborted
      ? 'stopped'
      : outcome.timedOut
        ? `timed out after ${Math.round(options.timeoutMs / 1000)} s`
        : outcome.exitCode === 127
          ? 'command not found (exit 127)'
          : outcome.exitCode !== 0
            ? `exit ${outcome.exitCode ?? outcome.signal}`
            : null;
  return {
    command,
    ok: reason === null,
    exitCode: outcome.exitCode,
    durationMs: outcome.durationMs,
    output: outcome.output,
    reason,
  };
}

/** The end of a text, cut at a line start, within `bytes`. */
export function tail(text: string, bytes = CHECK_OUTPUT_BYTES): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let cut = text.slice(-bytes);
  const nl = cut.indexOf('\n');
  if (nl >= 0 && nl < cut.length - 1) cut = cut.slice(nl + 1);
  return `…\n${cut}`;
}

export function checkResult(run: CommandRun): TaskCheckResult {
  return {
    command: run.command,
    passed: run.ok,
    exitCode: run.exitCode,
    durationMs: run.durationMs,
    output: tail(run.output),
  };
}

/** What the fix agent is shown: each failing check, its status and the end of its output. */
export function failureReport(results: readonly TaskCheckResult[]): string {
  return results
    .filter((r) => !r.passed)
    .map((r) => `$ ${r.command}\n(exit ${r.exitCode ?? 'none'})\n${r.output.trimEnd()}`)
    .join('\n\n');
}

/** The program a command line starts: its first word after any VAR=value assignments. */
export function programOf(command: string): string | null {
  const words = command.trim().split(/\s+/);
  for (const word of words) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) continue;
    return word;
  }
  return null;
}

/**
 * Refuses a check whose program cannot exist: a path that the base commit (or the disk, for
 * an absolute path) does not have, or a name bash cannot find as a command. Shell syntax
 * (subshells, `if`, redirections first) is let through: bash judges it when it runs.
 */
export async function assertCheckRunnable(
  command: string,
  repo: string,
  commit: string,
  runner: ProcessRunner,
): Promise<void> {
  const program = programOf(command);
  if (!program || !/^[A-Za-z0-9_./+@-]+$/.test(program)) return;
  let found: boolean;
  if (isAbsolute(program)) found = existsSync(program);
  else if (program.includes('/')) {
    // In the base commit, or made by setup (node_modules/.bin/…: the user's checkout has it).
    found =
      (await pathExists(repo, commit, program.replace(/^\.\//, ''))) ||
      existsSync(join(repo, program));
  } else {
    const outcome = await runner.run(
      {
        argv: ['bash', '-c', 'command -v -- "$1"', 'check', program],
        cwd: repo,
        timeoutMs: 5000,
        sandbox: { mode: 'read-only', networkAccess: false },
      },
      { signal: AbortSignal.timeout(10_000) },
    );
    found = outcome.exitCode === 0;
  }
  if (!found) {
    throw new TaskError(
      'task_invalid',
      `check "${command}": command not found: ${program} ` +
        `(checks run with bash in the task's worktree, from the repository root)`,
    );
  }
}
