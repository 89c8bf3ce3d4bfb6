// The transcript: what the screen shows of a thread, as a list of entries — each item of the
// thread view (src/client/thread-view.ts, which folds the notifications: deltas included) as
// an entry, with the plan, turn ends and the TUI's own notes in the order they happened — or
// rebuilt from stored turns on resume. Pure functions over immutable arrays, so React can
// compare entries by identity and the line cache can key on them.
import { errorText, findItem, type ThreadView } from '../../client/thread-view.ts';
import { displayedCommand } from '../../protocol/command-line.ts';
import type { FileUpdateChange, ItemStatus, ThreadItem, UserInput } from '../../protocol/items.ts';
import type { ServerNotification } from '../../protocol/methods.ts';
import type { Turn, TurnPlanStep } from '../../protocol/thread.ts';

export type NoteTone = 'info' | 'warn' | 'error';

export type Entry =
  | { kind: 'user'; id: string; text: string }
  | { kind: 'agent'; id: string; text: string; done: boolean }
  | { kind: 'reasoning'; id: string; text: string }
  | {
      kind: 'command';
      id: string;
      command: string;
      output: string;
      status: ItemStatus;
      exitCode: number | null;
      durationMs: number | null;
      /** Stopped by an interrupt (the tool reports exit -1): said so, not "failed". */
      interrupted?: boolean;
    }
  | { kind: 'fileChange'; id: string; changes: FileUpdateChange[]; status: ItemStatus }
  | { kind: 'plan'; id: string; explanation: string | null; steps: TurnPlanStep[] }
  | { kind: 'tool'; id: string; tool: string; args: string; status: ItemStatus; detail: string }
  | { kind: 'note'; id: string; text: string; tone: NoteTone }
  | { kind: 'diff'; id: string; title: string; diff: string }
  /** The start banner: the title, then label/value rows. */
  | { kind: 'banner'; id: string; title: string; rows: [string, string][] }
  | {
      kind: 'shell';
      id: string;
      command: string;
      output: string;
      exitCode: number | null;
      running: boolean;
    };

export function userText(content: UserInput[]): string {
  return content
    .map((part) =>
      part.type === 'text' ? part.text : part.type === 'image' ? '[image]' : `[image ${part.path}]`,
    )
    .join('\n');
}

/** The entry an item becomes; null for items the screen does not show. */
export function entryFromItem(item: ThreadItem): Entry | null {
  switch (item.type) {
    case 'userMessage':
      return { kind: 'user', id: item.id, text: userText(item.content) };
    case 'agentMessage':
      return { kind: 'agent', id: item.id, text: item.text, done: false };
    case 'reasoning':
      return { kind: 'reasoning', id: item.id, text: item.summary.join('\n\n') };
    case 'commandExecution':
      return {
        kind: 'command',
        id: item.id,
        command: displayedCommand(item.command),
        output: item.aggregatedOutput ?? '',
        status: item.status,
        exitCode: item.exitCode,
        durationMs: item.durationMs,
      };
    case 'fileChange':
      return { kind: 'fileChange', id: item.id, changes: item.changes, status: item.status };
    case 'plan':
      return { kind: 'plan', id: item.id, explanation: null, steps: parsePlanText(item.text) };
    case 'dynamicToolCall': {
      const args =
        typeof item.arguments === 'string' ? item.arguments : JSON.stringify(item.arguments ?? {});
      const detail = item.status === 'completed' ? '' : (item.contentItems?.[0]?.text ?? '');
      return { kind: 'tool', id: item.id, tool: item.tool, args, status: item.status, detail };
    }
    case 'mcpToolCall': {
      const args = JSON.stringify(item.arguments ?? {});
      const status = item.status === 'inProgress' ? 'inProgress' : item.status;
      const detail = item.error?.message ?? '';
      return {
        kind: 'tool',
        id: item.id,
        tool: `${item.server}/${item.tool}`,
        args,
        status,
        detail,
      };
    }
    case 'contextCompaction':
      return { kind: 'note', id: item.id, text: 'context compacted', tone: 'info' };
    case 'error':
      return { kind: 'note', id: item.id, text: item.message, tone: 'warn' };
    case 'enteredReviewMode':
      return { kind: 'note', id: item.id, text: `reviewing ${item.review}`, tone: 'info' };
    // The review itself follows, as the turn's last agent message (as Codex sends it).
    case 'exitedReviewMode':
      return { kind: 'note', id: item.id, text: 'review finished', tone: 'info' };
  }
}

/** A stored plan item's text ("[x] step" per line, as update_plan writes it) as steps. */
function parsePlanText(text: string): TurnPlanStep[] {
  return text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const mark = /^\[(.)\]\s*/.exec(line);
      const status =
        mark?.[1] === 'x' ? 'completed' : mark?.[1] === '~' ? 'inProgress' : ('pending' as const);
      return { step: mark ? line.slice(mark[0].length) : line, status };
    });
}

/** The transcript of stored turns, as `thread/resume` and `thread/fork` return them. */
export function entriesFromTurns(turns: Turn[]): Entry[] {
  let entries: Entry[] = [];
  for (const turn of turns) {
    for (const item of turn.items) {
      const entry = entryFromItem(item);
      if (entry) entries.push(entry.kind === 'agent' ? { ...entry, done: true } : entry);
    }
    if (turn.status === 'interrupted') entries = markInterrupted(entries);
    const end = turnEndNote(turn);
    if (end) entries.push(end);
  }
  return entries;
}

/**
 * After an interrupted turn: its commands that were cut short (still running, or ended by the
 * kill with no exit code of their own) are marked interrupted. The turn's entries are those
 * after the last user message.
 */
export function markInterrupted(entries: readonly Entry[]): Entry[] {
  const copy = entries.slice();
  for (let i = copy.length - 1; i >= 0; i--) {
    const e = copy[i]!;
    if (e.kind === 'user') break;
    if (e.kind !== 'command' || e.interrupted) continue;
    const killed = e.status === 'failed' && (e.exitCode === null || e.exitCode < 0);
    if (e.status === 'inProgress' || killed) copy[i] = { ...e, interrupted: true };
  }
  return copy;
}

function turnEndNote(turn: Turn): Entry | null {
  if (turn.status === 'interrupted')
    return { kind: 'note', id: `end:${turn.id}`, text: 'turn interrupted', tone: 'warn' };
  if (turn.status === 'failed') {
    const message = turn.error?.message ?? 'the turn failed';
    return { kind: 'note', id: `end:${turn.id}`, text: `turn failed: ${message}`, tone: 'error' };
  }
  return null;
}

/**
 * Folds one notification of the current thread into the transcript; `view` is the thread with
 * that notification already applied, so a streamed item's entry is its item as it stands.
 */
export function foldIntoTranscript(
  entries: readonly Entry[],
  n: ServerNotification,
  view: ThreadView,
): readonly Entry[] {
  switch (n.method) {
    case 'item/started':
    case 'item/completed': {
      // Live plans come from turn/plan/updated (with the explanation); the plan item repeats it.
      if (n.params.item.type === 'plan') return entries;
      const entry = entryFromItem(n.params.item);
      if (!entry) return entries;
      const done = n.method === 'item/completed' && entry.kind === 'agent';
      return upsert(entries, done ? { ...entry, done } : entry);
    }
    case 'item/agentMessage/delta':
    case 'item/reasoning/summaryTextDelta':
    case 'item/commandExecution/outputDelta': {
      const item = findItem(view, n.params.itemId);
      const entry = item && entryFromItem(item);
      return entry ? upsert(entries, entry) : entries;
    }
    case 'turn/plan/updated': {
      const plan: Entry = {
        kind: 'plan',
        id: `plan:${n.params.turnId}:${entries.length}`,
        explanation: n.params.explanation,
        steps: n.params.plan,
      };
      // A plan revised in the same stretch replaces the one just shown; otherwise the new
      // plan is appended where the conversation is, so it is on screen.
      const last = entries.at(-1);
      if (last?.kind === 'plan' && last.id.startsWith(`plan:${n.params.turnId}:`))
        return [...entries.slice(0, -1), { ...plan, id: last.id }];
      return [...entries, plan];
    }
    case 'error':
      return [
        ...entries,
        {
          kind: 'note',
          id: `error:${entries.length}`,
          text: errorText(n.params.error),
          tone: n.params.willRetry ? 'warn' : 'error',
        },
      ];
    case 'turn/completed': {
      // Streams cut short by an interrupt never get their item/completed.
      let closed = entries.map((e) => (e.kind === 'agent' && !e.done ? { ...e, done: true } : e));
      if (n.params.turn.status === 'interrupted') closed = markInterrupted(closed);
      const end = turnEndNote(n.params.turn);
      return end ? [...closed, end] : closed;
    }
    default:
      return entries;
  }
}

export function upsert(entries: readonly Entry[], entry: Entry): readonly Entry[] {
  const index = findIndex(entries, entry.id);
  if (index === -1) return [...entries, entry];
  const copy = entries.slice();
  copy[index] = entry;
  return copy;
}

export function update(
  entries: readonly Entry[],
  id: string,
  change: (entry: Entry) => Entry,
): readonly Entry[] {
  const index = findIndex(entries, id);
  if (index === -1) return entries;
  const copy = entries.slice();
  copy[index] = change(entries[index]!);
  return copy;
}

/** Recent entries change most: search from the end. */
function findIndex(entries: readonly Entry[], id: string): number {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i]!.id === id) return i;
  return -1;
}
