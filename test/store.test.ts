// The store interface's one test suite, run against SQLite and against PostgreSQL (a server of
// this file's own): threads and their logs, tasks and theirs, claims, single writers, ordering.
import assert from 'node:assert/strict';
import { after, test, type TestContext } from 'node:test';
import type { Store, StoreConflict } from '../src/store/store.ts';
import { postgresBackend, sqliteBackend, type Backend } from './support/stores.ts';

const postgres = postgresBackend();
after(() => postgres.stop());

const thread = (id: string, cwd = '/w', updatedAt = 1) => ({
  id,
  createdAt: 1,
  updatedAt,
  cwd,
  model: 'm',
  modelProvider: 'openai',
  name: null,
  preview: '',
  source: 'exec',
  forkedFrom: null,
  settings: { model: 'm', z: 1, a: 2 },
});

const conflicts = (store: Store): StoreConflict[] => {
  const seen: StoreConflict[] = [];
  store.onConflict((c) => seen.push(c));
  return seen;
};

for (const backend of [sqliteBackend, postgres] as Backend[]) {
  const named = (name: string) => `${backend.name}: ${name}`;
  const open = async (t: TestContext) => (await backend.place(t)).open();

  test(
    named('a thread log replays exactly as written, key order included'),
    { timeout: 60_000 },
    async (t) => {
      const store = await open(t);
      store.threads.createThread(thread('a'));
      const item = { type: 'message', role: 'user', zeta: 1, alpha: { y: [1, 'é'], b: null } };
      assert.equal(store.threads.append('a', null, 'history', { item }), 0);
      assert.equal(store.threads.append('a', 't1', 'turnStarted', { startedAtMs: 5 }), 1);
      const events = await store.threads.events('a');
      assert.deepEqual(
        events.map((e) => [e.seq, e.turnId, e.kind]),
        [
          [0, null, 'history'],
          [1, 't1', 'turnStarted'],
        ],
      );
      assert.equal(JSON.stringify(events[0]!.data), JSON.stringify({ item }));
      assert.ok(events[0]!.at > 0);
      const row = await store.threads.getThread('a');
      assert.equal(JSON.stringify(row!.settings), JSON.stringify(thread('a').settings));
      assert.equal(row!.archived, false);
      assert.equal(await store.threads.getThread('nope'), null);
    },
  );

  test(
    named('touch, name, archive; list pages newest first with filters'),
    { timeout: 60_000 },
    async (t) => {
      const store = await open(t);
      store.threads.createThread(thread('t1', '/a', 10));
      store.threads.createThread(thread('t2', '/b', 20));
      store.threads.createThread(thread('t3', '/a', 30));
      store.threads.touchThread('t1', { preview: 'Fix The Parser' });
      store.threads.touchThread('t1', { preview: 'later preview is ignored', settings: { x: 1 } });
      store.threads.setName('t2', 'Release notes 50%_off');
      store.threads.setArchived('t3', true);
      const t1 = await store.threads.getThread('t1');
      assert.equal(t1!.preview, 'Fix The Parser');
      assert.deepEqual(t1!.settings, { x: 1 });
      assert.ok(t1!.updatedAt > 30);
      const page1 = await store.threads.listThreads({ limit: 1 });
      assert.deepEqual(
        page1.rows.map((r) => r.id),
        ['t1'],
      );
      const page2 = await store.threads.listThreads({ limit: 1, cursor: page1.nextCursor! });
      assert.deepEqual(
        page2.rows.map((r) => r.id),
        ['t2'],
      );
      assert.equal(page2.nextCursor, null);
      const ids = async (q: Parameters<Store['threads']['listThreads']>[0]) =>
        (await store.threads.listThreads(q)).rows.map((r) => r.id);
      assert.deepEqual(await ids({ cwd: '/a' }), ['t1']);
      assert.deepEqual(await ids({ archived: true }), ['t3']);
      assert.deepEqual(await ids({ searchTerm: 'fix the' }), ['t1']);
      assert.deepEqual(await ids({ searchTerm: '50%_' }), ['t2']);
      assert.deepEqual(await ids({ searchTerm: '0%x' }), []);
      await assert.rejects(store.threads.listThreads({ cursor: 'garbage' }), /invalid cursor/);
      assert.equal((await store.threads.latestThread())!.id, 't1');
      assert.equal((await store.threads.latestThread('/b'))!.id, 't2');
      assert.equal(await store.threads.latestThread('/none'), null);
    },
  );

  test(named('delete: the thread and its log are gone'), { timeout: 60_000 }, async (t) => {
    const store = await open(t);
    store.threads.createThread(thread('d1'));
    store.threads.createThread(thread('d2'));
    store.threads.append('d1', null, 'k', { n: 1 });
    store.threads.append('d2', null, 'k', { n: 2 });
    store.threads.deleteThread('d1');
    assert.equal(await store.threads.getThread('d1'), null);
    assert.deepEqual(await store.threads.events('d1'), []);
    assert.equal((await store.threads.events('d2')).length, 1, 'others keep theirs');
    assert.deepEqual(
      (await store.threads.listThreads()).rows.map((r) => r.id),
      ['d2'],
    );
  });

  test(named('fork copies a prefix; open approvals are found'), { timeout: 60_000 }, async (t) => {
    const store = await open(t);
    store.threads.createThread(thread('src'));
    for (let i = 0; i < 4; i++) store.threads.append('src', null, 'history', { i });
    store.threads.createThread({ ...thread('fork'), forkedFrom: 'src' });
    store.threads.copyEvents('src', 'fork', 1);
    const copied = await store.threads.events('fork');
    assert.deepEqual(
      copied.map((e) => (e.data as { i: number }).i),
      [0, 1],
    );
    assert.equal(store.threads.append('fork', null, 'history', { i: 9 }), 2);

    store.threads.createThread(thread('asks'));
    store.threads.append('asks', 'u1', 'turnStarted', { startedAtMs: 1 });
    store.threads.append('asks', 'u1', 'approvalRequested', { approvalId: 'q1' });
    store.threads.append('asks', 'u1', 'approvalRequested', { approvalId: 'q2' });
    store.threads.append('asks', 'u1', 'approval', { approvalId: 'q1', decision: 'accept' });
    store.threads.createThread(thread('answered'));
    store.threads.append('answered', 'u2', 'approvalRequested', { approvalId: 'q3' });
    store.threads.append('answered', 'u2', 'approval', { approvalId: 'q3' });
    store.threads.createThread(thread('ended'));
    store.threads.append('ended', 'u3', 'approvalRequested', { approvalId: 'q4' });
    store.threads.append('ended', 'u3', 'turnCompleted', { status: 'interrupted' });
    assert.deepEqual(await store.threads.threadsWithOpenApprovals(), ['asks']);
  });

  test(
    named('tasks: FIFO order, pages newest first, the log appends'),
    { timeout: 60_000 },
    async (t) => {
      const store = await open(t);
      const seqs: number[] = [];
      for (const id of ['t1', 't2', 't3']) {
        const row = await store.tasks.insert({
          id,
          createdAt: 1,
          status: 'queued',
          repo: id === 't3' ? '/s' : '/r',
          spec: { id },
          state: {},
        });
        seqs.push(row.seq);
      }
      assert.ok(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!);
      store.tasks.update('t2', 'running', { node: 'x', deep: { b: 1, a: 2 } }, 50);
      assert.deepEqual(
        (await store.tasks.withStatus(['queued', 'running'])).map((r) => r.id),
        ['t1', 't2', 't3'],
      );
      assert.deepEqual(
        (await store.tasks.withStatus(['running'])).map((r) => r.id),
        ['t2'],
      );
      const page1 = await store.tasks.list({ limit: 2 });
      assert.deepEqual(
        page1.rows.map((r) => r.id),
        ['t3', 't2'],
      );
      const page2 = await store.tasks.list({ limit: 2, cursor: page1.nextCursor! });
      assert.deepEqual(
        page2.rows.map((r) => r.id),
        ['t1'],
      );
      assert.equal(page2.nextCursor, null);
      assert.deepEqual(
        (await store.tasks.list({ statuses: ['queued'], repo: '/r' })).rows.map((r) => r.id),
        ['t1'],
      );
      await assert.rejects(store.tasks.list({ cursor: 'x' }), /not a task list cursor/);
      const t2 = await store.tasks.get('t2');
      assert.equal(JSON.stringify(t2!.state), JSON.stringify({ node: 'x', deep: { b: 1, a: 2 } }));
      assert.equal(t2!.updatedAt, 50);
      assert.equal(t2!.status, 'running');
      assert.deepEqual((await store.tasks.repos()).sort(), ['/r', '/s']);
      assert.equal(store.tasks.appendLog('t1', (seq) => ({ type: 'status', seq })).seq, 1);
      assert.equal(store.tasks.appendLog('t1', () => ({ type: 'output', text: 'x' })).seq, 2);
      assert.deepEqual(
        (await store.tasks.log('t1', 1)).map((r) => [r.seq, r.data]),
        [[2, { type: 'output', text: 'x' }]],
      );
      assert.deepEqual(
        (await store.tasks.log('t1', 0, 1)).map((r) => r.data),
        [{ type: 'status', seq: 1 }],
      );
      assert.equal(await store.tasks.get('nope'), null);
    },
  );

  test(
    named('a claim takes a task over: the older holder is refused'),
    { timeout: 60_000 },
    async (t) => {
      const place = await backend.place(t);
      const front = await place.open();
      const a = await place.open();
      const b = await place.open();
      await front.tasks.insert({
        id: 'k',
        createdAt: 1,
        status: 'queued',
        repo: '/r',
        spec: {},
        state: {},
      });
      front.tasks.appendLog('k', () => ({ by: 'front' }));
      await front.flush();
      const seenA = conflicts(a);
      const claimA = await a.tasks.claim('k', 'worker-a');
      assert.equal(claimA!.attempt, 1);
      assert.equal(claimA!.owner, 'worker-a');
      a.tasks.update('k', 'running', { by: 'a' });
      assert.equal(a.tasks.appendLog('k', () => ({ by: 'a' })).seq, 2);
      await a.flush();
      const claimB = await b.tasks.claim('k', 'worker-b');
      assert.equal(claimB!.attempt, 2);
      assert.deepEqual(claimB!.state, { by: 'a' });
      b.tasks.update('k', 'running', { by: 'b' });
      assert.equal(b.tasks.appendLog('k', () => ({ by: 'b' })).seq, 3);
      a.tasks.update('k', 'succeeded', { by: 'a, late' });
      a.tasks.appendLog('k', () => ({ by: 'a, late' }));
      await Promise.all([a.flush(), b.flush()]);
      assert.deepEqual((await b.tasks.get('k'))!.state, { by: 'b' });
      assert.deepEqual(
        (await b.tasks.log('k')).map((r) => r.data),
        [{ by: 'front' }, { by: 'a' }, { by: 'b' }],
      );
      assert.ok(seenA.length >= 1);
      assert.ok(seenA.every((c) => c.entity === 'task' && c.id === 'k'));
      assert.equal(await a.tasks.claim('nope', 'x'), null);
    },
  );

  test(
    named('a thread log has one writer: a stale one is refused'),
    { timeout: 60_000 },
    async (t) => {
      const place = await backend.place(t);
      const a = await place.open();
      const b = await place.open();
      const seenA = conflicts(a);
      a.threads.createThread(thread('th'));
      a.threads.append('th', 'u1', 'turnStarted', { by: 'a' });
      await a.flush();
      const read = await b.threads.events('th');
      assert.equal(read.length, 1);
      assert.equal(b.threads.append('th', 'u1', 'turnCompleted', { by: 'b' }), 1);
      await b.flush();
      a.threads.append('th', 'u1', 'item', { by: 'a, late' });
      await a.flush();
      assert.deepEqual(
        (await b.threads.events('th')).map((e) => e.data),
        [{ by: 'a' }, { by: 'b' }],
      );
      assert.equal(seenA.length, 1);
      assert.deepEqual([seenA[0]!.entity, seenA[0]!.id], ['thread', 'th']);
    },
  );

  test(
    named('afterWrites runs once what was written before it is stored'),
    { timeout: 60_000 },
    async (t) => {
      const place = await backend.place(t);
      const writer = await place.open();
      const reader = await place.open();
      writer.threads.createThread(thread('w'));
      for (let i = 0; i < 50; i++) writer.threads.append('w', null, 'history', { i });
      const seen = await new Promise<number>((resolve) =>
        writer.afterWrites(() => void reader.threads.events('w').then((e) => resolve(e.length))),
      );
      assert.equal(seen, 50);
      assert.deepEqual(writer.health(), { pending: 0, unreachableSinceMs: null });
    },
  );

  test(
    named('reopening keeps everything; a newer schema is refused'),
    { timeout: 60_000 },
    async (t) => {
      const place = await backend.place(t);
      const first = await place.open();
      first.threads.createThread(thread('keep'));
      first.threads.append('keep', null, 'history', { kept: true });
      await first.close();
      const again = await place.open();
      assert.deepEqual(
        (await again.threads.events('keep')).map((e) => e.data),
        [{ kept: true }],
      );
      await again.close();
      await place.makeTooNew();
      await assert.rejects(place.open(), /written by a newer Yoke/);
    },
  );
}
