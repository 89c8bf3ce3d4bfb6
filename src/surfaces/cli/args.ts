// A small, strict argv parser: flags may come before or after positionals, `--flag=value`
// works, repeated flags collect, unknown flags are an error naming the flag.

export type FlagSpec = {
  /** Long name without dashes; aliases share the spec. */
  names: string[];
  /** Takes a value (string) or is a switch (boolean). */
  value: boolean;
  repeat?: boolean;
};

export type Parsed = {
  flags: Map<string, string[] | true>;
  positionals: string[];
};

export class UsageError extends Error {
  readonly code = 'usage';
}

export function parseArgs(argv: string[], specs: FlagSpec[]): Parsed {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) for (const name of spec.names) byName.set(name, spec);
  const flags = new Map<string, string[] | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg
      .replace(/^--?/, '')
      .slice(0, eq > 0 ? eq - (arg.startsWith('--') ? 2 : 1) : undefined);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option ${arg.slice(0, eq > 0 ? eq : undefined)}`);
    const key = spec.names[0]!;
    if (!spec.value) {
      if (eq > 0) throw new UsageError(`option --${key} takes no value`);
      flags.set(key, true);
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`option ${arg} needs a value`);
    }
    const prev = flags.get(key);
    if (spec.repeat && Array.isArray(prev)) prev.push(value);
    else flags.set(key, [value]);
  }
  return { flags, positionals };
}

export function flagValue(parsed: Parsed, name: string): string | undefined {
  const v = parsed.flags.get(name);
  return Array.isArray(v) ? v.at(-1) : undefined;
}

export function flagValues(parsed: Parsed, name: string): string[] {
  const v = parsed.flags.get(name);
  return Array.isArray(v) ? v : [];
}

export function flagSet(parsed: Parsed, name: string): boolean {
  return parsed.flags.get(name) === true;
}
