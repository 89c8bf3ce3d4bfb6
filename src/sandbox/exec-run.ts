// One thing a command runs besides itself (see exec-runs.ts): a command, a script to parse, or
// opaque code that cannot be seen.
import { variableKind } from './code-env.ts';
import type { Assignment, SimpleCommand, Word } from './shell-parse.ts';

export type Run =
  | { kind: 'command'; command: SimpleCommand }
  | { kind: 'script'; script: string }
  | { kind: 'opaque'; why: string };

/** What setting NAME=value runs: its value as a command line, or code that cannot be seen. */
export function assignmentRuns({ name, value }: Assignment): Run[] {
  const kind = variableKind(name);
  if (kind === null) return [];
  if (kind === 'command') return [scriptRun(value, `the command line in ${name}`)];
  return [opaque(`${name}=… makes programs load code from elsewhere`)];
}

export function commandRun(words: Word[], redirects: SimpleCommand['redirects'] = []): Run {
  return { kind: 'command', command: { words, assignments: [], redirects } };
}

export function scriptRun(script: Word, what: string): Run {
  return script.dynamic
    ? opaque(`${what} is only known at run time`)
    : { kind: 'script', script: script.text };
}

export function opaque(why: string): Run {
  return { kind: 'opaque', why };
}

/** An unknown word standing for arguments added at run time (xargs input, find's `{}`). */
export const RUNTIME_ARGUMENT: Word = { text: '…', dynamic: true };
