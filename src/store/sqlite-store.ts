// The store interface on SQLite (one machine, the default): every write is committed before
// the call returns, so `afterWrites` runs its callback at once and `flush` has nothing to wait
// for. Reads answer from the same connection.
import { openDb, type Db } from './db.ts';
import { Listeners } from './listeners.ts';
import type { ClaimedTask, Store, StoreConflict, TaskStorage, ThreadStorage } from './store.ts';
import { TaskStore } from './task-store.ts';
import { ThreadStore } from './thread-store.ts';

export class SqliteStore implements Store {
  readonly backend = 'sqlite';
  readonly threads: ThreadStorage;
  readonly tasks: TaskStorage;
  /** The synchronous stores underneath (the embedded runtime's own use). */
  readonly threadStore: ThreadStore;
  readonly taskStore: TaskStore;
  private readonly conflicts = new Listeners<StoreConflict>();

  constructor(
    readonly db: Db,
    readonly location: string,
  ) {
    this.threadStore = new ThreadStore(db, (c) => this.conflicts.emit(c));
    this.taskStore = new TaskStore(db, (c) => this.conflicts.emit(c));
    this.threads = asyncThreads(this.threadStore);
    this.tasks = asyncTasks(this.taskStore);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  afterWrites(fn: () => void): void {
    fn();
  }

  onConflict(listener: (conflict: StoreConflict) => void): () => void {
    return this.conflicts.listen(listener);
  }

  health(): { pending: number; unreachableSinceMs: number | null } {
    return { pending: 0, unreachableSinceMs: null };
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

/** Opens (creating if needed) the SQLite store at `path`; ':memory:' gives a throwaway one. */
export function openSqliteStore(path: string): SqliteStore {
  return new SqliteStore(openDb(path), path);
}

function asyncThreads(s: ThreadStore): ThreadStorage {
  return {
    createThread: (row) => s.createThread(row),
    append: (threadId, turnId, kind, data) => s.append(threadId, turnId, kind, data),
    touchThread: (threadId, fields) => s.touchThread(threadId, fields),
    setName: (threadId, name) => s.setName(threadId, name),
    setArchived: (threadId, archived) => s.setArchived(threadId, archived),
    deleteThread: (threadId) => s.deleteThread(threadId),
    copyEvents: (fromId, toId, upto) => s.copyEvents(fromId, toId, upto),
    getThread: async (id) => s.getThread(id),
    latestThread: async (cwd) => s.latestThread(cwd),
    listThreads: async (query) => s.listThreads(query),
    events: async (threadId) => s.events(threadId),
    threadsWithOpenApprovals: async () => s.threadsWithOpenApprovals(),
  };
}

function asyncTasks(s: TaskStore): TaskStorage {
  return {
    insert: async (row) => s.insert(row),
    get: async (id) => s.get(id),
    claim: async (id, owner): Promise<ClaimedTask | null> => s.claim(id, owner),
    update: (id, status, state, at) => s.update(id, status, state, at),
    list: async (query) => s.list(query),
    withStatus: async (statuses) => s.withStatus(statuses),
    repos: async () => s.repos(),
    appendLog: (taskId, data, at) => s.appendLog(taskId, data, at),
    log: async (taskId, afterSeq, limit) => s.log(taskId, afterSeq, limit),
  };
}
