// thread/list on a fleet front lists the threads its workers ran (they live in the shared
// store) with the front's own, as one list: a front and a worker as separate processes, on a
// PostgreSQL and a Redis of this test's own, against the mock model. A thread started on the
// front, then a task's thread run by the worker, then another front thread: listed newest
// first, and paged one at a time by cursor, each exactly once; thread/search finds the worker's
// thread by its messages.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { tempDir, yokeEnv } from './support/cli.ts';
import { CodexDriver, type Json } from './support/codex-driver.ts';
import { withDiagnostics } from './support/fleet-harness.ts';
import { fleetOrigin, startProc, stopProc, type Proc } from './support/fleet-procs.ts';
import { startMockModel, text } from './support/mock-model.ts';
import { startPostgres } from './support/postgres-server.ts';
import { startRedis } from './support/redis-server.ts';
import { afterToolOutput, shell } from './support/task-fixtures.ts';

const procs: Proc[] = [];

type Listed = { data: { id: string; updatedAt: number }[]; nextCursor: string | null };

test(
  'fleet: a front’s thread/list holds its workers’ threads, paged by cursor; thread/search finds them',
  { timeout: 180_000 },
  (t) =>
    withDiagnostics(
      () => procs,
      () => listing(t),
    ),
);

async function listing(t: TestContext): Promise<void> {
  t.after(() => Promise.all(procs.splice(0).map(stopProc)));
  const [pg, redis] = await Promise.all([startPostgres(t), startRedis(t)]);
  const mock = await startMockModel((request) =>
    afterToolOutput(request) ? text('written') : shell('printf 42 > answer.txt'),
  );
  t.after(() => mock.close());
  const repo = fleetOrigin(t, null);
  const urls = ['--store', 'env:FLEET_PG', '--queue', 'env:FLEET_REDIS'];
  const services = { FLEET_PG: pg.url, FLEET_REDIS: redis.url };
  const start = async (args: string[], home: string, ready: RegExp) => {
    const proc = await startProc(args, yokeEnv(mock.url, home, services), ready);
    procs.push(proc);
  };
  const home = tempDir('front', t);
  await Promise.all([
    start(['serve', ...urls], home, /yoke serve listening on/),
    start(['worker', ...urls], tempDir('worker', t), /yoke worker \S+ ready/),
  ]);
  const { url } = JSON.parse(readFileSync(join(home, 'serve.json'), 'utf8')) as { url: string };
  const token = readFileSync(join(home, 'serve.token'), 'utf8').trim();
  const client = await CodexDriver.ws(url, { Authorization: `Bearer ${token}` });
  t.after(() => client.close());
  await client.initialize('lister');

  const cwd = tempDir('cwd', t);
  const own = async () =>
    ((await client.request('thread/start', { cwd })) as { thread: Json }).thread.id as string;
  const older = await own();
  const { task } = (await client.request('task/submit', {
    prompt: 'write the answer, as a task',
    repo,
  })) as { task: { id: string } };
  const done = (await client.waitFor(
    'task/updated',
    (p) =>
      (p.task as Json).id === task.id &&
      ['succeeded', 'failed', 'cancelled'].includes((p.task as Json).status as string),
  )) as { task: Json };
  assert.equal(done.task.status, 'succeeded', JSON.stringify(done.task.error));
  const [worker] = done.task.threadIds as string[];
  const newer = await own();

  const whole = (await client.request('thread/list', {})) as Listed;
  assert.deepEqual(
    whole.data.map((th) => th.id),
    [newer, worker, older],
    'newest first, the worker’s thread among the front’s',
  );
  assert.equal(whole.nextCursor, null);

  const paged: string[] = [];
  let cursor: string | null = null;
  do {
    const page: Listed = (await client.request('thread/list', { limit: 1, cursor })) as Listed;
    assert.ok(page.data.length <= 1);
    paged.push(...page.data.map((th) => th.id));
    cursor = page.nextCursor;
  } while (cursor !== null && paged.length < 10);
  assert.deepEqual(paged, [newer, worker, older], 'one at a time, each once');

  // The filters go to both stores.
  const searched = (await client.request('thread/list', { searchTerm: 'as a task' })) as Listed;
  assert.deepEqual(
    searched.data.map((th) => th.id),
    [worker],
  );

  // thread/search reads the worker's thread from the shared store: its messages are found.
  type Found = { data: { thread: { id: string }; snippet: string }[]; nextCursor: string | null };
  const answer = (await client.request('thread/search', { searchTerm: 'WRITTEN' })) as Found;
  assert.deepEqual(
    answer.data.map((r) => [r.thread.id, r.snippet]),
    [[worker, 'written']],
  );
  const prompt = (await client.request('thread/search', { searchTerm: 'the answer' })) as Found;
  assert.deepEqual(
    prompt.data.map((r) => r.thread.id),
    [worker],
  );
  assert.match(prompt.data[0]!.snippet, /write the answer, as a task/);
}
