// Interpreters given their code inline (`python3 -c`, `node -e`, `perl -e`, an awk program that
// calls system(), a sed script with `e`) or on standard input: code in another language, which
// the exec policy cannot see through. A script file is the program's own business, as it is for
// any program. See exec-runs.ts.
import { opaque, type Run } from './exec-run.ts';
import { hasFlag, optionValues } from './option-values.ts';
import { standardInput } from './shell-invocation.ts';
import type { Redirect, Word } from './shell-parse.ts';

type Interpreter = {
  /** Short flags (grouped or alone) that introduce inline code. */
  inline: string;
  /** Long options that introduce inline code. */
  inlineLong?: readonly string[];
  /** Options that take the next word as their value. */
  withArg?: readonly string[];
  /** Flags after which the rest is the program's arguments (`python -m mod`). */
  stop?: readonly string[];
  /** With no script operand, the code comes from standard input. */
  stdin: boolean;
};

const INTERPRETERS: [RegExp, Interpreter][] = [
  [
    /^(python|pypy)[0-9.]*$/,
    { inline: 'c', withArg: ['-W', '-X', '-Q'], stop: ['-m'], stdin: true },
  ],
  [
    /^(node|nodejs)$/,
    {
      inline: 'ep',
      inlineLong: ['eval', 'print'],
      withArg: [
        '-r',
        '--require',
        '--import',
        '--loader',
        '--experimental-loader',
        '-C',
        '--conditions',
        '--input-type',
        '--env-file',
        '--title',
      ],
      stdin: true,
    },
  ],
  [/^(deno|bun)$/, { inline: 'e', inlineLong: ['eval', 'print'], stdin: false }],
  [/^perl[0-9.]*$/, { inline: 'eE', withArg: ['-I', '-M', '-m'], stdin: true }],
  [/^ruby[0-9.]*$/, { inline: 'e', withArg: ['-I', '-r', '-C', '-E'], stdin: true }],
  [/^php[0-9.]*$/, { inline: 'rBRFE', withArg: ['-c', '-d', '-z'], stdin: true }],
  [/^(lua|luajit)[0-9.]*$/, { inline: 'e', withArg: ['-l'], stdin: true }],
  [/^(Rscript|R)$/, { inline: 'e', stdin: false }],
  [/^(tclsh|wish|osascript|jshell|guile|sbcl|irb|ghci)[0-9.]*$/, { inline: 'ec', stdin: true }],
  [
    /^(vim|vi|nvim|ex|view|vimdiff|emacs)$/,
    { inline: 'cS', inlineLong: ['cmd', 'eval', 'load'], stdin: false },
  ],
];

/** What an interpreter (or awk, sed) runs that cannot be seen. */
export function interpreterRuns(name: string, args: Word[], redirects: readonly Redirect[]): Run[] {
  if (/^([gmn]?awk|busybox-awk)$/.test(name)) return awkRuns(args);
  if (/^g?sed$/.test(name)) return sedRuns(args);
  const spec = INTERPRETERS.find(([pattern]) => pattern.test(name))?.[1];
  if (!spec) return [];
  if (name.startsWith('vi') || name === 'nvim' || name === 'ex' || name === 'emacs') {
    if (args.some((a) => a.text.startsWith('+') || a.dynamic))
      return [opaque(`${name} runs editor commands`)];
  }
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a.dynamic) return [opaque(`an option of ${name} is only known at run time`)];
    if (a.text === '--' || a.text === '-' || !a.text.startsWith('-')) break;
    if (spec.stop?.includes(a.text)) return [];
    if (spec.withArg?.includes(a.text)) {
      i++;
      continue;
    }
    const long = a.text.startsWith('--') ? a.text.slice(2).split('=')[0]! : null;
    if (
      long !== null
        ? spec.inlineLong?.includes(long)
        : [...a.text.slice(1)].some((c) => spec.inline.includes(c))
    )
      return [opaque(`${name} runs code given on its command line`)];
  }
  const operand = args[i]?.text === '--' ? args[i + 1] : args[i];
  if (!spec.stdin || (operand && operand.text !== '-')) return [];
  const input = standardInput(redirects);
  return [
    opaque(
      input.kind === 'script'
        ? `${name} runs code from a here-document`
        : `${name} reads its code from standard input`,
    ),
  ];
}

/** awk: a program that calls system(), pipes to or from a command, or loads an extension. */
function awkRuns(args: Word[]): Run[] {
  if (hasFlag(args, 'l', ['load'])) return [opaque('awk loads an extension')];
  const programs = optionValues(args, { short: 'e', long: ['source'] });
  if (!hasFlag(args, 'f', ['file'])) {
    const withArg = /^(-[Fvfile]|--(field-separator|assign|file|include|load|source))$/;
    let i = 0;
    while (i < args.length && args[i]!.text.startsWith('-') && args[i]!.text !== '--')
      i += withArg.test(args[i]!.text) ? 2 : 1;
    if (args[i]?.text === '--') i++;
    if (args[i]) programs.push(args[i]!);
  }
  return programs.some((p) => p.dynamic || /system\s*\(|\||\bgetline\b/.test(p.text))
    ? [opaque('the awk program runs commands')]
    : [];
}

/** sed: a script with the `e` command or the `e` flag of `s` (GNU sed runs a command). */
function sedRuns(args: Word[]): Run[] {
  const scripts = optionValues(args, { short: 'e', long: ['expression'] });
  if (scripts.length === 0 && !hasFlag(args, 'f', ['file'])) {
    const first = args.find((a) => !a.text.startsWith('-') || a.dynamic);
    if (first) scripts.push(first);
  }
  const executes = (s: string) =>
    /(^|[;\n{}]|[\d$/]\s*)\s*e(\s|;|$)/.test(s) ||
    /s(.)(?:\\.|(?!\1).)*\1(?:\\.|(?!\1).)*\1[gpiImM0-9]*e/.test(s);
  return scripts.some((s) => s.dynamic || executes(s.text))
    ? [opaque('the sed script runs commands')]
    : [];
}
