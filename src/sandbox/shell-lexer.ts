// The words and operators of a shell script, for shell-parse.ts. A word whose value is only
// known at run time ($VAR, globs, $(…)) is marked dynamic; the commands inside $(…), `…` and
// <(…) are handed to the parser (`substitution`), because they run too.

export type Word = {
  text: string;
  /** The value depends on expansion at run time: it may be anything. */
  dynamic: boolean;
};

export type Token =
  | { kind: 'word'; word: Word; quoted: boolean; raw: string }
  | { kind: 'op'; op: string; fd: number | null }
  | { kind: 'eof' };

/** What the parser cannot follow: the caller treats the whole script as "ask". */
export class Unsupported extends Error {}

// Longest first, so that `&&` is not read as two `&`.
// prettier-ignore
const OPERATORS = [
  ';;&', '&>>', '<<<', '<<-', '&&', '||', ';;', ';&', '|&', '>>', '<<', '<>', '>|', '&>',
  '>&', '<&', ';', '&', '|', '(', ')', '<', '>', '\n',
];
const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);

export abstract class Lexer {
  protected i = 0;

  constructor(protected readonly s: string) {}

  /** Parses the commands of $(…) / <(…) up to its `)`, which it consumes. */
  protected abstract substitution(): void;
  /** Parses the commands of a `…` body. */
  protected abstract backticks(body: string): void;

  protected next(): Token {
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
      this.substitution(); // process substitution: its commands run too
      return { kind: 'word', word: { text: `${c}(…)`, dynamic: true }, quoted: false, raw: '' };
    }
    const fd = /^\d+(?=[<>])/.exec(s.slice(this.i, this.i + 12));
    if (fd) this.i += fd[0].length;
    for (const op of OPERATORS) {
      if (s.startsWith(op, this.i)) {
        this.i += op.length;
        return { kind: 'op', op, fd: fd ? Number(fd[0]) : null };
      }
    }
    return this.readWord();
  }

  /** The next token without consuming it. */
  protected peek(): Token {
    const at = this.i;
    const token = this.next();
    this.i = at;
    return token;
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
      } else if (c === '$' || c === '`') {
        const part = c === '$' ? this.readDollar(false) : this.readBackticks();
        text += part.text;
        dynamic ||= part.dynamic;
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
      } else if (c === '$' || c === '`') {
        const part = c === '$' ? this.readDollar(true) : this.readBackticks();
        text += part.text;
        dynamic ||= part.dynamic;
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
      this.substitution();
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

  private readBackticks(): Word {
    const end = this.s.indexOf('`', this.i + 1);
    if (end < 0) throw new Unsupported('unterminated `');
    const body = this.s.slice(this.i + 1, end);
    if (body.includes('\\')) throw new Unsupported('escapes inside `…` are not supported');
    this.i = end + 1;
    this.backticks(body);
    return { text: '`…`', dynamic: true };
  }
}
