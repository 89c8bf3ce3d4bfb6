// Commands that only read, which the `untrusted` approval mode runs without asking. A script is
// known safe when every simple command in it is: a listed program with only listed options
// (known-safe-options.ts), no word computed at run time, no environment assignment that could
// change what runs, nothing redirected into a file. A shell counts only with a visible script;
// anything that runs something else (exec-runs.ts) never counts.
import { isHarmlessVariable } from './code-env.ts';
import {
  FIND_PRIMARIES,
  GIT_OPTIONS,
  SAFE_PROGRAMS,
  type OptionList,
} from './known-safe-options.ts';
import { shellRunOf } from './shell-invocation.ts';
import { literalCommand, parseShellScript, type SimpleCommand } from './shell-parse.ts';

const MAX_DEPTH = 4;
const UNIQ = SAFE_PROGRAMS.uniq!;
/** Shell options that change nothing about what runs. */
const SHELL_OPTIONS = /^(-[cleuxv]+|--|--login|--noprofile|--norc|-o|pipefail|errexit|nounset)$/;

/** A command that cannot change anything: read-only programs with plain arguments. */
export function isKnownSafe(argv: readonly string[]): boolean {
  return commandSafe(literalCommand(argv), 0);
}

function commandSafe(command: SimpleCommand, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  if (!command.assignments.every((a) => isHarmlessVariable(a.name) && !a.value.dynamic))
    return false;
  if (!redirectsSafe(command)) return false;
  const words = command.words;
  if (words.length === 0 || words.some((w) => w.dynamic)) return false;
  const shell = shellRunOf(command);
  if (shell) {
    if (shell.kind !== 'script' || shell.script.dynamic) return false;
    const at = words.indexOf(shell.script);
    const options = words.slice(1, at < 0 ? undefined : at);
    if (!options.every((w) => SHELL_OPTIONS.test(w.text))) return false;
    return scriptSafe(shell.script.text, depth + 1);
  }
  return programSafe(words.map((w) => w.text));
}

function scriptSafe(script: string, depth: number): boolean {
  const parsed = parseShellScript(script);
  if (!parsed.ok || parsed.commands.length === 0) return false;
  return parsed.commands.every((c) => commandSafe(c, depth));
}

/** Reading redirections and fd duplication are fine; writing into a file is not. */
function redirectsSafe(command: SimpleCommand): boolean {
  return command.redirects.every(({ op, target }) => {
    if (op === '<' || op === '<<' || op === '<<-' || op === '<<<') return true;
    if (!target || target.dynamic) return false;
    if (op === '>&' || op === '<&') return /^(\d+|-)$/.test(target.text);
    return target.text === '/dev/null';
  });
}

function programSafe(words: readonly string[]): boolean {
  const [program, ...rest] = words;
  switch (program) {
    case undefined:
      return false;
    case 'git':
      return gitSafe(rest);
    case 'find':
      return findSafe(rest);
    case 'sed':
      // Only printing line ranges: a sed script can also write (w) or execute (e).
      return rest.length >= 2 && rest[0] === '-n' && /^[0-9,$]*p$/.test(rest[1]!);
    case 'uniq':
      // `uniq IN OUT` writes OUT.
      return optionsSafe(rest, UNIQ) && operands(rest, UNIQ) <= 1;
  }
  if (!Object.hasOwn(SAFE_PROGRAMS, program)) return false;
  const options = SAFE_PROGRAMS[program];
  return !options || optionsSafe(rest, options);
}

function gitSafe(args: readonly string[]): boolean {
  // Global options (-C, -c, --git-dir…) change the repository or run programs: only these two.
  const start = args.findIndex((a) => a !== '--no-pager' && a !== '-P');
  const sub = args[start];
  if (sub === undefined || !Object.hasOwn(GIT_OPTIONS, sub)) return false;
  const options = GIT_OPTIONS[sub];
  const rest = args.slice(start + 1);
  if (!options) return true;
  // `git branch NAME` creates a branch: listing only.
  if (sub === 'branch' && operands(rest, options) > 0 && !rest.includes('--list')) return false;
  return optionsSafe(rest, options);
}

function findSafe(args: readonly string[]): boolean {
  let i = 0;
  while (i < args.length && /^-[HLP]$|^-O\d$/.test(args[i]!)) i++;
  while (i < args.length && !args[i]!.startsWith('-') && !'!(),'.includes(args[i]!)) i++;
  for (; i < args.length; i++) {
    const arity = FIND_PRIMARIES[args[i]!];
    if (arity === undefined) return false;
    i += arity;
  }
  return true;
}

/** Every option of `args` (up to `--`) is on the list. */
function optionsSafe(args: readonly string[], list: OptionList): boolean {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return true;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (!list.long?.includes(name)) return false;
      if (eq < 0 && list.longWithValue?.includes(name)) i++;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d+$/.test(arg)) continue;
    const used = shortGroup(arg, list);
    if (used === null) return false;
    i += used;
  }
  return true;
}

/** How many following words a short option group uses (0 or 1), or null if one is not listed. */
function shortGroup(arg: string, list: OptionList): number | null {
  for (let j = 1; j < arg.length; j++) {
    const c = arg[j]!;
    if (list.flags?.includes(c)) continue;
    if (list.attached?.includes(c)) return 0;
    if (list.withValue?.includes(c)) return j + 1 < arg.length ? 0 : 1;
    return null;
  }
  return 0;
}

/** The operands (non-option words) of `args`. */
function operands(args: readonly string[], list: OptionList): number {
  let count = 0;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return count + args.length - i - 1;
    if (!arg.startsWith('-') || arg === '-') count++;
    else if (arg.startsWith('--')) {
      if (!arg.includes('=') && list.longWithValue?.includes(arg.slice(2))) i++;
    } else i += shortGroup(arg, list) ?? 0;
  }
  return count;
}
