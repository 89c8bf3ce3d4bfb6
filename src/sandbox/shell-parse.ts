// Splits a shell script (what `bash -lc "…"` runs) into the simple commands it would run, for
// the exec-policy rules and the known-safe list. Conservative by construction: a word whose
// value is only known at run time ($VAR, globs, $(…)) is marked dynamic, the commands inside
// $(…), `…` and <(…) are collected too, and whatever this parser does not understand (case,
// functions, ${…$(…)}) is a parse failure, which the callers treat as "ask".

export type Word = {
  text: string;
  /** The value depends on expansion at run time: it may be anything. */
  dynamic: boolean;
};

export type Redirect = { op: string; target: Word | null };

export type SimpleCommand = { words: Word[]; redirects: Redirect[] };

export type ParseResult = { ok: true; commands: SimpleCommand[] } | { ok: false; reason: string };

class Unsupported extends Error {}

type Token =
  | { kind: 'word'; word: Word; quoted: boolean; raw: string }
  | { kind: 'op'; op: string }
  | { kind: 'eof' };

// Longest first, so that `&&` is not read as two `&`.
// prettier-ignore
const OPERATORS = [
  '&>>', '<<<', '<<-', '&&', '||', ';;', '|&', '>>', '<<', '<>', '>|', '&>',
  '>&', '<&', ';', '&', '|', '(', ')', '<', '>', '\n',
];
const SEPARATORS = new Set([';', '&', '&&', '||', '|', '|&', '\n']);
const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);
/** Reserved words that only introduce the command after them. */
const SKIPPED_KEYWORDS = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'while',
  'until',
  '!',
  '{',
  '}',
  'time',
]);
const UNSUPPORTED_KEYWORDS = new Set(['case', 'esac', 'function', 'coproc', 'select']);
const MAX_DEPTH = 32;

/** The simple commands of `script`, in order, including those in substitutions. */
export function parseShellScript(script: string): ParseResult {
  const parser = new Parser(script);
  try {
    parser.parseList(null, 0);
    return { ok: true, commands: parser.commands };
  } catch (err) {
    if (err instanceof Unsupported) return { ok: false, reason: err.message };
    throw err;
  }
}

class Parser {
  readonly commands: SimpleCommand[] = [];
  private i = 0;
  private heredocs: { delimiter: string; quoted: boolean; stripTabs: boolean }[] = [];

  constructor(private readonly s: string) {}

  /** Parses commands until EOF, or until the `)` that closes a subshell or $(…). */
  parseList(terminator: ')' | null, depth: number): void {
    if (depth > MAX_DEPTH) throw new Unsupported('the script nests too deeply');
    let words: Word[] = [];
    let redirects: Redirect[] = [];
    /** After `( … )`: only redirections and separators may follow. */
    let afterGroup = false;
    const flush = () => {
      if (words.length > 0) this.commands.push({ words, redirects });
      words = [];
      redirects = [];
      afterGroup = false;
    };
    for (;;) {
      const token = this.next();
      if (token.kind === 'eof') {
        if (terminator) throw new Unsupported('unterminated ( or $(');
        return flush();
      }
      if (token.kind === 'op') {
        const op = token.op;
        if (op === ')') {
          if (terminator !== ')') throw new Unsupported('unexpected )');
          return flush();
        }
        if (op === '(') {
          if (words.length > 0 || afterGroup)
            throw new Unsupported('function definitions are not supported');
          this.parseList(')', depth + 1);
          afterGroup = true;
          continue;
        }
        if (op === ';;') throw new Unsupported('case statements are not supported');
        if (SEPARATORS.has(op)) {
          flush();
          if (op === '\n') this.readHeredocBodies();
          continue;
        }
        // A redirection: its target is a word, not an argument.
        const target = this.next();
        if (target.kind !== 'word') throw new Unsupported(`${op} without a target`);
        if (op === '<<' || op === '<<-') {
          this.heredocs.push({
            delimiter: target.word.text,
            quoted: target.quoted,
            stripTabs: op === '<<-',
          });
          redirects.push({ op, target: null });
        } else {
          redirects.push({ op, target: target.word });
        }
        continue;
      }
      const word = token.word;
      if (afterGroup) throw new Unsupported('unexpected word after )');
      if (words.length === 0 && !word.dynamic && !token.quoted) {
        if (SKIPPED_KEYWORDS.has(word.text)) continue;
        if (UNSUPPORTED_KEYWORDS.has(word.text))
          throw new Unsupported(`${word.text} is not supported`);
        if (word.text === 'for') {
          this.skipForHeader();
          continue;
        }
        if (word.text === '[[') {
          this.skipTest();
          continue;
        }
      }
      // Assignments before the command (FOO=bar cmd) are not the command.
      if (words.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*\+?=/.test(token.raw)) continue;
      words.push(word);
    }
  }

  private skipForHeader(): void {
    for (;;) {
      const token = this.next();
      if (token.kind === 'eof') return;
      if (token.kind === 'op') {
        if (token.op === ';' || token.op === '\n') return;
        throw new Unsupported('this for loop form is not supported');
      }
    }
  }

  private skipTest(): void {
    for (;;) {
      const token = this.next();
      if (token.kind === 'eof') throw new Unsupported('unterminated [[');
      if (token.kind === 'word' && token.word.text === ']]' && !token.quoted) return;
    }
  }

  private readHeredocBodies(): void {
    for (const doc of this.heredocs) {
      for (;;) {
        if (this.i >= this.s.length) break;
        const end = this.s.indexOf('\n', this.i);
        const line = this.s.slice(this.i, end < 0 ? this.s.length : end);
        this.i = end < 0 ? this.s.length : end + 1;
        const bare = doc.stripTabs ? line.replace(/^\t+/, '') : line;
        if (bare === doc.delimiter) break;
        if (!doc.quoted && /\$\(|`/.test(line))
          throw new Unsupported('command substitution in a here-document is not supported');
      }
    }
    this.heredocs = [];
  }

  private next(): Token {
    const s = this.s;
    for (;;) {
      const c = s[this.i];
      if (c === ' ' || c === '\t') this.i++;
      else if (c === '\\' && s[this.i + 1] === '\n') this.i += 2;
      else if (c === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else break;
    }
    if (this.i >= s.length) return { kind: 'eof' };
    const c = s[this.i]!;
    if ((c === '<' || c === '>') && s[this.i + 1] === '(') {
      this.i += 2;
      this.parseList(')', 1); // process substitution: its commands run too
      return { kind: 'word', word: { text: `${c}(…)`, dynamic: true }, quoted: false, raw: '' };
    }
    const fd = /^\d+(?=[<>])/.exec(s.slice(this.i, this.i + 12));
    if (fd) this.i += fd[0].length;
    for (const op of OPERATORS) {
      if (s.startsWith(op, this.i)) {
        this.i += op.length;
        return { kind: 'op', op };
      }
    }
    return this.readWord();
  }

  private readWord(): Token {
    const s = this.s;
    const start = this.i;
    let text = '';
    let dynamic = false;
    let quoted = false;
    while (this.i < s.length && !META.has(s[this.i]!)) {
      const c = s[this.i]!;
      if (c === '\\') {
        // A backslash-newline is a line continuation: it vanishes.
        if (s[this.i + 1] !== '\n') {
          quoted = true;
          if (this.i + 1 < s.length) text += s[this.i + 1];
        }
        this.i += 2;
      } else if (c === "'") {
        quoted = true;
        const end = s.indexOf("'", this.i + 1);
        if (end < 0) throw new Unsupported('unterminated quote');
        text += s.slice(this.i + 1, end);
        this.i = end + 1;
      } else if (c === '"') {
        quoted = true;
        this.i++;
        const inner = this.readDoubleQuoted();
        text += inner.text;
        dynamic ||= inner.dynamic;
      } else if (c === '$') {
        const part = this.readDollar(false);
        text += part.text;
        dynamic ||= part.dynamic;
      } else if (c === '`') {
        text += this.readBackticks();
        dynamic = true;
      } else {
        if (c === '*' || c === '?') dynamic = true;
        // A bracket expression needs its `]`: a lone `[` (the test command) is literal.
        if (c === '[' && /^\[[^\]\s;&|<>()]+\]/.test(s.slice(this.i))) dynamic = true;
        if (c === '~' && this.i === start) dynamic = true;
        if (c === '{' && /^\{[^}\s]*(,|\.\.)[^}\s]*\}/.test(s.slice(this.i))) dynamic = true;
        text += c;
        this.i++;
      }
    }
    return { kind: 'word', word: { text, dynamic }, quoted, raw: s.slice(start, this.i) };
  }

  private readDoubleQuoted(): Word {
    const s = this.s;
    let text = '';
    let dynamic = false;
    for (;;) {
      if (this.i >= s.length) throw new Unsupported('unterminated quote');
      const c = s[this.i]!;
      if (c === '"') {
        this.i++;
        return { text, dynamic };
      }
      if (c === '\\') {
        const n = s[this.i + 1];
        if (n === '\n') this.i += 2;
        else if (n !== undefined && '$`"\\'.includes(n)) {
          text += n;
          this.i += 2;
        } else {
          text += c;
          this.i++;
        }
      } else if (c === '$') {
        const part = this.readDollar(true);
        text += part.text;
        dynamic ||= part.dynamic;
      } else if (c === '`') {
        text += this.readBackticks();
        dynamic = true;
      } else {
        text += c;
        this.i++;
      }
    }
  }

  /** At a `$`: an expansion (dynamic) or a literal dollar sign. */
  private readDollar(inDouble: boolean): Word {
    const s = this.s;
    const n = s[this.i + 1];
    if (n === '(' && s[this.i + 2] === '(') {
      const end = s.indexOf('))', this.i + 3);
      if (end < 0) throw new Unsupported('unterminated $((');
      const body = s.slice(this.i + 3, end);
      if (/\$\(|`/.test(body))
        throw new Unsupported('command substitution in $(( )) is not supported');
      this.i = end + 2;
      return { text: '$((…))', dynamic: true };
    }
    if (n === '(') {
      this.i += 2;
      this.parseList(')', 1);
      return { text: '$(…)', dynamic: true };
    }
    if (n === '{') {
      const end = s.indexOf('}', this.i + 2);
      if (end < 0) throw new Unsupported('unterminated ${');
      const body = s.slice(this.i + 2, end);
      if (/[$`'"{(]/.test(body)) throw new Unsupported('nested expansion in ${…} is not supported');
      this.i = end + 1;
      return { text: `\${${body}}`, dynamic: true };
    }
    if (n === "'" && !inDouble) {
      // $'…' (ANSI-C quoting): escapes could spell anything, so its value counts as unknown.
      let j = this.i + 2;
      while (j < s.length && s[j] !== "'") j += s[j] === '\\' ? 2 : 1;
      if (j >= s.length) throw new Unsupported('unterminated quote');
      const text = s.slice(this.i + 2, j);
      this.i = j + 1;
      return { text, dynamic: true };
    }
    if (n === '"' && !inDouble) {
      this.i += 2;
      return this.readDoubleQuoted();
    }
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(s.slice(this.i + 1));
    if (name) {
      this.i += 1 + name[0].length;
      return { text: `$${name[0]}`, dynamic: true };
    }
    this.i++;
    return { text: '$', dynamic: false };
  }

  private readBackticks(): string {
    const end = this.s.indexOf('`', this.i + 1);
    if (end < 0) throw new Unsupported('unterminated `');
    const body = this.s.slice(this.i + 1, end);
    if (body.includes('\\')) throw new Unsupported('escapes inside `…` are not supported');
    this.i = end + 1;
    const inner = parseShellScript(body);
    if (!inner.ok) throw new Unsupported(inner.reason);
    this.commands.push(...inner.commands);
    return '`…`';
  }
}

const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', 'ksh', 'mksh']);

/**
 * The script of a `bash -c SCRIPT` / `bash -lc SCRIPT` / `sh -c …` invocation, or null when
 * `words` is not one. The script word may be dynamic (`bash -c "$CMD"`): callers check.
 */
export function shellScriptOf(words: readonly Word[]): { script: Word } | null {
  const program = words[0];
  if (!program || program.dynamic || !SHELLS.has(baseName(program.text))) return null;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word.dynamic) return null;
    const arg = word.text;
    if (arg === '--login' || arg === '--noprofile' || arg === '--norc') continue;
    if (arg === '-o' || arg === '+o') {
      i++;
      continue;
    }
    if (/^[-+][a-zA-Z]+$/.test(arg)) {
      if (arg.startsWith('-') && arg.includes('c')) {
        const script = words[i + 1];
        return script ? { script } : null;
      }
      continue;
    }
    return null; // a script file, or something this does not know
  }
  return null;
}

export function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

/** Plain argv as words (nothing in an argv is expanded). */
export function literalWords(argv: readonly string[]): Word[] {
  return argv.map((text) => ({ text, dynamic: false }));
}
