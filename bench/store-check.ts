// The store-check benchmark (issue 17): what `PRAGMA quick_check` costs at every start, and
// the full `integrity_check` of `yoke doctor`, on stores of growing size (threads with 40 events
// of ~1 KiB each, as long agent turns leave them).
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../src/store/db.ts';
import { checkIntegrity } from '../src/store/store-health.ts';
import { ThreadStore } from '../src/store/thread-store.ts';
import { tempDir } from '../test/support/cli.ts';

function fill(path: string, threads: number): void {
  const store = new ThreadStore(openDb(path));
  const payload = { text: 'x'.repeat(1000) };
  const insert = store.db.transaction((first: number) => {
    for (let i = first; i < Math.min(threads, first + 500); i++) {
      const id = `thread-${i}`;
      store.createThread({
        id,
        createdAt: i,
        updatedAt: i,
        cwd: '/repo',
        model: 'm',
        modelProvider: 'openai',
        name: null,
        preview: `thread ${i}`,
        source: 'exec',
        forkedFrom: null,
        settings: {},
      });
      for (let j = 0; j < 40; j++) store.append(id, null, 'history', payload);
    }
  });
  for (let first = 0; first < threads; first += 500) insert(first);
  store.db.close();
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

export async function benchStoreCheck(): Promise<void> {
  const dir = tempDir('bench-store');
  try {
    console.log(
      'store check: threads | MB | open+quick_check ms | quick_check ms | integrity_check ms',
    );
    for (const threads of [100, 1000, 5000]) {
      const path = join(dir, `yoke-${threads}.db`);
      fill(path, threads);
      const mb = statSync(path).size / 1048576;
      const open = time(() => openDb(path).close());
      const db = openDb(path);
      const quick = time(() => checkIntegrity(db));
      const full = time(() => checkIntegrity(db, true));
      db.close();
      console.log(
        `  ${threads} | ${mb.toFixed(1)} | ${open.toFixed(0)} | ${quick.toFixed(0)} | ${full.toFixed(0)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
