// Splits a shell script (what `bash -c "…"` runs) into the simple commands it would run, for the
// exec-policy rules and the known-safe list. Conservative by construction: a word whose value is
// only known at run time ($VAR, globs, $(…)) is marked dynamic; the commands inside $(…), `…`,
// <(…), function bodies and case branches are collected too (they may run); assignments and
// here-document bodies are kept, because they can carry code; whatever this parser does not
// understand (coproc, select, ${…$(…)}) is a parse failure, which the callers treat as "ask".
import { Lexer, Unsupported, type Word } from './shell-lexer.ts';

export type { Word };

/** `op` as written (`<`, `>>`, `<<`, `<<<`, `>&`…); `fd` the number before it, if any. */
export type Redirect = {
  op: string;
  fd: number | null;
  /** The file or word; for a here-document, its body (null when the body is missing). */
  target: Word | null;
};

/** `NAME=value` before a command (or alone). */
export type Assignment = { name: string; value: Word };

export type SimpleCommand = { words: Word[]; assignments: Assignment[]; redirects: Redirect[] };

export type ParseResult = { ok: true; commands: SimpleCommand[] } | { ok: false; reason: string };

const SEPARATORS = new Set([';', '&', '&&', '||', '|', '|&', '\n']);
const CASE_ENDS = new Set([';;', ';&', ';;&']);
/** Reserved words that only introduce the command after them. */
// prettier-ignore
const SKIPPED_KEYWORDS = new Set([
  'if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', '{', '}', 'time',
]);
const UNSUPPORTED_KEYWORDS = new Set(['coproc', 'select']);
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)\+?=/;
const MAX_DEPTH = 32;

/** The simple commands of `script`, in order, including those in substitutions. */
export function parseShellScript(script: string): ParseResult {
  const parser = new Parser(script);
  try {
    parser.parseList(null);
    return { ok: true, commands: parser.commands };
  } catch (err) {
    if (err instanceof Unsupported) return { ok: false, reason: err.message };
    throw err;
  }
}

/** How a list ended: end of input, `)`, the end of a case branch, or `esac`. */
type End = 'eof' | ')' | 'branch' | 'esac';

type Heredoc = { delimiter: string; quoted: boolean; stripTabs: boolean; redirect: Redirect };

class Parser extends Lexer {
  readonly commands: SimpleCommand[] = [];
  private heredocs: Heredoc[] = [];
  private depth = 0;

  protected substitution(): void {
    this.nested(() => this.parseList(')'));
  }

  protected backticks(body: string): void {
    const inner = parseShellScript(body);
    if (!inner.ok) throw new Unsupported(inner.reason);
    this.commands.push(...inner.commands);
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new Unsupported('the script nests too deeply');
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  /** Parses commands until EOF, the `)` of a subshell or $(…), or the end of a case branch. */
  parseList(terminator: ')' | 'case' | null): End {
    let words: Word[] = [];
    let assignments: Assignment[] = [];
    let redirects: Redirect[] = [];
    /** After `( … )` or `esac`: only redirections and separators may follow. */
    let afterGroup = false;
    const flush = () => {
      if (words.length > 0 || assignments.length > 0)
        this.commands.push({ words, assignments, redirects });
      words = [];
      assignments = [];
      redirects = [];
      afterGroup = false;
    };
    for (;;) {
      const token = this.next();
      if (token.kind === 'eof') {
        if (terminator)
          throw new Unsupported(`unterminated ${terminator === ')' ? '( or $(' : 'case'}`);
        flush();
        return 'eof';
      }
      if (token.kind === 'op') {
        const op = token.op;
        if (op === ')') {
          if (terminator !== ')') throw new Unsupported('unexpected )');
          flush();
          return ')';
        }
        if (op === '(') {
          const next = this.peek();
          if (words.length === 1 && !afterGroup && next.kind === 'op' && next.op === ')') {
            // `name() body`: the name is not a command; the body's commands are collected.
            this.next();
            words = [];
            redirects = [];
            continue;
          }
          if (words.length > 0 || afterGroup) throw new Unsupported('unexpected (');
          this.nested(() => this.parseList(')'));
          afterGroup = true;
          continue;
        }
        if (CASE_ENDS.has(op)) {
          if (terminator !== 'case') throw new Unsupported(`unexpected ${op}`);
          flush();
          return 'branch';
        }
        if (SEPARATORS.has(op)) {
          flush();
          if (op === '\n') this.readHeredocBodies();
          continue;
        }
        // A redirection: its target is a word, not an argument.
        const target = this.next();
        if (target.kind !== 'word') throw new Unsupported(`${op} without a target`);
        if (op === '<<' || op === '<<-') {
          const redirect: Redirect = { op, fd: token.fd, target: null };
          this.heredocs.push({
            delimiter: target.word.text,
            quoted: target.quoted,
            stripTabs: op === '<<-',
            redirect,
          });
          redirects.push(redirect);
        } else {
          redirects.push({ op, fd: token.fd, target: target.word });
        }
        continue;
      }
      const word = token.word;
      if (afterGroup) throw new Unsupported(`unexpected word after ): ${word.text}`);
      if (words.length === 0 && !word.dynamic && !token.quoted) {
        if (terminator === 'case' && word.text === 'esac') {
          flush();
          return 'esac';
        }
        if (SKIPPED_KEYWORDS.has(word.text)) continue;
        if (UNSUPPORTED_KEYWORDS.has(word.text))
          throw new Unsupported(`${word.text} is not supported`);
        if (word.text === 'case') {
          this.parseCase();
          afterGroup = true;
          continue;
        }
        if (word.text === 'function') {
          this.skipFunctionName();
          continue;
        }
        if (word.text === 'for') {
          this.skipForHeader();
          continue;
        }
        if (word.text === '[[') {
          this.skipTest();
          continue;
        }
      }
      const assignment = words.length === 0 ? ASSIGNMENT.exec(token.raw) : null;
      if (assignment) {
        const value = { text: word.text.slice(assignment[0].length), dynamic: word.dynamic };
        assignments.push({ name: assignment[1]!, value });
        continue;
      }
      words.push(word);
    }
  }

  /** `case WORD in (PATTERN|…) LIST ;; … esac`: every branch's commands are collected. */
  private parseCase(): void {
    if (this.next().kind !== 'word') throw new Unsupported('case without a word');
    let token = this.nextSkippingNewlines();
    if (token.kind !== 'word' || token.word.text !== 'in') throw new Unsupported('case without in');
    for (;;) {
      token = this.nextSkippingNewlines();
      if (token.kind === 'word' && !token.quoted && token.word.text === 'esac') return;
      if (token.kind === 'op' && token.op === '(') token = this.next();
      for (;;) {
        if (token.kind !== 'word') throw new Unsupported('a case pattern is not a word');
        token = this.next();
        if (token.kind === 'op' && token.op === ')') break;
        if (token.kind !== 'op' || token.op !== '|') throw new Unsupported('bad case pattern');
        token = this.next();
      }
      if (this.nested(() => this.parseList('case')) === 'esac') return;
    }
  }

  private nextSkippingNewlines() {
    let token = this.next();
    while (token.kind === 'op' && token.op === '\n') {
      this.readHeredocBodies();
      token = this.next();
    }
    return token;
  }

  /** After `function`: the name, and `()` if present; the body follows. */
  private skipFunctionName(): void {
    if (this.next().kind !== 'word') throw new Unsupported('function without a name');
    const open = this.peek();
    if (open.kind === 'op' && open.op === '(') {
      this.next();
      const close = this.next();
      if (close.kind !== 'op' || close.op !== ')') throw new Unsupported('bad function definition');
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

  /** Reads the bodies of the here-documents of the line just ended into their redirections. */
  private readHeredocBodies(): void {
    const s = this.s;
    for (const doc of this.heredocs) {
      const lines: string[] = [];
      while (this.i < s.length) {
        const end = s.indexOf('\n', this.i);
        const line = s.slice(this.i, end < 0 ? s.length : end);
        this.i = end < 0 ? s.length : end + 1;
        const bare = doc.stripTabs ? line.replace(/^\t+/, '') : line;
        if (bare === doc.delimiter) break;
        if (!doc.quoted && /\$\(|`/.test(line))
          throw new Unsupported('command substitution in a here-document is not supported');
        lines.push(bare);
      }
      const text = lines.map((l) => `${l}\n`).join('');
      // Unquoted: $VAR and backslash escapes change the text at run time.
      doc.redirect.target = { text, dynamic: !doc.quoted && /[$\\]/.test(text) };
    }
    this.heredocs = [];
  }
}

export function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

/** Plain argv as words (nothing in an argv is expanded). */
export function literalWords(argv: readonly string[]): Word[] {
  return argv.map((text) => ({ text, dynamic: false }));
}

/** An argv run without a shell, as a simple command. */
export function literalCommand(argv: readonly string[]): SimpleCommand {
  return { words: literalWords(argv), assignments: [], redirects: [] };
}
