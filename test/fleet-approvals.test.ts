// A fleet's agent threads seen and answered from any front: two fronts (`yoke serve --store …
// --queue …`) and one worker, separate processes, on a PostgreSQL and a Redis of this test's
// own, against the mock model. A task whose task.toml asks for approvals runs on the worker;
// front A's terminal client watches its thread and sees the question; the web page of front B,
// in Chromium, shows it and accepts it; front A's client hears it resolved, the task finishes,
// and the thread read from front A (the shared store) holds every item once. Then the worker is
// SIGKILLed while its step waits on the question: another worker takes the task over and
// carries on in the same thread (the dead worker's turn stored as interrupted and told to the
// client once, its question withdrawn, a new turn asking again), answered from front B; every
// item once.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { Browser } from 'playwright-core';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { CodexDriver } from './support/codex-driver.ts';
import { startProc, stopProc, type Proc } from './support/fleet-procs.ts';
import { startMockModel } from './support/mock-model.ts';
import { startPostgres } from './support/postgres-server.ts';
import { startRedis } from './support/redis-server.ts';
import { agentScript, git, shell } from './support/task-fixtures.ts';
import { launchChromium } from './support/web.ts';

type Json = Record<string, unknown>;
type Item = { id: string; type: string; command?: string; status?: string };
type Turn = { id: string; status: string; items: Item[] };

const procs: Proc[] = [];

/** What each process said, to tell why a scenario failed. */
async function explained(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    for (const proc of procs)
      process.stderr.write(`--- yoke ${proc.name}:\n${proc.output().slice(-20_000)}\n`);
    throw err;
  }
}

test(
  'fleet: a worker’s task asks for approval; the web page of another front accepts it',
  { timeout: 240_000 },
  (t) => explained(() => scenario(t)),
);

/** Short, so that a killed worker's task is taken over within seconds. */
const LOCK = ['-c', 'fleet.lock_duration_ms=8000', '-c', 'fleet.stalled_interval_ms=2000'];

type Fleet = {
  repo: string;
  homeA: string;
  homeB: string;
  frontB: Proc;
  startWorker: (name: string) => Promise<Proc>;
  /** A terminal client of a front, initialized. */
  terminal: (home: string) => Promise<CodexDriver>;
};

/** PostgreSQL, Redis, the mock model, a guarded repository and two fronts. */
async function setUp(t: TestContext): Promise<Fleet> {
  // Hooks run in the order they are added: the processes stop before Redis and PostgreSQL.
  t.after(() => Promise.all(procs.splice(0).map(stopProc)));
  const [pg, redis] = await Promise.all([startPostgres(t), startRedis(t)]);
  const mock = await startMockModel(
    agentScript((prompt) => {
      if (/approval please/.test(prompt)) return shell('printf approved > approved.txt');
      throw new Error(`unexpected prompt: ${prompt}`);
    }),
  );
  t.after(() => mock.close());
  const work = tempRepo(
    {
      '.yoke/task.toml': 'approval_policy = "untrusted"\nchecks = ["test -f approved.txt"]\n',
      'README.md': 'guarded\n',
    },
    t,
  );
  const repo = join(tempDir('origin', t), 'repo.git');
  execFileSync('git', ['clone', '--quiet', '--bare', work, repo]);

  const fleet = { FLEET_PG: pg.url, FLEET_REDIS: redis.url };
  const urls = ['--store', 'env:FLEET_PG', '--queue', 'env:FLEET_REDIS', ...LOCK];
  const start = async (args: string[], home: string, ready: RegExp) => {
    const proc = await startProc(args, yokeEnv(mock.url, home, fleet), ready);
    procs.push(proc);
    return proc;
  };
  const [homeA, homeB] = [tempDir('front-a', t), tempDir('front-b', t)];
  const [, frontB] = await Promise.all([
    start(['serve', ...urls], homeA, /yoke serve listening on/),
    start(['serve', ...urls], homeB, /yoke serve listening on/),
  ]);
  return {
    repo,
    homeA,
    homeB,
    frontB,
    startWorker: (name) => start(['worker', ...urls], tempDir(name, t), /yoke worker \S+ ready/),
    terminal: async (home) => {
      const { url } = JSON.parse(readFileSync(join(home, 'serve.json'), 'utf8')) as {
        url: string;
      };
      const token = readFileSync(join(home, 'serve.token'), 'utf8').trim();
      const client = await CodexDriver.ws(url, { Authorization: `Bearer ${token}` });
      t.after(() => client.close());
      await client.initialize('terminal');
      return client;
    },
  };
}

/** Submits a task on `terminal`'s front; answers its id and its (first) thread's. */
async function submit(terminal: CodexDriver, repo: string) {
  const { task } = (await terminal.request('task/submit', {
    prompt: 'approval please, as a task',
    repo,
  })) as { task: { id: string } };
  const withThread = await terminal.waitFor(
    'task/updated',
    (p) => (p.task as Json).id === task.id && ((p.task as Json).threadIds as string[]).length > 0,
  );
  return { taskId: task.id, threadId: ((withThread.task as Json).threadIds as string[])[0]! };
}

const ended = (terminal: CodexDriver) =>
  terminal.waitFor('task/updated', (p) =>
    ['succeeded', 'failed', 'cancelled'].includes((p.task as Json).status as string),
  ) as Promise<{ task: Json }>;

/** The thread's turns as `terminal`'s front reads them, each item at most once. */
async function turnsOf(terminal: CodexDriver, threadId: string): Promise<Turn[]> {
  const read = (await terminal.request('thread/read', { threadId, includeTurns: true })) as {
    thread: { turns: Turn[] };
  };
  const ids = read.thread.turns.flatMap((turn) => turn.items.map((i) => i.id));
  assert.equal(new Set(ids).size, ids.length, `no item twice: ${ids.join(' ')}`);
  // thread/turns/list agrees.
  const listed = (await terminal.request('thread/turns/list', {
    threadId,
    itemsView: 'full',
    sortDirection: 'asc',
  })) as { data: Turn[] };
  assert.deepEqual(
    listed.data.flatMap((turn) => turn.items.map((i) => i.id)),
    ids,
  );
  return read.thread.turns;
}

async function scenario(t: TestContext): Promise<void> {
  const browser: Browser | null = await launchChromium();
  // CI installs chromium (.ci/run): a missing browser is a failure, never a silent skip.
  assert.ok(browser, 'no /usr/bin/chromium: apt-get install chromium');
  t.after(() => browser.close());
  const { repo, homeA, frontB, startWorker, terminal: connect } = await setUp(t);
  await startWorker('worker');

  // Front A: a terminal client submits the task and watches its thread.
  const terminal = await connect(homeA);
  const { taskId, threadId } = await submit(terminal, repo);
  const asked = terminal.nextServerRequest('item/commandExecution/requestApproval');
  const resumed = (await terminal.request('thread/resume', { threadId })) as { thread: Json };
  assert.equal(resumed.thread.id, threadId, 'front A reads the worker’s thread');
  const question = await asked; // front A's client is asked too, and leaves it to the page
  assert.equal((question.params as Json).threadId, threadId);

  // Front B's web page shows the question on its board and accepts it.
  const loginUrl = /Yoke is ready: (http:\/\/\S+)/.exec(frontB.output())![1]!;
  const page = await (await browser.newContext()).newPage();
  await page.goto(loginUrl);
  const approval = page.getByTestId('approvals').getByTestId('approval');
  await approval.waitFor({ timeout: 120_000 });
  assert.match((await approval.textContent()) ?? '', /printf approved > approved\.txt/);
  const resolved = terminal.waitFor('serverRequest/resolved', (p) => p.threadId === threadId);
  await page.getByTestId('approvals').getByTestId('approval-accept').click();
  await resolved; // front A hears the answer given on front B

  const done = (await terminal.waitFor('task/updated', (p) =>
    ['succeeded', 'failed', 'cancelled'].includes((p.task as Json).status as string),
  )) as { task: Json };
  assert.equal(done.task.status, 'succeeded', JSON.stringify(done.task.error));
  assert.equal(git(repo, 'show', `${done.task.branch as string}:approved.txt`), 'approved');
  await page
    .locator(`[data-column=done] [data-task-id="${taskId}"][data-status=succeeded]`)
    .waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId('approvals').count(), 0);

  // The thread as front A reads it from the shared store: complete, each item once.
  const turns = await turnsOf(terminal, threadId);
  assert.equal(turns.length, 1, 'one turn');
  assert.equal(turns[0]!.status, 'completed');
  const items = turns[0]!.items;
  assert.deepEqual(
    items.map((i) => i.type),
    ['userMessage', 'commandExecution', 'agentMessage'],
  );
  assert.match(items[1]!.command ?? '', /printf approved > approved\.txt/);
  assert.equal(items[1]!.status, 'completed');
}

test(
  'fleet: kill -9 the worker while its agent step waits on an approval; another continues the same thread',
  { timeout: 240_000 },
  (t) => explained(() => takeover(t)),
);

async function takeover(t: TestContext): Promise<void> {
  const { repo, homeA, homeB, startWorker, terminal: connect } = await setUp(t);
  const first = await startWorker('worker-1');
  const terminal = await connect(homeA);
  const { taskId, threadId } = await submit(terminal, repo);
  const asked = terminal.nextServerRequest('item/commandExecution/requestApproval');
  await terminal.request('thread/resume', { threadId });
  const question = await asked;
  const before = await turnsOf(terminal, threadId);

  // The worker dies in the middle of the agent step; another takes the task over.
  const again = terminal.nextServerRequest('item/commandExecution/requestApproval');
  first.child.kill('SIGKILL');
  await first.exited;
  await startWorker('worker-2');
  const second = await again;
  assert.equal((second.params as Json).threadId, threadId, 'the same thread carries on');
  assert.notEqual((second.params as Json).turnId, (question.params as Json).turnId);
  // The dead worker's question is withdrawn from the client that was asked it.
  await terminal.waitFor('serverRequest/resolved', (p) => p.requestId === question.id);

  // Answered on front B.
  const other = await connect(homeB);
  other.onServerRequest = (m) =>
    m.method === 'item/commandExecution/requestApproval' ? { decision: 'accept' } : null;
  await other.request('thread/resume', { threadId });
  const done = await ended(terminal);
  assert.equal(done.task.status, 'succeeded', JSON.stringify(done.task.error));
  assert.equal(done.task.id, taskId);
  assert.deepEqual(done.task.threadIds, [threadId], 'one thread for the task');
  // The dead worker's turn ended (interrupted) once for the client, before the new one started.
  const told = terminal.notifications.filter((n) => (n.params as Json).threadId === threadId);
  const ends = told.flatMap((n, i) =>
    n.method === 'turn/completed' &&
    ((n.params as Json).turn as Json).id === (question.params as Json).turnId
      ? [i]
      : [],
  );
  assert.equal(ends.length, 1, 'the dead worker’s turn ends once');
  assert.equal(((told[ends[0]!]!.params as Json).turn as Json).status, 'interrupted');
  const starts = told.flatMap((n, i) =>
    n.method === 'turn/started' &&
    ((n.params as Json).turn as Json).id === (second.params as Json).turnId
      ? [i]
      : [],
  );
  assert.ok(ends[0]! < starts[0]!, 'the dead turn ends before the new one starts');

  // What the dead worker stored is there once, then the new turn.
  const turns = await turnsOf(terminal, threadId);
  assert.deepEqual(
    turns.map((turn) => turn.status),
    ['interrupted', 'completed'],
  );
  assert.deepEqual(
    turns[0]!.items.map((i) => i.id),
    before[0]!.items.map((i) => i.id),
    'the dead worker’s stored items, unchanged',
  );
  assert.deepEqual(
    turns[1]!.items.map((i) => i.type),
    ['userMessage', 'commandExecution', 'agentMessage'],
  );
  assert.match(JSON.stringify(turns[1]!.items[0]), /moved to another machine/);
  assert.equal(turns[1]!.items[1]!.status, 'completed');
}
