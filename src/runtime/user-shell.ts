// A shell command the user runs in a thread (thread/shellCommand, the Codex TUI's `!cmd`): a
// turn of its own (or a part of the running one, see RunningTurn.runAuxiliary) with one
// commandExecution item marked `source: "userShell"`, run by bash in
// the thread's cwd under the thread's sandbox, its output streamed as it comes. No approval is
// asked (the user typed it). The model sees it afterwards: the command, its exit code and its
// output (cut to the output budget) are recorded as a user message in a <user_shell_command>
// frame, which it is told not to act on unless asked.
import { truncateHeadTail } from '../context/truncate.ts';
import { Channel } from '../engine/channel.ts';
import type { EngineEvent } from '../engine/events.ts';
import type { HistoryItem } from '../models/types.ts';
import type { CommandExecutionItem } from '../protocol/items.ts';
import type { ProcessOutcome, ProcessRunner } from '../sandbox/process-runner.ts';
import { describeCommand } from '../tools/command-actions.ts';

/** Codex's default for a user shell command: one hour. */
export const USER_SHELL_TIMEOUT_MS = 60 * 60 * 1000;

export type UserShellRun = {
  command: string;
  cwd: string;
  runner: ProcessRunner;
  timeoutMs: number;
  outputBudgetBytes: number;
  signal: AbortSignal;
  newId: () => string;
};

export async function* runUserShell(run: UserShellRun): AsyncIterable<EngineEvent> {
  const start: CommandExecutionItem = {
    type: 'commandExecution',
    id: run.newId(),
    command: run.command,
    cwd: run.cwd,
    processId: null,
    status: 'inProgress',
    commandActions: describeCommand(run.command),
    aggregatedOutput: null,
    exitCode: null,
    durationMs: null,
    source: 'userShell',
  };
  yield { type: 'itemStarted', item: start };
  const chunks = new Channel<string>();
  let settled = false;
  const finished = run.runner.run(
    { argv: ['bash', '-c', run.command], cwd: run.cwd, timeoutMs: run.timeoutMs },
    { signal: run.signal, onOutput: (delta) => void chunks.push(delta) },
  );
  void finished.then(() => (settled = true));
  for (;;) {
    await chunks.wait(finished);
    const deltas = chunks.drain();
    for (const delta of deltas) yield { type: 'commandOutputDelta', itemId: start.id, delta };
    chunks.acknowledge();
    if (!deltas.length && settled) break;
  }
  const done = await finished;
  const output = done.spawnError ? `could not start bash: ${done.spawnError}` : done.output;
  const exitCode = done.exitCode ?? (done.spawnError ? 127 : -1);
  const item: CommandExecutionItem = {
    ...start,
    processId: done.pid === null ? null : String(done.pid),
    status: exitCode === 0 ? 'completed' : 'failed',
    aggregatedOutput: output,
    exitCode,
    durationMs: done.durationMs,
  };
  yield { type: 'itemCompleted', item };
  yield { type: 'history', item: shellRecord(run, done, output) };
  yield {
    type: 'turnEnd',
    status: done.aborted ? 'interrupted' : 'completed',
    lastMessage: null,
  };
}

/** What the model reads of the command: a user message it is told is for its information. */
function shellRecord(run: UserShellRun, outcome: ProcessOutcome, output: string): HistoryItem {
  let exit = String(outcome.exitCode);
  if (outcome.exitCode === null) {
    if (outcome.timedOut) exit = `none (timed out after ${run.timeoutMs / 1000} seconds)`;
    else if (outcome.aborted) exit = 'none (interrupted by the user)';
    else if (outcome.spawnError) exit = 'none (it did not start)';
    else exit = `none (killed by ${outcome.signal ?? 'a signal'})`;
  }
  const cut = truncateHeadTail(output, run.outputBudgetBytes, 'the full output is in the item');
  const text = [
    'The user ran this shell command themselves. It is here for your information: do not ' +
      'act on it unless they ask you to.',
    '<user_shell_command>',
    '<command>',
    escapeFrame(run.command),
    '</command>',
    '<result>',
    `Exit code: ${exit}`,
    `Duration: ${(outcome.durationMs / 1000).toFixed(2)} seconds`,
    'Output:',
    escapeFrame(cut.text),
    '</result>',
    '</user_shell_command>',
  ].join('\n');
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

/** The frame's own tags inside the command or its output cannot close it early. */
function escapeFrame(text: string): string {
  return text.replace(/<(\/?)(user_shell_command|command|result)>/g, '&lt;$1$2>');
}
