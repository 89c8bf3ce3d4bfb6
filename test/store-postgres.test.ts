// What only the PostgreSQL store has: a server that goes away and comes back (writes wait, in
// order, and land; the outage is logged once each way; reads fail clearly), and a URL whose
// password never shows in a message.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openPgStore } from '../src/store/pg-store.ts';
import { freePort } from './support/services.ts';
import { startPostgres, type PostgresServer } from './support/postgres-server.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});
let started: Promise<PostgresServer> | null = null;
/** One server for the file. */
const postgres = () => (started ??= startPostgres({ after: (fn) => cleanups.push(fn) }));

const thread = (id: string) => ({
  id,
  createdAt: 1,
  updatedAt: 1,
  cwd: '/w',
  model: null,
  modelProvider: 'openai',
  name: null,
  preview: '',
  source: 'exec',
  forkedFrom: null,
  settings: {},
});

test(
  'postgres outage: writes wait in order and land; reads fail clearly; logged once each way',
  { timeout: 120_000 },
  async (t) => {
    const server = await postgres();
    const lines: string[] = [];
    let unreachable: () => void = () => {};
    const said = new Promise<void>((resolve) => (unreachable = resolve));
    const store = await openPgStore(server.url, {
      log: (line) => {
        lines.push(line);
        if (/unreachable/.test(line)) unreachable();
      },
    });
    const reader = await openPgStore(server.url, { log: () => {} });
    t.after(() => Promise.all([store.close(2000), reader.close(2000)]));
    store.threads.createThread(thread('o'));
    store.threads.append('o', null, 'history', { n: 0 });
    await store.flush();

    await server.stop();
    for (let n = 1; n <= 20; n++) store.threads.append('o', null, 'history', { n });
    let stored = false;
    store.afterWrites(() => (stored = true));
    await said;
    assert.equal(stored, false);
    assert.ok(store.health().pending > 0);
    assert.ok(store.health().unreachableSinceMs !== null);
    await assert.rejects(reader.threads.events('o'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'store_unavailable');
      assert.match(
        err.message,
        /PostgreSQL store at postgres:\/\/127\.0\.0\.1:\d+\/postgres is unreachable/,
      );
      return true;
    });

    await server.start();
    await store.flush();
    assert.equal(stored, true);
    assert.deepEqual(
      (await reader.threads.events('o')).map((e) => (e.data as { n: number }).n),
      Array.from({ length: 21 }, (_, n) => n),
    );
    assert.deepEqual(store.health(), { pending: 0, unreachableSinceMs: null });
    assert.equal(lines.filter((l) => /unreachable/.test(l)).length, 1);
    assert.equal(lines.filter((l) => /reachable again after \d+\.\d s/.test(l)).length, 1);
    for (const line of lines) assert.ok(!line.includes(server.password), line);
  },
);

test(
  'postgres: a store that cannot be opened says where, never with the password',
  { timeout: 120_000 },
  async () => {
    const server = await postgres();
    const wrong = server.url.replace(server.password, 'not-the-password-s3cret');
    await assert.rejects(openPgStore(wrong), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'store_open_failed');
      assert.match(err.message, /127\.0\.0\.1:\d+\/postgres/);
      assert.match(err.message, /password authentication failed/);
      assert.ok(!err.message.includes('not-the-password-s3cret'));
      return true;
    });
    const port = await freePort();
    await assert.rejects(
      openPgStore(`postgres://postgres:hunter2-s3cret@127.0.0.1:${port}/postgres`),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'store_open_failed');
        assert.match(err.message, /ECONNREFUSED/);
        assert.ok(!err.message.includes('hunter2-s3cret'));
        return true;
      },
    );
  },
);
