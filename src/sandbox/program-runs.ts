// Programs and shell builtins that run code named in their arguments: eval, source, alias,
// trap, export (of a code-carrying variable), xargs, find -exec, and options that name a
// program or command line (sort --compress-program, tar --to-command, rsync -e, rg --pre,
// ssh -o ProxyCommand, watch, flock -c, su -c…). See exec-runs.ts.
import { variableKind } from './code-env.ts';
import {
  assignmentRuns,
  commandRun,
  opaque,
  RUNTIME_ARGUMENT,
  scriptRun,
  type Run,
} from './exec-run.ts';
import { hasFlag, optionValues, type OptionNames } from './option-values.ts';
import { scriptFile } from './shell-invocation.ts';
import type { Word } from './shell-parse.ts';

type Handler = (args: Word[]) => Run[];

/** Options whose value is a command line (run through a shell). */
const SCRIPT_OPTIONS: Record<string, OptionNames> = {
  tar: { long: ['to-command', 'rsh-command', 'use-compress-program'], short: 'I' },
  rsync: { long: ['rsh'], short: 'e' },
  script: { long: ['command'], short: 'c' },
  su: { long: ['command', 'session-command'], short: 'c' },
  runuser: { long: ['command', 'session-command'], short: 'c' },
  flock: { long: ['command'], short: 'c', abbreviations: false },
};

const HANDLERS: Record<string, Handler> = {
  eval: (args) => (args.length === 0 ? [] : [scriptRun(joined(args), 'the text eval runs')]),
  source: (args) => sourced(args),
  '.': (args) => sourced(args),
  alias: (args) =>
    args.flatMap((a) => {
      const eq = a.text.indexOf('=');
      if (a.dynamic && eq < 0) return [opaque('an alias is only known at run time')];
      return eq < 0
        ? []
        : [scriptRun({ text: a.text.slice(eq + 1), dynamic: a.dynamic }, 'an alias')];
    }),
  trap: (args) => {
    const rest = args[0]?.text === '--' ? args.slice(1) : args;
    if (rest.length < 2 || rest[0]!.text.startsWith('-')) return [];
    return [scriptRun(rest[0]!, 'the trap action')];
  },
  export: declared,
  declare: declared,
  typeset: declared,
  local: declared,
  readonly: declared,
  read: (args) => filledAtRunTime(readNames(args)),
  printf: (args) => filledAtRunTime(optionValues(args.slice(0, 2), { short: 'v' })),
  xargs,
  find,
  sort: (args) =>
    optionValues(args, { long: ['compress-program'] }).map((program) =>
      program.dynamic
        ? opaque('the compress program is only known at run time')
        : commandRun([program]),
    ),
  rg: (args) =>
    optionValues(args, { long: ['pre'], abbreviations: false }).map((program) =>
      program.dynamic
        ? opaque('the --pre program is only known at run time')
        : commandRun([program, RUNTIME_ARGUMENT]),
    ),
  ssh: (args) => [
    ...optionValues(args, { short: 'o' }).flatMap((o) => {
      const m = /^(ProxyCommand|LocalCommand|KnownHostsCommand)[= ]\s*(.*)$/is.exec(o.text);
      if (o.dynamic) return [opaque('an ssh option is only known at run time')];
      return m ? [scriptRun({ text: m[2]!, dynamic: false }, 'the ssh command')] : [];
    }),
    ...optionValues(args, { short: 'F' }).map(() => opaque('ssh -F loads a configuration')),
  ],
  watch: (args) => {
    const command = operandsAfter(args, ['-n', '--interval', '-q', '--equexit']);
    if (command.length === 0) return [];
    if (hasFlag(args.slice(0, args.length - command.length), 'x', ['exec']))
      return [commandRun(command)];
    return [scriptRun(joined(command), 'the command watch runs')];
  },
  parallel: () => [opaque('parallel builds its commands at run time')],
};

/** What `name args` runs, for the programs above. */
export function programRuns(name: string, args: Word[]): Run[] {
  const runs = HANDLERS[name]?.(args) ?? [];
  const scripts = SCRIPT_OPTIONS[name];
  if (scripts)
    runs.push(
      ...optionValues(args, scripts).map((v) => scriptRun(v, `the command in ${name}'s option`)),
    );
  if (name === 'tar') runs.push(...tarRuns(args));
  if (name === 'flock' && !hasFlag(args, 'c', ['command'])) {
    // flock [options] FILE COMMAND ARGS…
    const command = operandsAfter(args, ['-w', '--timeout', '-E', '--conflict-exit-code']).slice(1);
    if (command.length > 0) runs.push(commandRun(command));
  }
  if (name === 'runuser' || name === 'su') {
    const dash = args.findIndex((a) => a.text === '--');
    if (dash >= 0 && args[dash + 1]) runs.push(commandRun(args.slice(dash + 1)));
  }
  return runs;
}

function tarRuns(args: Word[]): Run[] {
  const runs: Run[] = [];
  for (const a of args) {
    if (/^--checkpoint-action=exec=/.test(a.text))
      runs.push(
        scriptRun(
          { text: a.text.replace(/^[^=]*=exec=/, ''), dynamic: a.dynamic },
          'the checkpoint action',
        ),
      );
    if (/^--(info-script|new-volume-script)/.test(a.text) || /^-[A-Za-z]*F/.test(a.text))
      runs.push(opaque('tar runs a volume script'));
  }
  // Old style: `tar xIf zstd a.tar` bundles the letters in the first word.
  const first = args[0];
  if (first && !first.text.startsWith('-') && /[IF]/.test(first.text))
    runs.push(opaque('tar runs a program named in its bundled options'));
  return runs;
}

function joined(words: readonly Word[]): Word {
  return { text: words.map((w) => w.text).join(' '), dynamic: words.some((w) => w.dynamic) };
}

function sourced(args: Word[]): Run[] {
  const file = args[0];
  if (!file) return [];
  const run = scriptFile(file);
  return run.kind === 'opaque' ? [opaque(run.why)] : [];
}

/** export/declare/local…: assignments in the arguments, or exporting a code-carrying name. */
function declared(args: Word[]): Run[] {
  return args.flatMap((a): Run[] => {
    if (a.dynamic && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(a.text))
      return [opaque('a declaration is only known at run time')];
    if (/^[-+]/.test(a.text)) return [];
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\+?=(.*))?$/s.exec(a.text);
    if (!m) return [];
    if (m[2] === undefined)
      return variableKind(m[1]!) ? [opaque(`${m[1]} is set elsewhere and exported here`)] : [];
    return assignmentRuns({ name: m[1]!, value: { text: m[2], dynamic: a.dynamic } });
  });
}

/** `read NAME…`: variables filled from input at run time. */
function readNames(args: Word[]): Word[] {
  const names: Word[] = [];
  for (let i = 0; i < args.length; i++) {
    const text = args[i]!.text;
    if (!text.startsWith('-')) names.push(args[i]!);
    // -a -d -i -n -N -p -t -u take a value (in the word or the next one).
    else if (/^-[ers]*[adinNptu]$/.test(text)) i++;
  }
  return names;
}

function filledAtRunTime(names: Word[]): Run[] {
  return names.some((n) => n.dynamic || variableKind(n.text))
    ? [opaque('a code-carrying variable is filled at run time')]
    : [];
}

/** xargs [options] [command [initial-arguments]]: the command, with arguments from its input. */
function xargs(args: Word[]): Run[] {
  const withArg =
    /^-[adEILnPs]$|^--(arg-file|delimiter|eof|max-args|max-lines|max-procs|max-chars|process-slot-var)$/;
  let replace: string | null = null;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a.dynamic) return [opaque('an xargs option is only known at run time')];
    if (a.text === '--') {
      i++;
      break;
    }
    if (!a.text.startsWith('-')) break;
    if (a.text === '-I') replace = args[i + 1]?.text ?? '{}';
    else if (/^-I./.test(a.text)) replace = a.text.slice(2);
    else if (/^-i/.test(a.text)) replace = a.text.slice(2) || '{}';
    else if (/^--replace/.test(a.text)) replace = a.text.split('=')[1] ?? '{}';
    if (withArg.test(a.text)) i++;
  }
  const command = args.slice(i);
  if (command.length === 0) return [];
  if (replace !== null) {
    const r = replace;
    return [commandRun(command.map((w) => (w.text.includes(r) ? RUNTIME_ARGUMENT : w)))];
  }
  return [commandRun([...command, RUNTIME_ARGUMENT])];
}

/** find … -exec COMMAND ; (also -execdir, -ok, -okdir; `{}` is a path found at run time). */
function find(args: Word[]): Run[] {
  const runs: Run[] = [];
  for (let i = 0; i < args.length; i++) {
    if (!/^-(exec|execdir|ok|okdir)$/.test(args[i]!.text)) continue;
    const command: Word[] = [];
    for (i++; i < args.length; i++) {
      const w = args[i]!;
      if (w.text === ';' || (w.text === '+' && command.at(-1)?.text === '{}')) break;
      command.push(w.text.includes('{}') || w.dynamic ? RUNTIME_ARGUMENT : w);
    }
    if (command.length > 0) runs.push(commandRun(command));
  }
  return runs;
}

/** The words after the options (`withArg` options take the next word). */
function operandsAfter(args: Word[], withArg: readonly string[]): Word[] {
  let i = 0;
  for (; i < args.length; i++) {
    const text = args[i]!.text;
    if (text === '--') return args.slice(i + 1);
    if (!text.startsWith('-') || text === '-') break;
    if (withArg.includes(text)) i++;
  }
  return args.slice(i);
}
