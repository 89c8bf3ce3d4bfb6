// What a shell invocation (`bash -c SCRIPT`, `sh -s`, `bash FILE`, `bash <<EOF`) runs, read the
// way the shell reads its own arguments: options first (in any order, `-o NAME` and `-O NAME`
// taking a word, `--` ending them), then the script (with -c), a script file, or standard input.
import { baseName, type Redirect, type SimpleCommand, type Word } from './shell-parse.ts';

export const SHELLS = new Set([
  'bash',
  'sh',
  'zsh',
  'dash',
  'ksh',
  'mksh',
  'ash',
  'yash',
  'posh',
  'fish',
  'csh',
  'tcsh',
]);

/** Long options that change nothing about what runs. */
const PLAIN_LONG = new Set([
  '--login',
  '--noprofile',
  '--norc',
  '--posix',
  '--noediting',
  '--verbose',
  '--restricted',
  '--debug',
  '--debugger',
  '--dump-strings',
  '--dump-po-strings',
  '--pretty-print',
  '--help',
  '--version',
  '--no-config',
  '--private',
]);

export type ShellRun =
  /** The script text (from -c, a here-document or a here-string). */
  | { kind: 'script'; script: Word }
  /** A script file: what it holds is not seen here, like any program's own code. */
  | { kind: 'file'; file: Word }
  /** Commands that cannot be seen: read from a pipe, from a stream, or through options. */
  | { kind: 'opaque'; why: string }
  | { kind: 'nothing' };

/** What `command` runs as a shell, or null when it is not a shell. */
export function shellRunOf(command: SimpleCommand): ShellRun | null {
  const words = command.words;
  const program = words[0];
  if (!program || program.dynamic || !SHELLS.has(baseName(program.text))) return null;
  let withC = false;
  let fromStdin = false;
  let i = 1;
  for (; i < words.length; i++) {
    const word = words[i]!;
    if (word.dynamic) return { kind: 'opaque', why: 'a shell option is only known at run time' };
    const arg = word.text;
    if (arg === '--' || arg === '-') {
      i++;
      break;
    }
    if (arg.startsWith('--')) {
      if (PLAIN_LONG.has(arg)) continue;
      return { kind: 'opaque', why: `the shell option ${arg} may load code` };
    }
    if (!/^[-+][a-zA-Z]+$/.test(arg)) break;
    for (const letter of arg.slice(1)) {
      if (letter === 'c' && arg[0] === '-') withC = true;
      if (letter === 's' && arg[0] === '-') fromStdin = true;
      // -o NAME / -O NAME (+o, +O): the name is the next word.
      if (letter === 'o' || letter === 'O') i++;
    }
  }
  const operand = words[i];
  if (withC) return operand ? { kind: 'script', script: operand } : { kind: 'nothing' };
  if (operand && !fromStdin) return scriptFile(operand);
  return standardInput(command.redirects);
}

/** A script file named on the command line (`bash FILE`, `source FILE`). */
export function scriptFile(file: Word): ShellRun {
  if (file.dynamic) return { kind: 'opaque', why: 'the script file is only known at run time' };
  if (isStream(file.text)) return { kind: 'opaque', why: `the script comes from ${file.text}` };
  return { kind: 'file', file };
}

/** The script a shell reads from its standard input. */
export function standardInput(redirects: readonly Redirect[]): ShellRun {
  const stdin = redirects.filter(
    (r) => (r.fd === null || r.fd === 0) && ['<', '<<', '<<-', '<<<', '<>', '<&'].includes(r.op),
  );
  const last = stdin.at(-1);
  if (!last) return { kind: 'opaque', why: 'the shell reads its commands from standard input' };
  if (last.op === '<<' || last.op === '<<-') {
    if (!last.target || last.target.dynamic)
      return { kind: 'opaque', why: 'the here-document is only known at run time' };
    return { kind: 'script', script: last.target };
  }
  if (last.op === '<<<') {
    if (!last.target || last.target.dynamic)
      return { kind: 'opaque', why: 'the here-string is only known at run time' };
    return { kind: 'script', script: { text: `${last.target.text}\n`, dynamic: false } };
  }
  if (last.op === '<&') return { kind: 'opaque', why: 'the shell reads commands from another fd' };
  return scriptFile(last.target ?? { text: '', dynamic: true });
}

/** Paths whose content is a stream: what a script reads there cannot be seen ahead. */
export function isStream(path: string): boolean {
  return /^\/dev\/(stdin|fd\/|tcp\/|udp\/)|^\/proc\/[^/]+\/fd\/|^\/dev\/(pts|tty)/.test(path);
}
