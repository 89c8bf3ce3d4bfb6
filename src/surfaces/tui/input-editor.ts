// The prompt's line editor: text plus a cursor, changed by keys. Pure, so the keys can be
// tested without a terminal. The cursor counts code points, not UTF-16 units, so it never
// lands inside a surrogate pair.
import { charWidth } from './text-layout.ts';

export type EditorState = { text: string; cursor: number };

/** The subset of Ink's Key the editor reads. */
export type EditorKey = {
  leftArrow?: boolean;
  rightArrow?: boolean;
  home?: boolean;
  end?: boolean;
  backspace?: boolean;
  delete?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  return?: boolean;
  escape?: boolean;
  tab?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
};

export const EMPTY_EDITOR: EditorState = { text: '', cursor: 0 };

export function editorWith(text: string): EditorState {
  return { text, cursor: [...text].length };
}

/** The state after `input`/`key`, or null when the editor does not handle the key. */
export function editInput(state: EditorState, input: string, key: EditorKey): EditorState | null {
  const chars = [...state.text];
  const at = Math.min(state.cursor, chars.length);
  const make = (next: string[], cursor: number): EditorState => ({
    text: next.join(''),
    cursor: Math.max(0, Math.min(cursor, next.length)),
  });
  if (key.leftArrow) return make(chars, at - 1);
  if (key.rightArrow) return make(chars, at + 1);
  if (key.home || (key.ctrl && input === 'a')) return make(chars, 0);
  if (key.end || (key.ctrl && input === 'e')) return make(chars, chars.length);
  // Most terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`: both erase
  // the character before the cursor.
  if (key.backspace || key.delete) {
    if (at === 0) return state;
    return make([...chars.slice(0, at - 1), ...chars.slice(at)], at - 1);
  }
  if (key.ctrl && input === 'u') return make(chars.slice(at), 0);
  if (key.ctrl && input === 'k') return make(chars.slice(0, at), at);
  if (key.ctrl && input === 'w') {
    let start = at;
    while (start > 0 && chars[start - 1] === ' ') start--;
    while (start > 0 && chars[start - 1] !== ' ') start--;
    return make([...chars.slice(0, start), ...chars.slice(at)], start);
  }
  if (
    key.ctrl ||
    key.meta ||
    key.return ||
    key.escape ||
    key.tab ||
    key.upArrow ||
    key.downArrow ||
    key.pageUp ||
    key.pageDown
  ) {
    return null;
  }
  if (!input) return null;
  // Pasted text arrives as one chunk; its line breaks stay in the message.
  // eslint-disable-next-line no-control-regex
  const typed = [...input.replace(/\r\n?/g, '\n').replace(/[\x00-\x09\x0b-\x1f\x7f]/g, '')];
  if (typed.length === 0) return null;
  return make([...chars.slice(0, at), ...typed, ...chars.slice(at)], at + typed.length);
}

/** One row of the input box: the text before the cursor, the cursor cell, the rest. */
export type InputRow = { before: string; cursor: string | null; after: string };

/**
 * The editor laid out in rows of `width` columns (hard-wrapped, so the cursor maps to one
 * cell), keeping at most `maxRows` rows around the cursor.
 */
export function inputRows(state: EditorState, width: number, maxRows: number): InputRow[] {
  const max = Math.max(2, width);
  const chars = [...state.text];
  const rows: { chars: string[]; start: number }[] = [{ chars: [], start: 0 }];
  let used = 0;
  chars.forEach((ch, i) => {
    const row = rows.at(-1)!;
    if (ch === '\n') {
      rows.push({ chars: [], start: i + 1 });
      used = 0;
      return;
    }
    const w = charWidth(ch.codePointAt(0)!);
    // One column stays free at the end of a row for the cursor.
    if (used + w > max - 1) {
      rows.push({ chars: [ch], start: i });
      used = w;
      return;
    }
    row.chars.push(ch);
    used += w;
  });
  let cursorRow = rows.length - 1;
  for (let r = 0; r < rows.length; r++) {
    const next = rows[r + 1];
    if (!next || state.cursor < next.start) {
      cursorRow = r;
      break;
    }
  }
  const laid: InputRow[] = rows.map((row, r) => {
    if (r !== cursorRow) return { before: row.chars.join(''), cursor: null, after: '' };
    const offset = Math.min(Math.max(0, state.cursor - row.start), row.chars.length);
    return {
      before: row.chars.slice(0, offset).join(''),
      cursor: row.chars[offset] ?? ' ',
      after: row.chars.slice(offset + 1).join(''),
    };
  });
  const first = Math.max(0, Math.min(cursorRow - maxRows + 1, laid.length - maxRows));
  return laid.slice(first, first + maxRows);
}

/** Earlier prompts, recalled with Up and Down (like a shell). */
export class InputHistory {
  private readonly items: string[] = [];
  private index = 0;
  private draft = '';

  push(text: string): void {
    if (text && this.items.at(-1) !== text) this.items.push(text);
    this.index = this.items.length;
    this.draft = '';
  }

  /** The older entry, or null at the oldest. `current` is kept as the draft. */
  older(current: string): string | null {
    if (this.index === 0) return null;
    if (this.index === this.items.length) this.draft = current;
    this.index--;
    return this.items[this.index] ?? null;
  }

  newer(): string | null {
    if (this.index >= this.items.length) return null;
    this.index++;
    return this.index === this.items.length ? this.draft : (this.items[this.index] ?? null);
  }
}
