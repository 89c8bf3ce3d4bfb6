// thread/search: stored threads whose name, preview or messages contain a term (case does not
// matter), each with a snippet around the first match. It reads the threads' stored turns, so
// it costs a pass over the store; the Codex TUI calls it from its /resume picker. A fleet front
// searches its workers' threads too.
import type { ParamsOf, ResultOf } from '../protocol/methods.ts';
import type { Thread } from '../protocol/thread.ts';
import { RuntimeError } from '../runtime/errors.ts';
import type { SharedThreads } from '../runtime/fleet-threads.ts';
import type { ThreadManager } from '../runtime/thread-manager.ts';

type SearchResult = ResultOf<'thread/search'>['data'][number];

const SNIPPET_BEFORE = 30;
const SNIPPET_LENGTH = 120;
const DEFAULT_LIMIT = 25;

/** `…text around the match…`, on one line. */
export function snippetAround(text: string, at: number, length: number): string {
  const start = Math.max(0, at - SNIPPET_BEFORE);
  const end = Math.min(text.length, Math.max(at + length, start + SNIPPET_LENGTH));
  const body = text.slice(start, end).replace(/\s+/g, ' ').trim();
  return `${start > 0 ? '…' : ''}${body}${end < text.length ? '…' : ''}`;
}

/** The texts a person would search a thread by: its name, preview, and every message. */
function* textsOf(thread: Thread): Generator<string> {
  if (thread.name) yield thread.name;
  if (thread.preview) yield thread.preview;
  for (const turn of thread.turns ?? [])
    for (const item of turn.items) {
      if (item.type === 'agentMessage') yield item.text;
      else if (item.type === 'userMessage')
        for (const part of item.content) if (part.type === 'text') yield part.text;
    }
}

function match(thread: Thread, term: string): string | null {
  for (const text of textsOf(thread)) {
    const at = text.toLowerCase().indexOf(term);
    if (at >= 0) return snippetAround(text, at, term.length);
  }
  return null;
}

/**
 * The search. On a fleet front (`shared`), the threads its workers ran are searched too, read
 * from the shared store, as thread/list lists them with the front's own.
 */
export async function searchThreads(
  manager: ThreadManager,
  params: ParamsOf<'thread/search'>,
  shared?: SharedThreads,
): Promise<ResultOf<'thread/search'>> {
  const term = params.searchTerm.trim().toLowerCase();
  if (!term) throw new RuntimeError('input_invalid', 'thread/search: searchTerm is empty');
  const offset = params.cursor ? Number(params.cursor) : 0;
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new RuntimeError(
      'bad_cursor',
      `thread/search: not a cursor of this search: ${params.cursor}`,
    );
  const found: SearchResult[] = [];
  let cursor: string | null = null;
  do {
    const query = { archived: params.archived ?? false, limit: 200, ...(cursor ? { cursor } : {}) };
    const page = manager.listThreads(query, shared ? await shared.list(query) : undefined);
    for (const listed of page.data) {
      // Off a fleet every listed thread is this process's own: no need to ask which.
      const thread =
        !shared || manager.knows(listed.id)
          ? manager.readThread(listed.id, true)
          : (await shared.read(listed.id))?.thread;
      const snippet = thread ? match(thread, term) : null;
      if (snippet !== null) found.push({ thread: listed, snippet });
    }
    cursor = page.nextCursor;
  } while (cursor);
  const key = params.sortKey === 'created_at' || !params.sortKey ? 'createdAt' : 'updatedAt';
  const sign = params.sortDirection === 'asc' ? 1 : -1;
  found.sort(
    (a, b) =>
      sign * (a.thread[key] - b.thread[key]) ||
      sign * (a.thread.id < b.thread.id ? -1 : a.thread.id > b.thread.id ? 1 : 0),
  );
  const limit = Math.max(1, params.limit ?? DEFAULT_LIMIT);
  const data = found.slice(offset, offset + limit);
  const next = offset + limit < found.length ? String(offset + limit) : null;
  return { data, nextCursor: next, backwardsCursor: null };
}
