// Compaction: the one place history is rewritten. The model writes a hand-off summary of the
// work so far; the new history keeps the thread's preamble (environment, AGENTS.md), a pinned
// record of everything the user asked (verbatim, newest first), the summary and the most recent
// items — so the task survives, which is what users of other harnesses say compaction loses.
import type { HistoryItem, ModelError, StreamFn, Usage } from '../models/types.ts';
import type { EngineEvent } from './events.ts';
import { buildRequest, type PromptSettings } from './prompt.ts';

export const COMPACTION_PROMPT = `Context checkpoint. Your conversation is about to be compacted: everything above will be replaced by the user's own messages, the summary you write now, and the last few steps.

Write a hand-off summary for the model that continues this work. Include:
- the task and every requirement or constraint the user stated, including later corrections;
- what has been done so far: files created or changed (with paths), commands run and what they showed;
- decisions taken and why, and approaches that failed;
- the current state, and the exact next steps.
Be specific and complete, but do not repeat file contents that can be read again. Answer with the summary only.`;

export const SUMMARY_PREFIX =
  'Earlier turns of this conversation were compacted. This is the hand-off summary written at that point:';

export type CompactionBudget = {
  /** Bytes of user messages kept verbatim in the task record. */
  taskRecordBytes: number;
  /** How many of the newest history items are kept as they are. */
  recentItems: number;
};

export const DEFAULT_COMPACTION_BUDGET: CompactionBudget = {
  taskRecordBytes: 24 * 1024,
  recentItems: 6,
};

export type Summarized =
  | { ok: true; summary: string; usage: Usage | null }
  | { ok: false; error: ModelError | { kind: 'aborted'; message: string } };

export type CompactionContext = {
  stream: StreamFn;
  settings: PromptSettings;
  signal: AbortSignal;
  /** Leading history items that are the thread's fixed context (kept as they are). */
  preamble: number;
  /** The id of the contextCompaction item. */
  newId: () => string;
};

export type Compacted =
  | { ok: true; history: HistoryItem[] }
  | { ok: false; error: ModelError | { kind: 'aborted'; message: string } };

/**
 * Compaction, automatic (inside a turn) or manual (a turn of its own): a contextCompaction
 * item, the summary request, then the history is replaced. The one implementation.
 */
export async function* compact(
  ctx: CompactionContext,
  history: readonly HistoryItem[],
): AsyncGenerator<EngineEvent, Compacted> {
  const id = ctx.newId();
  yield { type: 'itemStarted', item: { type: 'contextCompaction', id } };
  const summarized = await summarize(ctx.stream, ctx.settings, history, ctx.signal);
  if (!summarized.ok) {
    yield { type: 'itemCompleted', item: { type: 'contextCompaction', id } };
    return summarized;
  }
  if (summarized.usage) yield { type: 'usage', usage: summarized.usage };
  const next = compactedHistory(history, ctx.preamble, summarized.summary);
  yield { type: 'historyReplaced', history: next };
  yield {
    type: 'itemCompleted',
    item: { type: 'contextCompaction', id, summary: summarized.summary },
  };
  return { ok: true, history: next };
}

/** Asks the model for the summary: the history as is, then the compaction prompt, no tools. */
export async function summarize(
  stream: StreamFn,
  settings: PromptSettings,
  history: readonly HistoryItem[],
  signal: AbortSignal,
): Promise<Summarized> {
  const prompt: HistoryItem = {
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text: COMPACTION_PROMPT }],
  };
  const request = buildRequest({ ...settings, outputSchema: null }, [], [...history, prompt]);
  let text = '';
  let usage: Usage | null = null;
  for await (const event of stream(request, signal)) {
    if (event.type === 'item' && event.item.type === 'message' && event.item.role === 'assistant') {
      text += event.item.content.map((p) => ('text' in p ? p.text : '')).join('');
    } else if (event.type === 'usage') usage = event.usage;
    else if (event.type === 'end') {
      if (event.stop.type === 'aborted')
        return { ok: false, error: { kind: 'aborted', message: 'compaction interrupted' } };
      if (event.stop.type === 'error') return { ok: false, error: event.stop.error };
    }
  }
  if (!text.trim())
    return {
      ok: false,
      error: { kind: 'protocol', message: 'the model returned an empty summary' },
    };
  return { ok: true, summary: text.trim(), usage };
}

/**
 * The history after compaction: preamble, task record, summary, recent items. Pure.
 * `preamble` is how many leading items are the thread's fixed context.
 */
export function compactedHistory(
  history: readonly HistoryItem[],
  preamble: number,
  summary: string,
  budget: CompactionBudget = DEFAULT_COMPACTION_BUDGET,
): HistoryItem[] {
  const head = history.slice(0, preamble);
  const body = history.slice(preamble);
  const recent = recentItems(body, budget.recentItems);
  const older = body.slice(0, body.length - recent.length);
  const out: HistoryItem[] = [...head];
  const record = taskRecord(older, budget.taskRecordBytes);
  if (record) out.push(userText(record));
  out.push(userText(`${SUMMARY_PREFIX}\n\n${summary}`));
  out.push(...recent);
  return out;
}

/** The user's own messages (not notes Yoke added), verbatim, newest first, within a budget. */
function taskRecord(items: readonly HistoryItem[], budgetBytes: number): string | null {
  const messages = items
    .filter((i) => i.type === 'message' && i.role === 'user')
    .map((i) =>
      (i as { content: { type: string; text?: string }[] }).content
        .map((p) => p.text ?? '[image]')
        .join('\n'),
    )
    .filter(
      (text) =>
        !text.startsWith('<turn_aborted>') &&
        !text.startsWith(SUMMARY_PREFIX) &&
        !text.startsWith('<task_record>'),
    );
  // Earlier task records are carried forward: their messages are older than any new ones.
  const carried = items
    .filter((i) => i.type === 'message' && i.role === 'user')
    .map((i) => (i as { content: { text?: string }[] }).content[0]?.text ?? '')
    .filter((t) => t.startsWith('<task_record>'))
    .flatMap((t) => t.replace(/^<task_record>\n[^\n]*\n|\n<\/task_record>$/g, '').split('\n---\n'));
  const all = [...messages.reverse(), ...carried.filter(Boolean)];
  if (all.length === 0) return null;
  const kept: string[] = [];
  let used = 0;
  for (const message of all) {
    const size = Buffer.byteLength(message) + 5;
    if (used + size > budgetBytes) {
      kept.push(`[${all.length - kept.length} older messages not kept]`);
      break;
    }
    kept.push(message);
    used += size;
  }
  return `<task_record>\nEverything the user asked in this thread, newest first:\n${kept.join('\n---\n')}\n</task_record>`;
}

/** The newest `count` items, never starting with a tool output whose call was dropped. */
function recentItems(items: readonly HistoryItem[], count: number): HistoryItem[] {
  let start = Math.max(0, items.length - count);
  while (start < items.length && items[start]!.type === 'function_call_output') start++;
  return items.slice(start);
}

function userText(text: string): HistoryItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}
