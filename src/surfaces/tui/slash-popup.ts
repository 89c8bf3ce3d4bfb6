// The slash-command popup: while the prompt holds `/` and the start of a command name, the
// commands it could be are listed above the prompt, narrowed as more is typed; Up/Down choose,
// Tab completes the chosen one, Enter runs it. Pure functions of the prompt's text.
import { SLASH_COMMANDS } from './slash-commands.ts';
import { truncate, textWidth } from './text-layout.ts';
import type { Line } from './transcript-lines.ts';

export type SlashCommand = (typeof SLASH_COMMANDS)[number];

/**
 * The commands `text` could be the start of — names starting with what was typed, then names
 * containing it — or null when the popup has no business showing (no `/` at the start, or a
 * space: the command is chosen and its argument is being typed).
 */
export function slashMatches(text: string): SlashCommand[] | null {
  if (!text.startsWith('/') || /\s/.test(text)) return null;
  const typed = text.slice(1).toLowerCase();
  const alias = SLASH_COMMANDS.find((c) => c.name === ALIASES[typed]);
  if (alias) return [alias];
  const starts = SLASH_COMMANDS.filter((c) => c.name.startsWith(typed));
  const contains = SLASH_COMMANDS.filter(
    (c) => !c.name.startsWith(typed) && c.name.includes(typed),
  );
  return [...starts, ...contains];
}

/** Other names commands answer to. */
const ALIASES: Record<string, string> = { exit: 'quit', '?': 'help' };

/** What Tab leaves in the prompt: the command, and a space when it takes an argument. */
export function completionOf(command: SlashCommand): string {
  return `/${command.name}${command.args ? ' ' : ''}`;
}

/** The popup's rows: one per command (the chosen one marked), at most `maxRows`. */
export function popupLines(
  matches: SlashCommand[],
  selected: number,
  width: number,
  maxRows: number,
  typed: string,
): Line[] {
  if (matches.length === 0)
    return [{ text: truncate(`no command ${typed}; /help lists them`, width), tone: 'warn' }];
  const room = Math.max(1, maxRows);
  const first = Math.max(0, Math.min(selected - room + 1, matches.length - room));
  const nameWidth = Math.max(...matches.map((c) => textWidth(`/${c.name} ${c.args}`.trim())));
  return matches.slice(first, first + room).map((c, i): Line => {
    const chosen = first + i === selected;
    const name = `/${c.name} ${c.args}`.trim().padEnd(nameWidth);
    return {
      text: truncate(`${chosen ? '> ' : '  '}${name}  ${c.summary}`, width),
      tone: chosen ? 'user' : 'dim',
      bold: chosen,
    };
  });
}

export const POPUP_HINT = 'Tab completes, Enter runs, Up/Down choose, Esc closes';
