// Background tasks in-process: the task runner on the real thread runtime, real git worktrees,
// the scripted mock model answering by reading each prompt.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { YokeClient } from '../src/client/client.ts';
import { createMemoryTransportPair } from '../src/protocol/transport.ts';
import { loadConfig } from '../src/runtime/config.ts';
import { createTaskService, type TaskRunner } from '../src/runtime/task-service.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import { AppServer } from '../src/server/app-server.ts';
import { tempDir } from './support/cli.ts';
import {
  hang,
  startMockModel,
  text,
  type MockModel,
  type MockScript,
} from './support/mock-model.ts';
import {
  agentScript,
  checkoutState,
  git,
  lastUserText,
  processesRunning,
  shell,
  startBarrier,
  taskRepo,
  waitForFile,
  waitForTask,
  writeFilePatch,
} from './support/task-fixtures.ts';

type Setup = { mock: MockModel; manager: ThreadManager; tasks: TaskRunner; home: string };

async function setup(
  t: TestContext,
  script: MockScript,
  options: { warm?: number; concurrency?: number } = {},
): Promise<Setup> {
  const mock = await startMockModel(script);
  const home = tempDir('task-home', t);
  const config = loadConfig({
    env: { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' },
    cwd: home,
  });
  const manager = new ThreadManager({ config });
  const tasks = createTaskService(manager, {
    concurrency: options.concurrency ?? 3,
    ...(options.warm ? { warm: options.warm } : {}),
    log: () => {},
  });
  await tasks.start();
  t.after(async () => {
    await tasks.close();
    manager.close();
    await mock.close();
  });
  return { mock, manager, tasks, home };
}

const worktreesOf = (home: string) =>
  existsSync(join(home, 'worktrees')) ? readdirSync(join(home, 'worktrees')) : [];

test(
  'three tasks on one repo run in parallel: three branches, the checkout untouched',
  { timeout: 60_000 },
  async (t) => {
    // Each agent's command waits at a barrier until all three have arrived: only tasks that
    // really run at once get past it. The barrier is an HTTP server of this test, reached over
    // loopback — which also shows task.toml's `network = true` reaching the sandbox.
    const barrier = await startBarrier(3);
    t.after(() => barrier.close());
    const script = agentScript((prompt) => {
      const n = /write file-(\d)/.exec(prompt)![1]!;
      return shell(
        `exec 3<>/dev/tcp/127.0.0.1/${barrier.port} && printf 'GET /${n} HTTP/1.0\\r\\n\\r\\n' >&3 && ` +
          `grep -q go <&3 && printf 'content ${n}\\n' > file-${n}.txt`,
      );
    });
    const { tasks, home } = await setup(t, script);
    const repo = taskRepo({ 'README.md': '# r\n' }, 'network = true\n', t);
    const before = checkoutState(repo);
    const submitted = await Promise.all(
      [1, 2, 3].map((n) =>
        tasks.submit({
          prompt: `write file-${n} after the barrier`,
          repo,
          checks: [`test -f file-${n}.txt`],
        }),
      ),
    );
    const done = await Promise.all(
      submitted.map(async (task) => {
        const settled = await tasks.settled(task.id);
        // One that failed never reaches the barrier: the others go on, and the test says why.
        if (settled.status !== 'succeeded') barrier.release();
        return settled;
      }),
    );
    for (const [i, task] of done.entries()) {
      const n = i + 1;
      assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
      assert.equal(task.branch, `yoke/${task.id}`);
      assert.equal(task.result!.commits.length, 1);
      assert.match(task.result!.commits[0]!.subject, new RegExp(`^yoke: write file-${n}`));
      assert.equal(git(repo, 'show', `${task.branch}:file-${n}.txt`), `content ${n}`);
      // Only its own file: the branches are independent.
      assert.deepEqual(git(repo, 'diff', '--name-only', task.baseCommit, task.branch).split('\n'), [
        `file-${n}.txt`,
      ]);
      assert.deepEqual(
        task.nodes.map((node) => `${node.node}:${node.status}`),
        ['setup:skipped', 'implement:succeeded', 'checks:succeeded', 'commit:succeeded'],
      );
      assert.equal(task.worktree, null);
    }
    assert.equal(checkoutState(repo), before, 'the user checkout is untouched');
    assert.ok(!existsSync(join(repo, 'file-1.txt')));
    assert.deepEqual(worktreesOf(home), [], 'worktrees are removed when tasks end');
    assert.equal(barrier.arrived(), 3);
    // Worktrees live under YOKE_HOME, never in the user's checkout.
    assert.ok(done.every((task) => task.nodes.length > 0));
  },
);

test(
  'a failing check is fixed in round 1 on the same thread, given the failing output',
  { timeout: 60_000 },
  async (t) => {
    const script = agentScript((prompt) =>
      /The checks failed/.test(prompt)
        ? shell('printf "fixed\\n" > result.txt')
        : writeFilePatch('result.txt', 'broken'),
    );
    const { tasks, mock } = await setup(t, script);
    const repo = taskRepo(
      {},
      'checks = ["cat result.txt && grep -q fixed result.txt"]\nmax_fix_rounds = 2\n',
      t,
    );
    const submitted = await tasks.submit({ prompt: 'make result.txt say fixed', repo });
    const task = await tasks.settled(submitted.id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    assert.deepEqual(
      task.nodes.map((n) => `${n.node}#${n.visit}:${n.status}`),
      [
        'setup#1:skipped',
        'implement#1:succeeded',
        'checks#1:failed',
        'fix#1:succeeded',
        'checks#2:succeeded',
        'commit#1:succeeded',
      ],
    );
    assert.deepEqual(task.fixRounds, { used: 1, max: 2 });
    assert.equal(task.threadIds.length, 1, 'the fix continues the implement thread');
    const fixRequest = mock.requests.find((r) => /The checks failed/.test(lastUserText(r)))!;
    const fixPrompt = lastUserText(fixRequest);
    assert.match(fixPrompt, /fix round 1 of 2/);
    assert.match(fixPrompt, /\$ cat result\.txt && grep -q fixed result\.txt\n\(exit 1\)\nbroken/);
    assert.ok(task.checkResults.every((c) => c.passed));
    assert.equal(git(repo, 'show', `${task.branch}:result.txt`), 'fixed');
    assert.ok(task.tokensUsed > 0);
    const log = (await tasks.readLog(task.id, null)).data;
    assert.ok(log.some((e) => e.type === 'output' && /edited result\.txt/.test(e.text)));
    const last = log.at(-1)!;
    assert.equal(last.type === 'status' && last.status, 'succeeded');
  },
);

test(
  'gives up after the maximum fix rounds: failed, with the check output',
  { timeout: 60_000 },
  async (t) => {
    const script = agentScript((prompt) =>
      /The checks failed/.test(prompt)
        ? shell('echo attempt >> attempts.txt')
        : writeFilePatch('answer.txt', '41'),
    );
    const { tasks, mock } = await setup(t, script);
    const repo = taskRepo(
      {},
      'checks = ["echo \\"expected 42, got $(cat answer.txt)\\"; grep -qx 42 answer.txt"]\nmax_fix_rounds = 1\n',
      t,
    );
    const { id } = await tasks.submit({ prompt: 'the answer', repo });
    const task = await tasks.settled(id);
    assert.equal(task.status, 'failed');
    assert.match(task.error!.message, /^gave up after 1 fix round: the checks still fail: echo/);
    assert.equal(task.error!.node, 'fix');
    assert.deepEqual(task.fixRounds, { used: 1, max: 1 });
    assert.equal(task.checkResults.length, 1);
    assert.equal(task.checkResults[0]!.passed, false);
    assert.match(task.checkResults[0]!.output, /expected 42, got 41/);
    assert.equal(mock.requests.length, 4, 'implement and one fix round, two requests each');
    // The attempt is kept on the branch as a work-in-progress commit.
    assert.match(task.result!.commits[0]!.subject, /^yoke \(failed, work in progress\)/);
    assert.equal(git(repo, 'show', `${task.branch}:answer.txt`), '41');
  },
);

test(
  'cancel mid-run kills the command, removes the worktree and the branch',
  { timeout: 60_000 },
  async (t) => {
    // The command marks its start in the worktree (the sandbox lets it write nowhere else).
    const marker = 'sleep 987.654';
    const script = agentScript(() => shell(`echo started > started.txt; exec ${marker}`));
    const { tasks, home, mock } = await setup(t, script);
    const repo = taskRepo({ 'a.txt': 'a\n' }, null, t);
    const before = checkoutState(repo);
    const { id, branch } = await tasks.submit({ prompt: 'sleep a long time', repo });
    const running = await waitForTask(tasks, id, (x) => x.status === 'running' && !!x.worktree);
    await waitForFile(join(running.worktree!, 'started.txt'));
    assert.notDeepEqual(processesRunning(marker), []);
    const cancelled = await tasks.cancel(id);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.nodes.at(-1)!.status, 'cancelled');
    assert.deepEqual(processesRunning(marker), [], 'the agent command was killed');
    assert.deepEqual(worktreesOf(home), []);
    assert.equal(git(repo, 'branch', '--list', branch), '');
    assert.equal(checkoutState(repo), before);
    assert.equal(mock.requests.length, 1, 'no model request after the cancel');
    await assert.rejects(tasks.cancel(id), /already cancelled/);
    // A queued task is cancelled without ever running.
    const retried = await tasks.retry(id);
    assert.equal(retried.retryOf, id);
    await tasks.cancel(retried.id);
  },
);

test('bad input is refused at submit with a clear error', { timeout: 60_000 }, async (t) => {
  const { tasks } = await setup(t, [text('unused')]);
  const plain = tempDir('plain', t);
  const repo = taskRepo(
    {
      '.yoke/blueprints/dangling.toml':
        'start = "a"\n[nodes.a]\ntype = "checks"\nnext = "nowhere"\n',
      '.yoke/blueprints/loop.json': JSON.stringify({
        start: 'a',
        nodes: {
          a: { type: 'checks', on_failure: 'b' },
          b: { type: 'run', commands: ['true'], next: 'a' },
        },
      }),
      '.yoke/blueprints/typo.json':
        '{"start": "a", "nodes": {"a": {"type": "agent", "prompt": "{{prmpt}}"}}}',
    },
    null,
    t,
  );
  const cases: [Parameters<TaskRunner['submit']>[0], RegExp][] = [
    [{ prompt: 'x', repo: plain }, /not a git repository/],
    [{ prompt: 'x', repo: join(plain, 'missing') }, /no such directory/],
    [{ prompt: 'x', repo: 'relative/path' }, /absolute path/],
    [{ prompt: 'x', repo, baseRef: 'no-such-branch' }, /unknown base ref "no-such-branch"/],
    [
      { prompt: 'x', repo, blueprint: 'dangling' },
      /blueprint "dangling" is broken: node "a": next goes to unknown node "nowhere"/,
    ],
    [
      { prompt: 'x', repo, blueprint: 'loop' },
      /blueprint "loop" is broken: unbounded loop a → b → a/,
    ],
    [{ prompt: 'x', repo, blueprint: 'typo' }, /unknown placeholder \{\{prmpt\}\}/],
    [{ prompt: 'x', repo, blueprint: 'absent' }, /no blueprint "absent"/],
    [
      { prompt: 'x', repo, checks: ['frobnicate-xyz --all'] },
      /check "frobnicate-xyz --all": command not found: frobnicate-xyz/,
    ],
    [
      { prompt: 'x', repo, checks: ['./scripts/missing.sh'] },
      /command not found: \.\/scripts\/missing\.sh/,
    ],
  ];
  for (const [input, message] of cases) {
    await assert.rejects(tasks.submit(input), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'task_invalid', err.message);
      assert.match(err.message, message);
      return true;
    });
  }
  const badToml = taskRepo({}, 'checks = "npm test"\nmax_fix_round = 3\n', t);
  await assert.rejects(tasks.submit({ prompt: 'x', repo: badToml }), (err: Error) => {
    assert.match(err.message, /^\.yoke\/task\.toml: /);
    assert.match(err.message, /checks: /);
    assert.match(err.message, /unknown key max_fix_round/);
    return true;
  });
  const badTools = taskRepo({}, 'tools = ["shell", "teleport"]\n', t);
  await assert.rejects(
    tasks.submit({ prompt: 'x', repo: badTools }),
    /task\.toml: tools: "teleport" matches no tool \(built-in tools: shell/,
  );
  assert.deepEqual((await tasks.list({})).data, [], 'nothing was queued');
});

test(
  'approval_policy = "untrusted": the task waits until a client approves over the App Server',
  { timeout: 60_000 },
  async (t) => {
    const script = agentScript(() => shell('printf "approved\\n" > approved.txt'));
    const { tasks, manager } = await setup(t, script);
    const server = new AppServer(manager, { tasks });
    const [clientEnd, serverEnd] = createMemoryTransportPair();
    server.attach(serverEnd);
    const client = new YokeClient(clientEnd, { validate: true });
    t.after(() => client.close());
    await client.initialize({ name: 'approver', version: '1' });
    const repo = taskRepo(
      {},
      'approval_policy = "untrusted"\nchecks = ["test -f approved.txt"]\n',
      t,
    );
    const updates: string[] = [];
    client.onNotification('task/updated', ({ task }) => updates.push(task.status));
    const { task } = await client.request('task/submit', { prompt: 'needs approval', repo });
    const waiting = await waitForTask(tasks, task.id, (x) => x.status === 'waiting_approval');
    const threadId = waiting.threadIds[0]!;
    const asked = new Promise<string>((resolve) =>
      client.onServerRequest('item/commandExecution/requestApproval', (params) => {
        resolve(params.command ?? '');
        return { decision: 'accept' };
      }),
    );
    await client.request('thread/resume', { threadId });
    assert.match(await asked, /approved\.txt/);
    const done = await tasks.settled(task.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.ok(updates.includes('waiting_approval') && updates.includes('running'));
    const read = await client.request('task/read', { taskId: task.id });
    assert.equal(read.task.status, 'succeeded');
    await assert.rejects(client.request('task/read', { taskId: 'nope' }), /no task nope/);
    // The client watches the task's thread: it stays loaded until the client lets go of it.
    assert.ok(manager.loaded(threadId), 'a watched task thread stays loaded');
    const { status } = await client.request('thread/unsubscribe', { threadId });
    assert.equal(status, 'unsubscribed');
    assert.equal(manager.loaded(threadId), undefined);
    server.close();
  },
);

test(
  "a task's thread is unloaded when its turn ends (nobody watches it); the fix round loads it again",
  { timeout: 60_000 },
  async (t) => {
    const script = agentScript((prompt) =>
      /The checks failed/.test(prompt)
        ? shell('printf "fixed\\n" > result.txt')
        : writeFilePatch('result.txt', 'broken'),
    );
    const { tasks, manager } = await setup(t, script);
    const repo = taskRepo({}, 'checks = ["grep -q fixed result.txt"]\nmax_fix_rounds = 1\n', t);
    const loadedAtTurnEnd: boolean[] = [];
    const off = tasks.onUpdate(({ task }) => {
      // Each agent step's turn has ended when the checks run after it.
      if (task.nodes.at(-1)?.node === 'checks' && task.threadIds[0])
        loadedAtTurnEnd.push(manager.loaded(task.threadIds[0]) !== undefined);
    });
    t.after(off);
    const { id } = await tasks.submit({ prompt: 'make result.txt say fixed', repo });
    const task = await tasks.settled(id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    assert.equal(task.threadIds.length, 1, 'the fix continued the same thread');
    assert.ok(loadedAtTurnEnd.length >= 2, `checks seen ${loadedAtTurnEnd.length} times`);
    assert.ok(
      loadedAtTurnEnd.every((loaded) => !loaded),
      'unloaded after each turn',
    );
    assert.deepEqual(manager.loadedThreadIds, []);
    // Still stored, with both turns (implement and fix).
    assert.equal(manager.readThread(task.threadIds[0]!, true).turns.length, 2);
  },
);

test(
  'warm pool: a task takes a prepared worktree (setup done) and the pool refills',
  { timeout: 60_000 },
  async (t) => {
    const script = agentScript((prompt) =>
      writeFilePatch(`${/name (\w+)/.exec(prompt)![1]}.txt`, 'x'),
    );
    const { tasks, mock } = await setup(t, script, { warm: 1 });
    const repo = taskRepo(
      { '.gitignore': '.setup/\n' },
      'setup = ["mkdir -p .setup && echo $PWD > .setup/where"]\nchecks = ["test -f .setup/where"]\n',
      t,
    );
    assert.equal(await tasks.warmUp(repo), 1);
    const pooled = [...tasks.pool.dirs()][0]!;
    assert.ok(existsSync(join(pooled, '.setup/where')));
    const { id } = await tasks.submit({ prompt: 'name warm', repo });
    const task = await tasks.settled(id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    assert.deepEqual(task.nodes[0], {
      ...task.nodes[0],
      node: 'setup',
      status: 'skipped',
      summary: 'done ahead in the warm pool',
    });
    assert.equal(git(repo, 'show', `${task.branch}:warm.txt`), 'x');
    assert.equal(
      git(repo, 'diff', '--name-only', task.baseCommit, task.branch),
      'warm.txt',
      'setup output is not committed',
    );
    // The pool refilled with a new worktree; a moved base makes the next one cold-then-warm.
    assert.equal(await tasks.warmUp(repo), 1);
    assert.notEqual([...tasks.pool.dirs()][0], pooled);
    git(
      repo,
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@t',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'move',
    );
    assert.equal(await tasks.warmUp(repo), 1);
    const fresh = [...tasks.pool.dirs()][0]!;
    assert.equal(git(fresh, 'rev-parse', 'HEAD'), git(repo, 'rev-parse', 'HEAD'));
    assert.equal(mock.requests.length, 2);
    assert.equal(readFileSync(join(fresh, '.setup/where'), 'utf8').trim(), fresh);
  },
);

test(
  'blueprints from the repo: a TOML graph with run, checks, commit and a local push',
  { timeout: 60_000 },
  async (t) => {
    const script = agentScript(() => writeFilePatch('feature.txt', 'feature'));
    const { tasks, mock } = await setup(t, script);
    const remote = tempDir('remote', t);
    git(remote, 'init', '-q', '--bare');
    const repo = taskRepo(
      {
        '.yoke/blueprints/ship.toml': [
          'description = "lint first, then build, then push"',
          'start = "lint"',
          '[nodes.lint]',
          'type = "run"',
          'commands = ["echo linting"]',
          'next = "build"',
          '[nodes.build]',
          'type = "agent"',
          'prompt = "{{prompt}} (branch {{branch}})"',
          'tools = ["apply_patch"]',
          'next = "verify"',
          '[nodes.verify]',
          'type = "checks"',
          'next = "save"',
          '[nodes.save]',
          'type = "commit"',
          'message = "feat: {{prompt}}"',
          'next = "publish"',
          '[nodes.publish]',
          'type = "push"',
          'remote = "local"',
          'next = "describe"',
          '[nodes.describe]',
          'type = "pr"',
        ].join('\n'),
      },
      null,
      t,
    );
    git(repo, 'remote', 'add', 'local', remote);
    const { id } = await tasks.submit({
      prompt: 'add the feature',
      repo,
      blueprint: 'ship',
      checks: ['test -f feature.txt'],
    });
    const task = await tasks.settled(id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    assert.equal(task.blueprint, 'ship');
    assert.deepEqual(
      task.nodes.map((n) => n.node),
      ['lint', 'build', 'verify', 'save', 'publish', 'describe'],
    );
    assert.equal(task.result!.commits[0]!.subject, 'feat: add the feature');
    assert.equal(git(remote, 'rev-parse', task.branch), task.result!.headCommit);
    assert.match(
      task.result!.prDescription!,
      /# add the feature[\s\S]*- \[x\] `test -f feature.txt`[\s\S]*feature.txt \| 1 \+/,
    );
    // The agent got only the tools the node named.
    const tools = (mock.requests[0]!.json as { tools: { name: string }[] }).tools.map(
      (x) => x.name,
    );
    assert.deepEqual(tools, ['apply_patch']);
    assert.match(lastUserText(mock.requests[0]!), /add the feature \(branch yoke\//);
  },
);

test('a hung model request is stopped by the time budget', { timeout: 60_000 }, async (t) => {
  const { tasks } = await setup(t, [hang()]);
  const repo = taskRepo(
    {
      '.yoke/blueprints/quick.json': JSON.stringify({
        start: 'think',
        nodes: { think: { type: 'agent', prompt: '{{prompt}}', budget: { seconds: 1 } } },
      }),
    },
    null,
    t,
  );
  const { id } = await tasks.submit({ prompt: 'think forever', repo, blueprint: 'quick' });
  const task = await tasks.settled(id);
  assert.equal(task.status, 'failed');
  assert.match(task.error!.message, /think failed: stopped: over its time budget/);
});
