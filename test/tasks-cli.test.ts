// Background tasks through the real binaries: `yoke task …` starting `yoke serve` in the
// background, the whole CLI, JSON-RPC errors, and a daemon killed with SIGKILL mid-task.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test, type TestContext } from 'node:test';
import { YokeClient } from '../src/client/client.ts';
import type { ClientError } from '../src/client/client-error.ts';
import { connectWebSocket } from '../src/client/ws-client-transport.ts';
import { runYoke, tempDir, YOKE_BIN, yokeEnv } from './support/cli.ts';
import { startMockModel } from './support/mock-model.ts';
import {
  agentScript,
  checkoutState,
  git,
  processesRunning,
  shell,
  taskRepo,
  waitForFile,
  writeFilePatch,
} from './support/task-fixtures.ts';

type ServeInfo = { url: string; pid: number };
const serveInfo = (home: string) =>
  JSON.parse(readFileSync(join(home, 'serve.json'), 'utf8')) as ServeInfo;

/**
 * A YOKE_HOME whose daemon (started in the background by `yoke task`, so not our child) is
 * stopped before the directory is removed — one hook, so the order cannot go wrong.
 */
function daemonHome(t: TestContext, prefix: string): string {
  const home = tempDir(prefix);
  t.after(async () => {
    await stopDaemon(home);
    rmSync(home, { recursive: true, force: true });
  });
  return home;
}

/** Stops a daemon that is not our child: SIGTERM, then wait for it to remove its state. */
async function stopDaemon(home: string): Promise<void> {
  const path = join(home, 'serve.json');
  if (!existsSync(path)) return;
  const gone = new Promise<void>((resolve) => {
    const watcher = watch(home, () => {
      if (!existsSync(path)) {
        watcher.close();
        resolve();
      }
    });
  });
  process.kill(serveInfo(home).pid, 'SIGTERM');
  await gone;
}

test(
  'yoke task: help, submit --wait (starting the daemon), list, show, logs, apply, errors',
  { timeout: 120_000 },
  async (t) => {
    const script = agentScript((prompt) =>
      /greeting/.test(prompt) ? writeFilePatch('greeting.txt', 'hello from a task') : shell('true'),
    );
    const mock = await startMockModel(script);
    t.after(() => mock.close());
    const home = daemonHome(t, 'cli-home');
    const repo = taskRepo({ 'README.md': '# cli\n' }, 'checks = ["test -f greeting.txt"]\n', t);
    const env = yokeEnv(mock.url, home);
    const yoke = (...args: string[]) => runYoke(args, { cwd: repo, env });

    const help = await yoke('task', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /submit PROMPT \[--repo DIR\] \[--base REF\] \[--check CMD\]…/);
    for (const sub of ['submit', 'list', 'show', 'logs', 'cancel', 'retry', 'apply']) {
      const r = await yoke('task', sub, '--help');
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^Usage: yoke task ${sub}`));
    }
    assert.match((await yoke('serve', '--help')).stdout, /--warm N/);
    assert.equal(existsSync(join(home, 'serve.json')), false, 'help starts no daemon');

    const before = checkoutState(repo);
    const submitted = await yoke('task', 'submit', 'write a greeting', '--wait');
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.split('\n')[0]!;
    assert.match(id, /^[0-9a-z]{12}$/);
    assert.match(
      submitted.stderr,
      new RegExp(
        `started the task daemon \\(pid \\d+\\) at ws://127\\.0\\.0\\.1:\\d+; log: ${join(home, 'serve.log')}`,
      ),
    );
    assert.match(submitted.stderr, /▶ implement \(agent\)/);
    assert.match(submitted.stdout, /task \w+: succeeded/);
    assert.equal(checkoutState(repo), before, 'the checkout is untouched until apply');
    assert.equal(statSync(join(home, 'serve.token')).mode & 0o777, 0o600);

    const list = await yoke('task', 'list');
    assert.match(
      list.stdout,
      new RegExp(`^${id}\\s+succeeded\\s+\\d+[smhd]\\s+write a greeting$`, 'm'),
    );
    const show = await yoke('task', 'show', id.slice(0, 9));
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`branch:    yoke/${id}`));
    assert.match(show.stdout, /✔ checks \(checks\)/);
    assert.match(show.stdout, /greeting\.txt \| 1 \+/);
    const logs = await yoke('task', 'logs', id);
    assert.match(
      logs.stdout,
      /status queued[\s\S]*✔ commit succeeded: committed [0-9a-f]{12}[\s\S]*status succeeded/,
    );
    const follow = await yoke('task', 'logs', id, '-f');
    assert.equal(follow.code, 0);
    assert.equal(follow.stdout, logs.stdout, '-f on a finished task prints the log and ends');

    const applied = await yoke('task', 'apply', id);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(readFileSync(join(repo, 'greeting.txt'), 'utf8'), 'hello from a task\n');
    assert.equal(git(repo, 'diff', '--cached', '--name-only'), 'greeting.txt');

    const bad = await yoke('task', 'submit', 'x', '--base', 'no-such-ref');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^yoke: unknown base ref "no-such-ref" in /);
    assert.doesNotMatch(bad.stderr, /started the task daemon/, 'the running daemon is reused');
    const missing = await yoke('task', 'show', 'zzzz');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no task zzzz/);

    // The wire error for a bad submission: invalid params with data.code.
    const info = serveInfo(home);
    const token = readFileSync(join(home, 'serve.token'), 'utf8');
    await assert.rejects(connectWebSocket(info.url), /401|could not connect/);
    const client = new YokeClient(await connectWebSocket(info.url, { authToken: token }));
    t.after(() => client.close());
    await client.initialize({ name: 'test', version: '1' });
    await assert.rejects(
      client.request('task/submit', { prompt: 'x', repo: tempDir('plain', t) }),
      (err: ClientError) => {
        assert.equal(err.rpcCode, -32602);
        assert.deepEqual(err.data, { code: 'task_invalid' });
        assert.match(err.message, /not a git repository/);
        return true;
      },
    );
  },
);

test(
  'the daemon killed with SIGKILL mid-task: the restart resumes the task, nothing is lost',
  { timeout: 120_000 },
  async (t) => {
    // The agent's command marks its start in the worktree (the only place its sandbox lets it
    // write) and sleeps; the daemon dies under it.
    const marker = 'sleep 876.543';
    const script = agentScript((prompt) =>
      /Yoke was restarted/.test(prompt)
        ? writeFilePatch('resumed.txt', 'after the restart')
        : /second task/.test(prompt)
          ? writeFilePatch('second.txt', 'queued before the crash')
          : shell(`echo started > started.txt; exec ${marker}`),
    );
    const mock = await startMockModel(script);
    t.after(() => mock.close());
    const home = daemonHome(t, 'crash-home');
    const repo = taskRepo({ '.gitignore': 'started.txt\n' }, null, t);
    const env = yokeEnv(mock.url, home);

    // One task at a time, so a second one is still queued when the daemon dies.
    const daemon = spawn(process.execPath, [YOKE_BIN, 'serve', '--concurrency', '1'], {
      cwd: repo,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<string | null>((resolve) =>
      daemon.on('exit', (_code, signal) => resolve(signal)),
    );
    t.after(() => {
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    });
    await new Promise<void>((resolve) =>
      createInterface({ input: daemon.stderr! }).on('line', (line) => {
        if (/listening on ws:/.test(line)) resolve();
      }),
    );
    const submitted = await runYoke(
      ['task', 'submit', 'survive a crash', '--check', 'test -f resumed.txt'],
      { cwd: repo, env },
    );
    assert.equal(submitted.code, 0, submitted.stderr);
    assert.doesNotMatch(submitted.stderr, /started the task daemon/);
    const id = submitted.stdout.trim();
    await waitForFile(join(home, 'worktrees', id, 'started.txt'));
    assert.notDeepEqual(processesRunning(marker), []);
    const queued = await runYoke(
      ['task', 'submit', 'a second task', '--check', 'test -f second.txt'],
      { cwd: repo, env },
    );
    const second = queued.stdout.trim();
    assert.match((await runYoke(['task', 'show', second], { cwd: repo, env })).stdout, /: queued/);

    daemon.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.ok(existsSync(join(home, 'serve.json')), 'stale state is left behind');
    assert.equal(readdirSync(join(home, 'worktrees')).length, 1);

    // Any `yoke task` command finds the stale state, starts a new daemon, which resumes the task.
    const followed = await runYoke(['task', 'logs', id, '-f'], { cwd: repo, env });
    assert.equal(followed.code, 0, followed.stdout + followed.stderr);
    assert.match(followed.stderr, /started the task daemon/);
    assert.match(followed.stdout, /status queued: the daemon restarted; resuming at implement/);
    assert.match(followed.stdout, /status succeeded/);
    assert.deepEqual(processesRunning(marker), [], 'the command of the dead daemon is gone');

    const shown = await runYoke(['task', 'show', id], { cwd: repo, env });
    assert.match(
      shown.stdout,
      /■ implement \(agent\).*the daemon stopped during this node; running it again/,
    );
    assert.match(shown.stdout, /✔ implement \(agent\)/);
    assert.equal(git(repo, 'show', `yoke/${id}:resumed.txt`), 'after the restart');
    // The task that was queued when the daemon died runs too.
    const queuedRun = await runYoke(['task', 'logs', second, '-f'], { cwd: repo, env });
    assert.equal(queuedRun.code, 0, queuedRun.stdout);
    assert.equal(git(repo, 'show', `yoke/${second}:second.txt`), 'queued before the crash');
    assert.deepEqual(readdirSync(join(home, 'worktrees')), [], 'no orphan worktrees');
    assert.equal(git(repo, 'worktree', 'list').split('\n').length, 1);
  },
);
