// Command lines: each command declares one option table; node:util parseArgs parses it
// strictly (an unknown option, a missing value or a value out of `choices` is a UsageError,
// exit status 2) and the same table renders the command's --help.
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  readonly code = 'usage';
}

export type OptionSpec = {
  type: 'string' | 'boolean';
  /** One-letter form (`-m`). */
  short?: string;
  /** Repeatable: every value is kept, in order. */
  multiple?: boolean;
  /** The value's placeholder in --help (MODEL, DIR). */
  value?: string;
  /** Allowed values; anything else is a usage error naming them. */
  choices?: readonly string[];
  /** Other long names for the same option (`experimental-json` for `json`). */
  aliases?: readonly string[];
  /** The --help line(s). */
  help: string;
};

export type CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> = {
  /** `exec`, `task submit`: how messages and --help name the command. */
  name: string;
  usage: readonly string[];
  /** The paragraph after the usage lines. */
  description?: string;
  options: O;
  /** Text after the options. */
  footer?: string;
};

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['multiple'] extends true
    ? string[]
    : string;

export type Parsed<O extends Record<string, OptionSpec>> = {
  values: { [K in keyof O]?: ValueOf<O[K]> };
  positionals: string[];
  /** --help (or -h) was given: print helpText(spec) and do nothing else. */
  help: boolean;
};

/** Options several commands share, written once. */
export const COMMON_OPTIONS = {
  config: {
    type: 'string',
    short: 'c',
    value: 'KEY=VALUE',
    multiple: true,
    help: 'override a config.toml key; VALUE is TOML',
  },
  cd: {
    type: 'string',
    short: 'C',
    value: 'DIR',
    help: 'work in DIR instead of the current directory',
  },
  authTokenFile: { type: 'string', value: 'FILE', help: 'bearer token for --remote' },
} as const satisfies Record<string, OptionSpec>;

/** A `-s, --sandbox MODE` style option whose values are `choices`. */
export function choiceOption(short: string, choices: readonly string[]) {
  return { type: 'string', short, value: 'MODE', choices, help: choices.join(' | ') } as const;
}

/** The column option help starts in. */
const HELP_COLUMN = 33;

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help' };

/** Declares a command (an identity function that keeps the option table's types). */
export function command<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
): CommandSpec<O> {
  return spec;
}

export function parseCommand<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): Parsed<O> {
  const all: Record<string, OptionSpec> = { ...spec.options, help: HELP_OPTION };
  const args = canonical(all, argv, spec.name);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(all).map(([name, o]) => [
          name,
          {
            type: o.type,
            ...(o.short ? { short: o.short } : {}),
            ...(o.multiple ? { multiple: true } : {}),
          },
        ]),
      ),
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw usageFrom(err, all, spec.name);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  for (const [name, option] of Object.entries(all)) {
    const given = values[name];
    if (!option.choices || given === undefined) continue;
    for (const value of Array.isArray(given) ? given : [String(given)]) {
      if (!option.choices.includes(value))
        throw new UsageError(
          `--${name} must be one of ${option.choices.join(', ')}, not "${value}"`,
        );
    }
  }
  const { help, ...rest } = values;
  return {
    values: rest as Parsed<O>['values'],
    positionals: parsed.positionals,
    help: help === true,
  };
}

/**
 * Aliases become their option's name; `-model` (one dash before a long name) is refused
 * rather than read as `-m odel`.
 */
function canonical(options: Record<string, OptionSpec>, argv: readonly string[], name: string) {
  const alias = new Map<string, string>();
  for (const [long, option] of Object.entries(options))
    for (const other of option.aliases ?? []) alias.set(other, long);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const long = /^--([^=]+)(=.*)?$/.exec(arg);
    if (long && alias.has(long[1]!)) {
      out.push(`--${alias.get(long[1]!)}${long[2] ?? ''}`);
      continue;
    }
    const single = /^-([^-=][^=]+)(=.*)?$/.exec(arg);
    if (single && (single[1]! in options || alias.has(single[1]!)))
      throw new UsageError(
        `unknown option ${arg.split('=')[0]}; did you mean -${arg.split('=')[0]}? ` +
          `(see \`${invocation(name)} --help\`)`,
      );
    out.push(arg);
  }
  return out;
}

function usageFrom(err: unknown, options: Record<string, OptionSpec>, name: string): Error {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const flag = /'([^']+)'/.exec(message)?.[1] ?? '';
  const see = `see \`${invocation(name)} --help\``;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const bare = flag.replace(/^-+/, '');
    const near = Object.entries(options).find(
      ([long, o]) => o.short === bare || (bare.length > 1 && long.startsWith(bare)),
    );
    const hint = near ? `; did you mean --${near[0]}?` : '';
    return new UsageError(`unknown option ${flag} for ${invocation(name)}${hint} (${see})`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const long = /--([\w-]+)/.exec(message)?.[1] ?? flag;
    const option = options[long];
    if (option?.type === 'boolean') return new UsageError(`--${long} takes no value`);
    const value = option?.value ?? 'VALUE';
    return new UsageError(
      `--${long} needs a value (${value}); one that starts with "-" is written --${long}=${value}`,
    );
  }
  return new UsageError(`${message.split('\n')[0]} (${see})`);
}

/** `yoke exec`; the terminal UI's spec has the empty name: `yoke`. */
function invocation(name: string): string {
  return name ? `yoke ${name}` : 'yoke';
}

/** The command's --help, from its table. */
export function helpText(spec: CommandSpec): string {
  const all: [string, OptionSpec][] = [...Object.entries(spec.options), ['help', HELP_OPTION]];
  const left = all.map(([long, o]) => {
    const short = o.short ? `-${o.short}, ` : '    ';
    const value = o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : '';
    return `  ${short}--${long}${value}`;
  });
  // Help starts in one column; an option too long for it has its help on the next line.
  const width = Math.min(HELP_COLUMN, Math.max(...left.map((l) => l.length)) + 2);
  const rows = all.map(([, o], i) => {
    const lines = o.help.split('\n');
    if (o.multiple) lines[lines.length - 1] += ' (repeatable)';
    const head = left[i]!;
    const indent = ' '.repeat(width);
    if (head.length + 2 > width) return [head, ...lines.map((l) => indent + l)].join('\n');
    return [head.padEnd(width) + lines[0], ...lines.slice(1).map((l) => indent + l)].join('\n');
  });
  const [first, ...more] = spec.usage;
  const usage = [`Usage: ${first}`, ...more.map((u) => `       ${u}`)].join('\n');
  const parts = [usage];
  if (spec.description) parts.push(spec.description);
  parts.push(`Options:\n${rows.join('\n')}`);
  if (spec.footer) parts.push(spec.footer);
  return `${parts.join('\n\n')}\n`;
}

/** A positive whole number option (`--concurrency 4`), or undefined when absent. */
export function countOption(
  raw: string | undefined,
  name: string,
  min: number,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} needs a whole number ≥ ${min}, not "${raw}"`);
  return n;
}

/** A ws:// URL option (`--listen`, `--remote`). */
export function wsUrlOption(value: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${name} expects ws://HOST:PORT, got "${value}"`);
  }
  if (url.protocol !== 'ws:') throw new UsageError(`--${name} expects a ws:// URL, got "${value}"`);
  return url;
}
