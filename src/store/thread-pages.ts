// One page of threads from two stores (a fleet front's own and the shared one), as if they were
// one: both order by (updatedAt, id) descending and both read the same cursor — the last row's
// (updatedAt, id) — so the merged page is the first `limit` rows of the two pages' union, and
// the next page, asked of both with that row's cursor, starts right after it.
import { encodeCursor, type ThreadRow } from './thread-store.ts';

export type ThreadPage = { rows: ThreadRow[]; nextCursor: string | null };

/**
 * Merges two pages read with the same query; a thread in both is listed once, as `first` has
 * it.
 */
export function mergeThreadPages(first: ThreadPage, second: ThreadPage, limit: number): ThreadPage {
  const seen = new Set(first.rows.map((r) => r.id));
  const union = [...first.rows, ...second.rows.filter((r) => !seen.has(r.id))].sort(
    (a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
  const rows = union.slice(0, limit);
  const more = union.length > limit || first.nextCursor !== null || second.nextCursor !== null;
  const last = rows.at(-1);
  return { rows, nextCursor: more && last ? encodeCursor(last.updatedAt, last.id) : null };
}
