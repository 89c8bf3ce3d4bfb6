// Finding the values of given options in a command's arguments, the way getopt reads them:
// `-xVAL`, `-x VAL`, `-abx VAL` (grouped flags), `--long=VAL`, `--long VAL`, and a long option
// abbreviated to any prefix (`--co=sh` for `--compress-program=sh`). Erring on the side of
// finding a value: the callers treat what they find as code that runs.
import type { Word } from './shell-lexer.ts';

export type OptionNames = {
  /** Short option letters that take a value. */
  short?: string;
  /** Long option names (without `--`) that take a value. */
  long?: readonly string[];
  /** Long options may be abbreviated (getopt_long, git's parse-options). Default true. */
  abbreviations?: boolean;
};

/**
 * The values of the options in `names` found in `args`, up to `--`. A computed word that could
 * be an option (`"$OPTS"`) yields a computed value: it might be one of them.
 */
export function optionValues(args: readonly Word[], names: OptionNames): Word[] {
  const values: Word[] = [];
  const longs = names.long ?? [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const text = word.text;
    if (text === '--' && !word.dynamic) break;
    if (word.dynamic && /^[-$`]/.test(text)) {
      values.push({ text, dynamic: true });
      continue;
    }
    if (text.startsWith('--')) {
      const eq = text.indexOf('=');
      const name = text.slice(2, eq < 0 ? undefined : eq);
      if (name === '') continue;
      const hit = longs.some((full) =>
        names.abbreviations === false ? full === name : full.startsWith(name),
      );
      if (!hit) continue;
      if (eq >= 0) values.push({ text: text.slice(eq + 1), dynamic: word.dynamic });
      else if (args[i + 1]) values.push(args[++i]!);
      continue;
    }
    if (!names.short || !/^-[^-]/.test(text)) continue;
    for (let j = 1; j < text.length; j++) {
      if (!names.short.includes(text[j]!)) continue;
      if (j + 1 < text.length) values.push({ text: text.slice(j + 1), dynamic: word.dynamic });
      else if (args[i + 1]) values.push(args[++i]!);
      break;
    }
  }
  return values;
}

/** True when `args` (up to `--`) hold one of these flags, grouped or alone. */
export function hasFlag(
  args: readonly Word[],
  short: string,
  long: readonly string[] = [],
): boolean {
  for (const word of args) {
    const text = word.text;
    if (text === '--') return false;
    if (text.startsWith('--')) {
      const name = text.slice(2).split('=')[0]!;
      if (name && long.some((full) => full.startsWith(name))) return true;
    } else if (/^-[^-]/.test(text) && [...text.slice(1)].some((c) => short.includes(c))) {
      return true;
    }
  }
  return false;
}
