// The thread store under YOKE_HOME (yoke.db), opened, checked and migrated (store/db.ts). The
// app server's start-up stage opens it before answering initialize and hands it over; the
// thread manager opens it on first use otherwise.
import { join } from 'node:path';
import { openDb } from '../store/db.ts';
import { ThreadStore } from '../store/thread-store.ts';

export type { ThreadStore };

export function openHomeStore(home: string): ThreadStore {
  return new ThreadStore(openDb(join(home, 'yoke.db')));
}
