// The fixed parts of the screen as lines: the approval question, the thread picker, the rule
// above the prompt and the status line. Pure functions of the state and the width, so they can
// be checked as text.
import { elapsedText } from './clock.ts';
import { formLines, type FormFill } from './form-fill.ts';
import type { ApprovalPrompt, PickerState, TuiState } from './state.ts';
import { compactCount, sanitize, truncate, textWidth, wrapWithPrefix } from './text-layout.ts';
import { diffLines, displayPath, type Line } from './transcript-lines.ts';

const RULE = '\u2500';

export function ruleLine(label: string, width: number, tone: Line['tone'] = 'dim'): Line {
  const head = label ? `${RULE}${RULE} ${truncate(label, Math.max(0, width - 4))} ` : '';
  return { text: head + RULE.repeat(Math.max(0, width - textWidth(head))), tone };
}

/**
 * The question on screen: what would run or change, why, and one key per answer. The title,
 * the "why:" and the keys always show; when the body (a long command, a patch's diff) does not
 * fit, a window of it does, `scroll` rows down, with a row saying where it is.
 */
export function approvalPanel(
  prompt: ApprovalPrompt,
  width: number,
  maxRows: number,
  cwd = '',
  scroll = 0,
  /** An MCP form being filled in (its fields are shown, the current one typed). */
  fill: FormFill | null = null,
): { lines: Line[]; maxScroll: number } {
  const title =
    prompt.kind === 'command'
      ? 'Run this command?'
      : prompt.kind === 'mcp'
        ? prompt.tool
          ? 'Allow this MCP tool call?'
          : `The ${prompt.server} MCP server asks`
        : 'Apply this patch?';
  const head: Line[] = [{ ...ruleLine(title, width, 'warn'), bold: true }];
  const body: Line[] = [];
  if (prompt.kind === 'command') {
    for (const text of wrapWithPrefix(sanitize(prompt.command), width, '$ '))
      body.push({ text, tone: 'command', bold: true });
    if (prompt.cwd) body.push({ text: truncate(`  in ${prompt.cwd}`, width), tone: 'dim' });
  } else if (prompt.kind === 'mcp') {
    const call = prompt.tool ? `${prompt.tool} ${prompt.args ?? ''}` : prompt.message;
    for (const text of wrapWithPrefix(sanitize(call), width, `${prompt.server}: `))
      body.push({ text, tone: 'command', bold: true });
    if (prompt.url) body.push({ text: truncate(`  open ${prompt.url}`, width), tone: 'dim' });
    if (prompt.form.length) body.push(...formLines(prompt.form, fill, width));
  } else {
    for (const change of prompt.changes) {
      const mark = change.kind.type === 'add' ? 'A' : change.kind.type === 'delete' ? 'D' : 'M';
      const path = displayPath(change.path, cwd);
      body.push({ text: truncate(`patch ${mark} ${path}`, width), tone: 'command' });
      body.push(...diffLines(change.diff, width));
    }
    if (prompt.changes.length === 0) body.push({ text: '(the patch)', tone: 'dim' });
  }
  const why: Line[] = prompt.reason
    ? wrapWithPrefix(sanitize(prompt.reason), width, 'why: ')
        .slice(0, WHY_ROWS)
        .map((text) => ({ text, tone: 'dim' }))
    : [];
  const keys = keyHints(prompt, width, fill !== null);
  const room = Math.max(2, maxRows - head.length - why.length - keys.length);
  if (body.length <= room) return { lines: [...head, ...body, ...why, ...keys], maxScroll: 0 };
  const shown = room - 1;
  const maxScroll = body.length - shown;
  const from = Math.max(0, Math.min(scroll, maxScroll));
  const where: Line = {
    text: truncate(
      `-- lines ${from + 1}-${from + shown} of ${body.length}; Up/Down, PgUp/PgDn scroll --`,
      width,
    ),
    tone: 'accent',
  };
  return {
    lines: [...head, ...body.slice(from, from + shown), where, ...why, ...keys],
    maxScroll,
  };
}

/** Rows of the reason kept on screen. */
const WHY_ROWS = 3;

function keyHints(prompt: ApprovalPrompt, width: number, filling: boolean): Line[] {
  const form = prompt.kind === 'mcp' && prompt.form.length > 0;
  const hints = filling
    ? ['[enter] next field (empty: the default)', '[esc] back to the question']
    : form
      ? ['[y] fill in the form']
      : ['[y] yes', '[a] yes, for this session'];
  if (prompt.kind === 'command' && prompt.amendment)
    hints.push(`[r] yes, and always allow "${prompt.amendment.join(' ')}"`);
  if (!filling) hints.push('[n] no', '[esc] no, and stop the turn');
  // As many hints per row as fit.
  const rows: string[] = [];
  for (const hint of hints) {
    const last = rows.at(-1);
    if (last !== undefined && textWidth(`${last}   ${hint}`) <= width)
      rows[rows.length - 1] += `   ${hint}`;
    else rows.push(truncate(hint, width));
  }
  return rows.map((text) => ({ text, tone: 'accent', bold: true }));
}

/** The /resume list: one thread per row (its cwd, age and id), the selected one marked. */
export function pickerLines(
  picker: Extract<PickerState, { kind: 'threads' }>,
  width: number,
  maxRows: number,
  now: number,
  here = '',
): Line[] {
  const head = ruleLine('Resume a thread: Up/Down, Enter opens, Esc cancels', width, 'accent');
  const note: Line[] = picker.hidden
    ? [
        {
          text: truncate(
            `${picker.hidden} task threads of other repositories hidden; /resume --all shows them`,
            width,
          ),
          tone: 'dim',
        },
      ]
    : [];
  const room = Math.max(1, maxRows - 1 - note.length);
  const first = Math.max(
    0,
    Math.min(picker.selected - Math.floor(room / 2), picker.threads.length - room),
  );
  const cwdWidth = Math.max(8, Math.floor(width / 4));
  const rows = picker.threads.slice(first, first + room).map((t, i): Line => {
    const selected = first + i === picker.selected;
    const where = t.cwd === here ? '.' : truncateStart(displayPath(t.cwd, here), cwdWidth);
    const tail = `  ${where}  ${ago(now - t.updatedAt * 1000).padStart(7)}  ${t.label}`;
    const preview = sanitize(t.preview).replace(/\n/g, ' ') || '(empty)';
    const text = `${selected ? '> ' : '  '}${truncate(preview, Math.max(8, width - 2 - textWidth(tail)))}`;
    const padded = text + ' '.repeat(Math.max(0, width - textWidth(text) - textWidth(tail)));
    return {
      text: truncate(padded + tail, width),
      tone: selected ? 'user' : 'plain',
      bold: selected,
    };
  });
  return [head, ...note, ...rows];
}

/** The end of `text` in `width` columns (a path's last folders say most). */
function truncateStart(text: string, width: number): string {
  const chars = [...text];
  if (textWidth(text) <= width) return text;
  let out = '';
  for (let i = chars.length - 1; i >= 0 && textWidth(chars[i] + out) <= width - 3; i--)
    out = chars[i] + out;
  return `...${out}`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** The rule between transcript and prompt: what is going on, or a hint. */
export function separatorLine(
  state: TuiState,
  width: number,
  scrolled: boolean,
  now: number,
): Line {
  const took = state.turnStartedAt === null ? '' : ` ${elapsedText(now - state.turnStartedAt)}`;
  if (state.notice) return ruleLine(state.notice, width, 'warn');
  if (scrolled) return ruleLine('scrolled up; PgDn to go back down', width, 'warn');
  if (state.closed) return ruleLine('disconnected', width, 'error');
  if (state.approvals.length) return ruleLine('waiting for your answer', width, 'warn');
  if (state.starting || state.turnId)
    return ruleLine(`working${took}; Esc to interrupt`, width, 'accent');
  return ruleLine('/help for commands', width);
}

/** Model, sandbox, approvals, context used and cached tokens; labels go when space is short. */
export function statusLine(state: TuiState, width: number): Line {
  const { session, overrides, usage, remote } = state;
  if (!session) {
    return { text: truncate(remote ? `connecting to ${remote}` : 'starting', width), tone: 'dim' };
  }
  const model = overrides.model ? `${overrides.model} (next turn)` : session.model;
  const approvals = overrides.approvalPolicy
    ? `${overrides.approvalPolicy} (next turn)`
    : session.approvalPolicy;
  let context = 'context 0';
  let cached = '';
  if (usage) {
    const used = usage.last.inputTokens + usage.last.outputTokens;
    const window = usage.modelContextWindow
      ? ` (${Math.round((used / usage.modelContextWindow) * 100)}%)`
      : '';
    context = `context ${compactCount(used)}${window}`;
    cached = `cached ${compactCount(usage.last.cachedInputTokens)}`;
  }
  const tail = [context, cached, remote ?? ''].filter(Boolean);
  const long = [model, `sandbox ${session.sandbox}`, `approvals ${approvals}`, ...tail].join(' | ');
  const short = [model, session.sandbox, approvals, ...tail].join(' | ');
  return { text: truncate(textWidth(long) <= width ? long : short, width), tone: 'dim' };
}
