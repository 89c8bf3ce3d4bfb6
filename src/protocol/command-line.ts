// A command on the wire and on screen. `commandExecution.command` (and the approval question's
// `command`) carries the argv that runs as one shell-quoted line, as Codex sends it: a script
// the model wrote runs as `bash -c 'touch f && ls'`. Codex clients split that line and show the
// script alone; Yoke's own surfaces do the same with displayedCommand, so people read
// `touch f && ls`. Pure string functions: the browser page uses them too.

/** Characters a shell word may have and still need no quotes. */
const PLAIN = /^[\w@%+=:,./-]+$/;

/** One word as a POSIX shell reads it back: as is when plain, else single-quoted. */
export function quoteShellWord(word: string): string {
  if (PLAIN.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** An argv as one command line whose words a shell splits back into exactly that argv. */
export function commandLine(argv: readonly string[]): string {
  return argv.map(quoteShellWord).join(' ');
}

/**
 * The words of a command line as a POSIX shell splits them (quotes and backslashes, no
 * expansion); null when a quote is left open or the line is not plain words (a newline
 * outside quotes, which would end the command).
 */
export function splitCommandLine(line: string): string[] | null {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    if (c === '\n') return null;
    inWord = true;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return null;
      word += line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        // Inside double quotes a backslash escapes only these.
        if (line[j] === '\\' && j + 1 < line.length && '"\\$`\n'.includes(line[j + 1]!)) j++;
        word += line[j];
      }
      if (j >= line.length) return null;
      i = j;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return null;
      word += line[++i];
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** Shells whose `-c SCRIPT` (or login `-lc SCRIPT`) wrapping is taken off for display. */
const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash']);

/**
 * What people are shown of a command line: the script of `bash -c SCRIPT` or
 * `/bin/bash -lc SCRIPT` (sh, zsh and dash too), else the line as it is.
 */
export function displayedCommand(line: string): string {
  const words = splitCommandLine(line);
  if (!words || words.length !== 3) return line;
  const [shell, flag, script] = words as [string, string, string];
  const name = shell.slice(shell.lastIndexOf('/') + 1);
  return SHELLS.has(name) && (flag === '-c' || flag === '-lc') ? script : line;
}
