// Stores with data, and the ways issue 17 damaged them: emptied (truncate -s 0), cut in half,
// a garbage header, a 4 KiB file of noise, garbage in a page in the middle.
import { closeSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { openDb } from '../../src/store/db.ts';
import { ThreadStore } from '../../src/store/thread-store.ts';

/** A store in `home` with `threads` threads of 20 events each; answers its path. */
export function storeWithData(home: string, threads: number): string {
  const path = join(home, 'yoke.db');
  const store = new ThreadStore(openDb(path));
  for (let i = 0; i < threads; i++) {
    const id = `thread-${String(i).padStart(3, '0')}`;
    store.createThread({
      id,
      createdAt: 1_700_000_000_000 + i,
      updatedAt: 1_700_000_000_000 + i,
      cwd: '/repo',
      model: 'm',
      modelProvider: 'openai',
      name: null,
      preview: `thread number ${i}`,
      source: 'exec',
      forkedFrom: null,
      settings: {},
    });
    for (let j = 0; j < 20; j++) store.append(id, null, 'history', { text: 'y'.repeat(500) });
  }
  store.db.close();
  return path;
}

export type Damage = 'empty' | 'half' | 'garbage header' | '4 KiB of noise' | 'middle page';

/** Deterministic noise (a fixed pattern, not random: the same damage every run). */
function noise(bytes: number): Buffer {
  return Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 131 + 7) & 0xff));
}

export function damage(path: string, how: Damage): void {
  const size = statSync(path).size;
  const write = (at: number, data: Buffer) => {
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, data, 0, data.length, at);
    } finally {
      closeSync(fd);
    }
  };
  switch (how) {
    case 'empty':
      return truncateSync(path, 0);
    case 'half':
      return truncateSync(path, Math.floor(size / 2 / 4096) * 4096);
    case 'garbage header':
      return write(0, noise(100));
    case '4 KiB of noise':
      truncateSync(path, 0);
      return write(0, noise(4096));
    case 'middle page': {
      const page = Math.floor(size / 4096 / 2);
      return write(page * 4096, noise(8192));
    }
  }
}

/** The bytes of a file, to show it was left as it was. */
export function bytesOf(path: string): Buffer {
  return readFileSync(path);
}
