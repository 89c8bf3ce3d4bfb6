// Commands that only read, which the `untrusted` approval mode runs without asking. A script is
// known safe when every simple command in it is, no word is computed at run time, and nothing
// is redirected into a file.
import {
  literalWords,
  parseShellScript,
  shellScriptOf,
  type SimpleCommand,
  type Word,
} from './shell-parse.ts';

const SAFE_COMMANDS = new Set([
  'ls',
  'cat',
  'pwd',
  'echo',
  'printf',
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
  'basename',
  'dirname',
  'realpath',
  'readlink',
  'whoami',
  'id',
  'uname',
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
/** git branch options that change something (everything else only lists). */
const GIT_BRANCH_WRITES =
  /^(-[dDmMcCfu]|--delete|--move|--copy|--force|--set-upstream-to|--unset-upstream|--edit-description|--track|--no-track)/;
/** Options that make an otherwise read-only program write a file. */
const WRITING_OPTIONS: Record<string, RegExp> = {
  sort: /^(-o|--output)/,
  tree: /^-o/,
  file: /^(-C|--compile)/,
  git: /^--output/,
  find: /^-(exec|execdir|delete|ok|okdir|fprint|fprint0|fprintf|fls)$/,
  sed: /^(-i|--in-place)/,
  rg: /^--pre(=|$)/,
};
const MAX_DEPTH = 4;

/** A command that cannot change anything: read-only programs with plain arguments. */
export function isKnownSafe(argv: readonly string[]): boolean {
  return wordsSafe(literalWords(argv), 0);
}

function wordsSafe(words: Word[], depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  const shell = shellScriptOf(words);
  if (shell) return !shell.script.dynamic && scriptSafe(shell.script.text, depth + 1);
  return commandSafe(words.map((w) => w.text)) && !words.some((w) => w.dynamic);
}

function scriptSafe(script: string, depth: number): boolean {
  const parsed = parseShellScript(script);
  if (!parsed.ok || parsed.commands.length === 0) return false;
  return parsed.commands.every((c) => redirectsSafe(c) && wordsSafe(c.words, depth));
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

function commandSafe(words: readonly string[]): boolean {
  const [program, ...rest] = words;
  if (!program) return false;
  const writing = WRITING_OPTIONS[program];
  if (writing && rest.some((arg) => writing.test(arg))) return false;
  switch (program) {
    case 'git': {
      const sub = rest[0] ?? '';
      if (!SAFE_GIT.has(sub)) return false;
      if (sub === 'branch')
        return rest.slice(1).every((a) => a.startsWith('-') && !GIT_BRANCH_WRITES.test(a));
      return true;
    }
    case 'find':
      return true;
    case 'sed':
      // Only printing line ranges: a sed script can also write (w) or execute (e).
      return rest[0] === '-n' && /^[0-9,$]*p$/.test(rest[1] ?? '');
    case 'uniq':
      // `uniq IN OUT` writes OUT.
      return rest.filter((a) => !a.startsWith('-')).length <= 1;
    default:
      return SAFE_COMMANDS.has(program);
  }
}
