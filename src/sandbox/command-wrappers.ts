// Commands that run another command: `env FOO=1 git push`, `timeout 60 git push`, `sudo …`.
// The exec policy looks through them, so that a forbidden command cannot be laundered by a
// wrapper. Only a known set, with their options; anything unclear returns null (the wrapper
// is then judged on its own).
import { baseName, type Word } from './shell-parse.ts';

type WrapperSpec = {
  /** Options that take a separate argument (`-u NAME`). */
  withArg?: readonly string[];
  /** Words before the command that are not options (`timeout DURATION`). */
  positional?: number;
  /** env: leading NAME=value words. */
  assignments?: boolean;
  /** Options that mean "no command runs" (`command -v`). */
  noCommand?: readonly string[];
};

const WRAPPERS: Record<string, WrapperSpec> = {
  env: { withArg: ['-u', '--unset', '-C', '--chdir'], assignments: true },
  nohup: {},
  time: {},
  command: { noCommand: ['-v', '-V'] },
  builtin: {},
  exec: { withArg: ['-a'] },
  nice: { withArg: ['-n', '--adjustment'] },
  ionice: { withArg: ['-c', '-n', '-p', '-P', '-u', '--class', '--classdata'] },
  timeout: { withArg: ['-s', '--signal', '-k', '--kill-after'], positional: 1 },
  stdbuf: { withArg: ['-i', '-o', '-e', '--input', '--output', '--error'] },
  setsid: {},
  chrt: { positional: 1 },
  taskset: { positional: 1 },
  sudo: {
    withArg: ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '--user', '--group', '--chdir'],
  },
  doas: { withArg: ['-u', '-C'] },
  xargs: {
    withArg: [
      '-n',
      '-I',
      '-L',
      '-P',
      '-d',
      '-E',
      '-s',
      '-a',
      '--max-args',
      '--delimiter',
      '--arg-file',
    ],
  },
};

/** The command a wrapper runs, or null when `words` is not a (recognizable) wrapper. */
export function unwrapCommand(words: readonly Word[]): Word[] | null {
  const program = words[0];
  if (!program || program.dynamic) return null;
  const spec = WRAPPERS[baseName(program.text)];
  if (!spec) return null;
  let i = 1;
  let positional = spec.positional ?? 0;
  while (i < words.length) {
    const word = words[i]!;
    // A computed word could be an option or the command: the wrapped command is unknown.
    if (word.dynamic) return null;
    const arg = word.text;
    if (arg === '--') {
      i++;
      break;
    }
    if (spec.noCommand?.includes(arg)) return null;
    if (baseName(program.text) === 'env' && (arg === '-S' || arg === '--split-string')) {
      // env -S 'git push origin': the string is split into the command's first words.
      if (words[i + 1]?.dynamic) return null;
      const split = (words[i + 1]?.text ?? '').split(/\s+/).filter(Boolean);
      const rest = [...split.map((text) => ({ text, dynamic: false })), ...words.slice(i + 2)];
      return rest.length > 0 ? rest : null;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // `--user=x` carries its value; `-u x` takes the next word.
      if (!arg.includes('=') && spec.withArg?.includes(arg)) i++;
      i++;
      continue;
    }
    if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(arg)) {
      i++;
      continue;
    }
    if (positional > 0) {
      positional--;
      i++;
      continue;
    }
    break;
  }
  const rest = words.slice(i);
  return rest.length > 0 ? rest : null;
}
