// The store backends the shared store suite runs on: SQLite in a temp dir, and PostgreSQL (a
// server of the test file's own, a fresh database per test).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { openPgStore } from '../../src/store/pg-store.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { tempDir } from './cli.ts';
import { startPostgres, type PostgresServer } from './postgres-server.ts';

type Cleanup = { after: (fn: () => Promise<void> | void) => void };

/** One place a test's stores live: `open()` may be called again for a second process's view. */
export type StorePlace = {
  open(log?: (line: string) => void): Promise<Store>;
  /** Sets the schema version past what this Yoke knows. */
  makeTooNew(): Promise<void>;
};

export type Backend = { name: 'sqlite' | 'postgres'; place(t: Cleanup): Promise<StorePlace> };

export const sqliteBackend: Backend = {
  name: 'sqlite',
  place: async (t) => {
    const path = join(tempDir('store', t), 'yoke.db');
    return {
      open: async () => {
        const store = openSqliteStore(path);
        t.after(() => store.close());
        return store;
      },
      makeTooNew: async () => {
        const store = openSqliteStore(path);
        store.db.pragma('user_version = 99');
        await store.close();
      },
    };
  },
};

/** PostgreSQL: one server for the whole file (started on first use), a database per test. */
export function postgresBackend(): Backend & { stop(): Promise<void> } {
  let server: Promise<PostgresServer> | null = null;
  const cleanups: (() => Promise<void> | void)[] = [];
  return {
    name: 'postgres',
    /** Call from the file's `after`: stops the server if it was started. */
    stop: async () => {
      for (const fn of cleanups.splice(0).reverse()) await fn();
    },
    place: async (t) => {
      server ??= startPostgres({ after: (fn) => cleanups.push(fn) });
      const pgServer = await server;
      const name = `t_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client(pgServer.url);
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = pgServer.url.replace(/\/postgres$/, `/${name}`);
      return {
        open: async (log) => {
          const store = await openPgStore(url, { log: log ?? (() => {}) });
          t.after(() => store.close(2000));
          return store;
        },
        makeTooNew: async () => {
          const client = new pg.Client(url);
          await client.connect();
          await client.query('UPDATE yoke_schema SET version = 99');
          await client.end();
        },
      };
    },
  };
}
