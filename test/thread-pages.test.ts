// Two stores' thread listings paged as one (a fleet front's own threads and the shared store's):
// every thread once, in the order one store holding them all would list them, whatever the page
// size — also when threads of both stores changed in the same millisecond.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDb } from '../src/store/db.ts';
import { mergeThreadPages } from '../src/store/thread-pages.ts';
import { pageLimit, ThreadStore, type ThreadQuery } from '../src/store/thread-store.ts';

test(
  'thread pages of two stores merge into the one listing, by cursor',
  { timeout: 10_000 },
  () => {
    const [own, shared, all] = [0, 1, 2].map(() => new ThreadStore(openDb(':memory:')));
    // Updated at 1..12 ms, some at the same ms in both stores; ids as unordered as updates.
    const times = [5, 3, 9, 9, 1, 12, 7, 7, 2, 10, 4, 9];
    times.forEach((updatedAt, i) => {
      const row = {
        id: `t${(i * 7) % 12}`.padEnd(4, 'x'),
        createdAt: 0,
        updatedAt,
        cwd: '/w',
        model: null,
        modelProvider: 'mock',
        name: null,
        preview: '',
        source: 'appServer',
        forkedFrom: null,
        settings: {},
      };
      (i % 3 === 0 ? own : shared)!.createThread(row);
      all!.createThread(row);
    });
    const expected = all!.listThreads({ limit: 500 }).rows.map((r) => r.id);
    assert.equal(expected.length, times.length);
    for (const limit of [1, 2, 5, 12, 50]) {
      const listed: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const query: ThreadQuery = { limit, ...(cursor ? { cursor } : {}) };
        const page = mergeThreadPages(
          own!.listThreads(query),
          shared!.listThreads(query),
          pageLimit(query),
        );
        assert.ok(page.rows.length <= limit);
        listed.push(...page.rows.map((r) => r.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      assert.deepEqual(listed, expected, `pages of ${limit}`);
    }
  },
);
