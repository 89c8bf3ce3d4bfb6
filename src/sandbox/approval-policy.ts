// When to ask the user before acting: a pure function of the approval mode and the request.
// (Exec-policy rules and sandbox-aware modes extend this with the sandbox issue.)
import type { AskForApproval } from '../protocol/thread.ts';

export type ActionKind = 'command' | 'fileChange';

/** Commands that only read, which `untrusted` runs without asking. */
const SAFE_COMMANDS = new Set([
  'ls',
  'cat',
  'pwd',
  'echo',
  'head',
  'tail',
  'wc',
  'grep',
  'rg',
  'true',
  'false',
  'which',
  'file',
  'stat',
  'du',
  'df',
  'tree',
  'nl',
  'sort',
  'uniq',
  'cut',
  'tr',
  'diff',
  'cmp',
]);
const SAFE_GIT = new Set([
  'status',
  'diff',
  'log',
  'show',
  'branch',
  'rev-parse',
  'ls-files',
  'blame',
]);
const SHELL_SYNTAX = /[;&|<>`$(){}\n\\]/;

/** True when the action needs a human's yes under `mode`. */
export function needsApproval(
  mode: AskForApproval,
  kind: ActionKind,
  argv: readonly string[] = [],
): boolean {
  if (mode !== 'untrusted') return false;
  if (kind === 'fileChange') return true;
  return !isKnownSafe(argv);
}

/** A command that cannot change anything: a safe program with plain arguments. */
export function isKnownSafe(argv: readonly string[]): boolean {
  let words = argv;
  if (words[0] === 'bash' && words[1] === '-c' && words.length === 3) {
    const script = words[2]!;
    if (SHELL_SYNTAX.test(script)) return false;
    words = script.trim().split(/\s+/);
  }
  const [program, ...rest] = words;
  if (!program) return false;
  if (program === 'git')
    return SAFE_GIT.has(rest[0] ?? '') && !rest.some((a) => a.startsWith('--output'));
  if (program === 'find') return !rest.some((a) => /^-(exec|execdir|delete|ok|fprint)/.test(a));
  if (program === 'sed') return rest[0] === '-n' && !rest.some((a) => a.startsWith('-i'));
  return SAFE_COMMANDS.has(program);
}
