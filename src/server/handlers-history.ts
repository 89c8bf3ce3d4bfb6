// Handlers of a thread's history a page at a time, its read state, and the per-thread lists
// Codex clients ask for on resume. Cursors are opaque strings naming the first entry of the
// next page ("t:<turnId>", "i:<itemId>"); a page in either direction starts at that entry.
import type { ThreadItem } from '../protocol/items.ts';
import type { TurnsPage } from '../protocol/methods-history.ts';
import type { ParamsOf } from '../protocol/methods.ts';
import type { Turn } from '../protocol/thread.ts';
import { RuntimeError } from '../runtime/errors.ts';
import type { AppServer } from './app-server.ts';
import type { Handlers } from './router.ts';

const DEFAULT_TURNS = 25;
const DEFAULT_ITEMS = 100;

type Direction = 'asc' | 'desc';
type Page<T> = { data: T[]; nextCursor: string | null; backwardsCursor: string | null };

/**
 * One page of `list` (oldest first) in `direction`: from the entry named `start` (inclusive)
 * or after `after` (exclusive), else from the first entry in that direction.
 */
export function pageOf<T>(
  list: readonly T[],
  keyOf: (entry: T) => string,
  options: { start?: string | null; after?: string | null; limit: number; direction: Direction },
): Page<T> {
  const ordered = options.direction === 'asc' ? list : [...list].reverse();
  const find = (key: string) => {
    const at = ordered.findIndex((entry) => keyOf(entry) === key);
    if (at < 0) throw new RuntimeError('input_invalid', `cursor ${key} names nothing here`);
    return at;
  };
  const from = options.start ? find(options.start) : options.after ? find(options.after) + 1 : 0;
  const limit = Math.max(1, options.limit);
  const data = ordered.slice(from, from + limit);
  const next = ordered[from + limit];
  const previous = from > 0 ? ordered[from - 1] : undefined;
  return {
    data,
    nextCursor: next === undefined ? null : keyOf(next),
    backwardsCursor: previous === undefined ? null : keyOf(previous),
  };
}

const turnKey = (turn: Turn) => `t:${turn.id}`;

/** A turn as `itemsView` shows it: summary keeps the user's input and the final answer. */
export function viewTurn(turn: Turn, view: 'notLoaded' | 'summary' | 'full'): Turn {
  if (view === 'full') return { ...turn, itemsView: 'full' };
  if (view === 'notLoaded') return { ...turn, items: [], itemsView: 'notLoaded' };
  const answer = turn.items.findLast((item) => item.type === 'agentMessage');
  const items = turn.items.filter((item) => item.type === 'userMessage' || item === answer);
  return { ...turn, items, itemsView: 'summary' };
}

export function turnsPage(
  turns: readonly Turn[],
  params: Pick<ParamsOf<'thread/turns/list'>, 'cursor' | 'limit' | 'sortDirection' | 'itemsView'>,
): TurnsPage {
  const page = pageOf(turns, turnKey, {
    start: params.cursor ?? null,
    limit: params.limit ?? DEFAULT_TURNS,
    direction: params.sortDirection ?? 'desc',
  });
  return { ...page, data: page.data.map((t) => viewTurn(t, params.itemsView ?? 'summary')) };
}

type Entry = { turnId: string; item: ThreadItem };

export function historyHandlers(server: AppServer): Handlers {
  const { manager } = server;
  // On a fleet front, a worker's thread is read from the shared store.
  const turnsOf = async (threadId: string): Promise<Turn[]> =>
    (await server.remoteThread(threadId))?.thread.turns ?? manager.readThread(threadId, true).turns;
  const revisionOf = (turns: Turn[]) => turns.at(-1)?.id ?? '';

  return {
    'thread/turns/list': async (params) => turnsPage(await turnsOf(params.threadId), params),
    'thread/items/list': async (params) => {
      const turns = await turnsOf(params.threadId);
      const entries: Entry[] = turns
        .filter((turn) => !params.turnId || turn.id === params.turnId)
        .flatMap((turn) => turn.items.map((item) => ({ turnId: turn.id, item })));
      if (params.turnId && !entries.length && !turns.length) {
        throw new RuntimeError('turn_not_found', `thread ${params.threadId} has no turns`);
      }
      const cursor = params.cursor ?? null;
      const anchor = cursor && typeof cursor === 'object' ? `i:${cursor.itemId}` : null;
      if (anchor && !params.turnId)
        throw new RuntimeError('input_invalid', 'an item anchor cursor needs a turnId');
      return pageOf(entries, (e) => `i:${e.item.id}`, {
        start: typeof cursor === 'string' ? cursor : null,
        after: anchor,
        limit: params.limit ?? DEFAULT_ITEMS,
        direction: params.sortDirection ?? 'asc',
      });
    },
    'thread/readState/update': async (params) => {
      const turns = await turnsOf(params.threadId);
      const revision = revisionOf(turns);
      if (params.expectedRevision !== revision) {
        throw new RuntimeError(
          'input_invalid',
          `thread ${params.threadId} changed (revision ${revision || '""'}, not ` +
            `${params.expectedRevision || '""'}): read it again`,
        );
      }
      const last = turns.at(-1);
      const firstUnread =
        params.operation.type === 'read'
          ? null
          : last
            ? { type: 'turn' as const, turnId: last.id }
            : { type: 'threadStart' as const };
      const readState = { firstUnread, revision };
      server.readStates.set(params.threadId, readState);
      return { readState };
    },
    'thread/goal/get': (params) => {
      manager.readThread(params.threadId, false); // an unknown thread is an error
      return { goal: null };
    },
    'thread/backgroundTerminals/list': (params) => {
      manager.readThread(params.threadId, false);
      return { data: [], nextCursor: null };
    },
  };
}
