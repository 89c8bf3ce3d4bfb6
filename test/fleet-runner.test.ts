// The task runner in fleet roles, in one process: a front and two workers on PostgreSQL and
// BullMQ (servers of this file's own), repositories by path through mirror clones, a scripted
// agent that writes files. Each task runs once, its branch is pushed, its checkpoints go; a
// worker that shuts down mid-agent hands the task to the other, which restores the worktree
// from the checkpoint of the last node and finishes with one commit.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import { createDirectRunner } from '../src/sandbox/direct-runner.ts';
import { openPgStore } from '../src/store/pg-store.ts';
import type { Store } from '../src/store/store.ts';
import type { AgentPort, AgentStepRequest } from '../src/tasks/agent-port.ts';
import { BullQueue } from '../src/tasks/bull-queue.ts';
import { MirrorWorkspaces } from '../src/tasks/mirror-workspaces.ts';
import { connectRedis } from '../src/tasks/redis-connection.ts';
import { TaskRunner, type FleetRole } from '../src/tasks/runner.ts';
import { tempDir, tempRepo } from './support/cli.ts';
import { startPostgres, type PostgresServer } from './support/postgres-server.ts';
import { startRedis, type RedisServer } from './support/redis-server.ts';
import { git } from './support/task-fixtures.ts';
import { builtinShed } from '../src/mcp/toolsets.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});
const keep = { after: (fn: () => Promise<void> | void) => cleanups.push(fn) };
let servers: Promise<[PostgresServer, RedisServer]> | null = null;
const services = () => (servers ??= Promise.all([startPostgres(keep), startRedis(keep)]));

/** A bare "origin" every worker reaches by path, holding a repository with a check. */
function origin(t: TestContext): string {
  const work = tempRepo(
    {
      '.yoke/task.toml': 'setup = ["touch .setup-done"]\nchecks = ["test -f answer.txt"]\n',
      '.gitignore': '.setup-done\n',
      'README.md': 'hello\n',
    },
    t,
  );
  const bare = join(tempDir('origin', t), 'repo.git');
  execFileSync('git', ['clone', '--quiet', '--bare', work, bare]);
  return bare;
}

/** An agent that answers each prompt by writing answer.txt — or waits to be let go. */
function scriptedAgent() {
  const held = new Map<string, () => void>();
  const asked: { taskId: string; prompt: string; cwd: string; threadId: string | null }[] = [];
  const holding = new Set<string>();
  const arrived: (() => void)[] = [];
  let consumed = 0;
  const agent: AgentPort = {
    run: async (r: AgentStepRequest) => {
      asked.push({ taskId: r.taskId, prompt: r.prompt, cwd: r.cwd, threadId: r.threadId });
      const threadId = r.threadId ?? `thread-${r.taskId}`;
      r.onThread(threadId);
      for (const w of arrived.splice(0)) w();
      if (holding.has(r.taskId)) {
        writeFileSync(join(r.cwd, 'partial.txt'), 'half done\n');
        await new Promise<void>((resolve) => {
          held.set(r.taskId, resolve);
          r.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        if (r.signal.aborted)
          return {
            threadId,
            status: 'interrupted',
            message: null,
            error: 'stopped',
            tokens: 0,
            overBudget: null,
          };
      }
      writeFileSync(join(r.cwd, 'answer.txt'), `${r.taskId}\n`);
      return {
        threadId,
        status: 'completed',
        message: 'wrote it',
        error: null,
        tokens: 1,
        overBudget: null,
      };
    },
  };
  return {
    agent,
    asked,
    hold: (id: string) => holding.add(id),
    release: (id: string) => {
      holding.delete(id);
      held.get(id)?.();
    },
    /** The task of the next agent call (one made already, or the next to come). */
    nextCall: async (): Promise<string> => {
      while (consumed >= asked.length) await new Promise<void>((resolve) => arrived.push(resolve));
      return asked[consumed++]!.taskId;
    },
  };
}

type Fleet = {
  /** The front; workers' updates reach it once stored, as Redis pub/sub carries them. */
  front: TaskRunner;
  worker: (agent: AgentPort) => Promise<{ runner: TaskRunner; home: string; store: Store }>;
};

async function fleet(t: TestContext): Promise<Fleet> {
  const [pg, redis] = await services();
  const db = `f_${randomBytes(5).toString('hex')}`;
  const admin = await openPgStore(pg.url, { log: () => {} });
  await admin.close();
  execFileSync('psql', [pg.url, '-qc', `CREATE DATABASE ${db}`], { stdio: 'ignore' });
  const url = pg.url.replace(/\/postgres$/, `/${db}`);
  const name = `q${randomBytes(4).toString('hex')}`;
  const runner = createDirectRunner();
  const make = async (fleetRole: FleetRole, agent: AgentPort, home: string) => {
    const store = await openPgStore(url, { log: () => {} });
    const queue = new BullQueue({
      connect: (what) => connectRedis(redis.url, what, () => {}),
      name,
      concurrency: 2,
      log: () => {},
    });
    const tasks = new TaskRunner({
      home,
      store: store.tasks,
      durable: () => store.flush(),
      fleet: fleetRole,
      agent,
      toolShed: builtinShed(['shell', 'apply_patch']),
      runner,
      queue,
      log: () => {},
    });
    store.onConflict((c) => c.entity === 'task' && tasks.lost(c.id));
    if (fleetRole.role === 'worker')
      tasks.onUpdate((u) => store.afterWrites(() => frontRunner?.remoteUpdate(u)));
    await tasks.start();
    t.after(async () => {
      await tasks.close();
      await store.close(2000);
    });
    return { runner: tasks, home, store };
  };
  let frontRunner: TaskRunner | null = null;
  const front = (
    await make(
      { role: 'front', requestCancel: async () => {} },
      { run: () => Promise.reject(new Error('fronts run no agents')) },
      tempDir('front', t),
    )
  ).runner;
  frontRunner = front;
  return {
    front,
    worker: (agent) =>
      make(
        {
          role: 'worker',
          workerId: `w-${randomBytes(3).toString('hex')}`,
          cancelRequested: async () => false,
        },
        agent,
        tempDir('worker', t),
      ),
  };
}

const commitsOver = (repo: string, base: string, branch: string) =>
  git(repo, 'rev-list', '--count', `${base}..refs/heads/${branch}`);

test(
  'fleet runner: every task runs once on one of two workers and its branch is pushed',
  { timeout: 300_000 },
  async (t) => {
    const repo = origin(t);
    const f = await fleet(t);
    const agent = scriptedAgent();
    const w1 = await f.worker(agent.agent);
    const w2 = await f.worker(agent.agent);
    const submitted = await Promise.all(
      Array.from({ length: 6 }, (_, i) => f.front.submit({ prompt: `task ${i}`, repo })),
    );
    const ended = await Promise.all(submitted.map((task) => f.front.settled(task.id)));
    for (const task of ended) {
      assert.equal(task.status, 'succeeded', task.error?.message);
      assert.equal(task.repo, repo);
      assert.equal(commitsOver(repo, task.baseCommit, task.branch), '1');
      assert.equal(git(repo, 'show', `refs/heads/${task.branch}:answer.txt`), task.id);
      assert.equal(git(repo, 'for-each-ref', `refs/yoke/checkpoints/${task.id}`), '');
    }
    assert.ok(w1.home !== w2.home);
    assert.equal(agent.asked.length, 6, 'each agent step ran once');
    assert.equal(new Set(agent.asked.map((a) => a.taskId)).size, 6);
    const log = (await f.front.readLog(ended[0]!.id, null)).data;
    assert.deepEqual(
      log.filter((e) => e.type === 'status').map((e) => (e as { status: string }).status),
      ['queued', 'preparing', 'running', 'succeeded'],
    );
  },
);

test(
  'fleet runner: a worker that stops mid-agent hands the task on; it resumes from the checkpoint',
  { timeout: 300_000 },
  async (t) => {
    const repo = origin(t);
    const f = await fleet(t);
    const agent = scriptedAgent();
    const w1 = await f.worker(agent.agent);
    const task = await f.front.submit({ prompt: 'slow one', repo });
    agent.hold(task.id);
    const reached = agent.nextCall();
    assert.equal(await reached, task.id);
    const w2 = await f.worker(agent.agent);
    await w1.runner.close();
    agent.release(task.id);
    const ended = await f.front.settled(task.id);
    assert.equal(ended.status, 'succeeded', ended.error?.message);
    assert.equal(commitsOver(repo, ended.baseCommit, ended.branch), '1');
    // The second attempt started from the checkpoint after setup (no partial.txt from the first),
    // knew it had moved, and continued the same thread.
    const files = git(repo, 'ls-tree', '--name-only', `refs/heads/${ended.branch}`).split('\n');
    assert.ok(!files.includes('partial.txt'), files.join(','));
    assert.ok(files.includes('answer.txt'));
    assert.equal(agent.asked.length, 2);
    assert.match(agent.asked[1]!.prompt, /moved to another machine/);
    assert.equal(agent.asked[1]!.threadId, `thread-${task.id}`);
    assert.ok(agent.asked[0]!.cwd.startsWith(w1.home));
    assert.ok(
      agent.asked[1]!.cwd.startsWith(w2.home),
      'the second attempt ran on the other worker',
    );
    const log = (await f.front.readLog(task.id, null)).data;
    assert.ok(log.some((e) => e.type === 'output' && /worktree restored from/.test(e.text)));
    assert.equal(git(repo, 'for-each-ref', `refs/yoke/checkpoints/${task.id}`), '');
  },
);

test(
  'mirror workspaces: a checkpoint carries new, changed and deleted files and HEAD',
  { timeout: 300_000 },
  async (t) => {
    const repo = origin(t);
    const ws = new MirrorWorkspaces(tempDir('ws', t));
    const base = git(repo, 'rev-parse', 'HEAD');
    const dir = ws.dirFor('t1');
    await ws.create(repo, dir, base, null);
    assert.equal(await ws.checkpoint(repo, dir, 't1', null), null, 'nothing changed yet');
    writeFileSync(join(dir, 'new.txt'), 'new\n');
    writeFileSync(join(dir, 'README.md'), 'changed\n');
    execFileSync('git', ['rm', '-q', '.yoke/task.toml'], { cwd: dir });
    writeFileSync(join(dir, '.setup-done'), 'ignored stays out\n');
    const first = await ws.checkpoint(repo, dir, 't1', null);
    assert.ok(first);
    assert.equal(await ws.checkpoint(repo, dir, 't1', first), first, 'unchanged: the same one');
    const other = new MirrorWorkspaces(tempDir('ws2', t));
    const restored = other.dirFor('t1');
    await other.restore(repo, restored, first, base);
    const status = git(restored, 'status', '--porcelain', '--untracked-files=all');
    assert.deepEqual(
      status
        .split('\n')
        .map((l) => l.trim())
        .sort(),
      ['?? new.txt', 'D .yoke/task.toml', 'M README.md'],
    );
    assert.equal(git(restored, 'rev-parse', 'HEAD'), base);
  },
);
