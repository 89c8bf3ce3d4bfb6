// Commands that run another command: `env FOO=1 git push`, `timeout 60 git push`, `sudo …`.
// The exec policy looks through them, so that a forbidden command cannot be laundered by a
// wrapper. Only a known set, with their options; anything unclear returns null (the wrapper
// is then judged on its own).
import { baseName, type Assignment, type Word } from './shell-parse.ts';

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
  time: { withArg: ['-o', '--output', '-f', '--format'] },
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
  chroot: { withArg: ['--userspec', '--groups'], positional: 1 },
  busybox: {},
  toybox: {},
  sudo: {
    withArg: ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '--user', '--group', '--chdir'],
  },
  doas: { withArg: ['-u', '-C'] },
  unshare: { withArg: ['-S', '-G', '-R', '-w', '--setuid', '--setgid', '--root', '--wd'] },
  nsenter: { withArg: ['-t', '-S', '-G', '--target', '--setuid', '--setgid'] },
  strace: {
    withArg: ['-o', '-e', '-p', '-s', '-u', '-a', '-b', '-E', '-I', '-O', '-P', '-S', '-X'],
  },
  ltrace: {
    withArg: ['-o', '-e', '-p', '-s', '-u', '-a', '-n', '-A', '-D', '-E', '-F', '-l', '-x'],
  },
};

export type Unwrapped = { words: Word[]; assignments: Assignment[] };

/** The command a wrapper runs, or null when `words` is not a (recognizable) wrapper. */
export function unwrapCommand(words: readonly Word[]): Unwrapped | null {
  const program = words[0];
  if (!program || program.dynamic) return null;
  const name = baseName(program.text);
  const spec = WRAPPERS[name];
  if (!spec) return null;
  let rest = words.slice(1);
  const assignments: Assignment[] = [];
  let positional = spec.positional ?? 0;
  while (rest.length > 0) {
    const word = rest[0]!;
    // A computed word could be an option or the command: the wrapped command is unknown.
    if (word.dynamic) return null;
    const arg = word.text;
    if (arg === '--') {
      rest = rest.slice(1);
      break;
    }
    if (spec.noCommand?.includes(arg)) return null;
    const split = name === 'env' ? /^(?:-S|--split-string)(=?)(.*)$/s.exec(arg) : null;
    if (split) {
      // env -S 'FOO=1 git push': the string is split into the next words, then read on.
      const inline = split[1] === '=' || split[2] !== '';
      const value = inline ? { text: split[2]!, dynamic: false } : rest[1];
      if (!value || value.dynamic) return null;
      const parts = value.text.split(/\s+/).filter(Boolean);
      rest = [...parts.map((text) => ({ text, dynamic: false })), ...rest.slice(inline ? 1 : 2)];
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // `--user=x` carries its value; `-u x` takes the next word.
      const takes = !arg.includes('=') && spec.withArg?.includes(arg);
      rest = rest.slice(takes ? 2 : 1);
      continue;
    }
    const assignment = spec.assignments ? /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(arg) : null;
    if (assignment) {
      assignments.push({ name: assignment[1]!, value: { text: assignment[2]!, dynamic: false } });
      rest = rest.slice(1);
      continue;
    }
    if (positional > 0) {
      positional--;
      rest = rest.slice(1);
      continue;
    }
    break;
  }
  if (rest.length === 0 && assignments.length === 0) return null;
  return { words: rest, assignments };
}
