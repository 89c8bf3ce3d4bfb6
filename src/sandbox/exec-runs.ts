// What a simple command runs besides itself: the command a wrapper or `xargs`/`find -exec`
// launches, a shell's script, code carried by an environment assignment (GIT_EXTERNAL_DIFF,
// BASH_ENV…), an option that names a program (`sort --compress-program`, `git -c alias.x=…`),
// an interpreter's inline code. The exec policy checks each run against the rules; the known-
// safe list never counts a command that runs anything else as safe.
//
// A run is either seen (a command, or a script to parse) or opaque: code this cannot see (read
// from a pipe, a computed value, a language it does not parse). Opaque code might be anything,
// so a rule that forbids or asks might apply to it.
import { unwrapCommand } from './command-wrappers.ts';
import { assignmentRuns, commandRun, opaque, scriptRun, type Run } from './exec-run.ts';
import { gitRuns } from './git-runs.ts';
import { interpreterRuns } from './interpreter-runs.ts';
import { programRuns } from './program-runs.ts';
import { shellRunOf } from './shell-invocation.ts';
import { baseName, type SimpleCommand } from './shell-parse.ts';

export type { Run };

/** Everything `command` runs besides its own program. */
export function runsOf(command: SimpleCommand): Run[] {
  const runs: Run[] = command.assignments.flatMap(assignmentRuns);
  const program = command.words[0];
  if (!program || program.dynamic) return runs;
  const shell = shellRunOf(command);
  if (shell) {
    if (shell.kind === 'script') runs.push(scriptRun(shell.script, 'the script'));
    if (shell.kind === 'opaque') runs.push(opaque(shell.why));
    return runs;
  }
  const wrapped = unwrapCommand(command.words);
  if (wrapped) {
    runs.push(...wrapped.assignments.flatMap(assignmentRuns));
    if (wrapped.words.length > 0) runs.push(commandRun(wrapped.words, command.redirects));
    return runs;
  }
  const name = baseName(program.text);
  const args = command.words.slice(1);
  if (name === 'git') return [...runs, ...gitRuns(args)];
  return [...runs, ...programRuns(name, args), ...interpreterRuns(name, args, command.redirects)];
}
