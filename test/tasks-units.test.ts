// Units of the task runner: the embedded queue's order and limits, blueprint checking and
// templates, task.toml parsing, the task store, a worker's claim kept through a store outage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_BLUEPRINT } from '../src/tasks/blueprint-default.ts';
import { parseBlueprint, renderTemplate, validateBlueprint } from '../src/tasks/blueprint.ts';
import { claimThroughOutage } from '../src/tasks/claim-wait.ts';
import { programOf, tail } from '../src/tasks/commands.ts';
import { EmbeddedQueue, type TaskJob } from '../src/tasks/queue.ts';
import { parseTaskConfig } from '../src/tasks/task-config.ts';
import { Workspaces } from '../src/tasks/workspaces.ts';
import { tempDir } from './support/cli.ts';
import { git, taskRepo } from './support/task-fixtures.ts';
import { builtinShed } from '../src/mcp/toolsets.ts';

const TOOLS = builtinShed(['shell', 'apply_patch', 'read_file']);

/** A worker whose jobs finish when the test says so. */
function controlledWorker() {
  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const worker = (job: TaskJob) =>
    new Promise<void>((resolve) => {
      started.push(job.taskId);
      finish.set(job.taskId, resolve);
    });
  const end = async (id: string) => {
    finish.get(id)!();
    // The queue starts the next job once the finished one's promise has settled.
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { started, worker, end };
}

test('embedded queue: FIFO within the global limit; a full repo does not hold back others', async () => {
  const queue = new EmbeddedQueue({ concurrency: 2, perGroup: 1 });
  const { started, worker, end } = controlledWorker();
  for (const [taskId, group] of [
    ['a1', 'A'],
    ['a2', 'A'],
    ['b1', 'B'],
    ['c1', 'C'],
  ]) {
    await queue.add({ taskId: taskId!, group: group! });
  }
  queue.process(worker);
  assert.deepEqual(started, ['a1', 'b1'], 'a2 waits for A; b1 overtakes it');
  assert.equal(await queue.remove('c1'), true);
  assert.equal(await queue.remove('b1'), false, 'running jobs are not waiting');
  await end('a1');
  assert.deepEqual(started, ['a1', 'b1', 'a2']);
  assert.equal(queue.waiting, 0);
  assert.equal(queue.active, 2);
  await end('b1');
  await end('a2');
  await queue.close();
  assert.equal(queue.active, 0);
});

test('blueprints: the default is valid; edges, placeholders, tools and loops are checked', () => {
  assert.equal(validateBlueprint(DEFAULT_BLUEPRINT, TOOLS), DEFAULT_BLUEPRINT);
  const bad = (data: unknown) => () => parseBlueprint(data, 'b', TOOLS);
  assert.throws(bad({ start: 'x', nodes: {} }), /has no nodes; start node "x" does not exist/);
  assert.throws(bad({ start: 'a', nodes: { a: { type: 'teleport' } } }), /nodes\.a\.type/);
  assert.throws(
    bad({ start: 'a', nodes: { a: { type: 'run', commands: ['x'], colour: 'red' } } }),
    /Unrecognized key.*colour/,
  );
  assert.throws(
    bad({ start: 'a', nodes: { a: { type: 'agent', prompt: 'p', tools: ['rm_rf'] } } }),
    /node "a": tools: "rm_rf" matches no tool/,
  );
  assert.throws(
    bad({ start: 'a', nodes: { a: { type: 'checks', on_failure: 'a' } } }),
    /unbounded loop a → a/,
  );
  const bounded = parseBlueprint(
    { start: 'a', nodes: { a: { type: 'checks', on_failure: 'a', max_visits: 3 } } },
    'b',
    TOOLS,
  );
  assert.equal(bounded.nodes.a!.maxVisits, 3);
  assert.equal(
    renderTemplate('{{prompt}} / {{ round }} of {{maxRounds}}', {
      prompt: 'P',
      checkOutput: '',
      round: '1',
      maxRounds: '2',
      checks: '',
      branch: '',
      taskId: '',
      summary: '',
      diffStat: '',
    }),
    'P / 1 of 2',
  );
});

test('task.toml: defaults, snake_case keys, and clear errors', () => {
  const config = parseTaskConfig('setup = ["npm ci"]\nmax_fix_rounds = 0\nnetwork = true\n', TOOLS);
  assert.deepEqual(config.setup, ['npm ci']);
  assert.equal(config.maxFixRounds, 0);
  assert.equal(config.network, true);
  assert.equal(config.approvalPolicy, 'never');
  assert.equal(config.timeBudgetS, 3600);
  assert.throws(() => parseTaskConfig('checks = [', TOOLS), /task\.toml is not valid TOML/);
  assert.throws(() => parseTaskConfig('approval_policy = "sometimes"', TOOLS), /approval_policy: /);
  assert.throws(() => parseTaskConfig('max_fix_rounds = -1', TOOLS), /max_fix_rounds: /);
});

test('task.toml and blueprint agent nodes: tools patterns and toolsets, checked at submit', () => {
  const shed = {
    ...TOOLS,
    servers: ['github'],
    toolsOf: () => ['mcp__github__get_issue', 'mcp__github__create_issue'],
    toolsets: { reviewer: { tools: ['read_file', 'mcp__github__get_*'], description: null } },
  };
  const config = parseTaskConfig(
    'toolset = "reviewer"\ntools = ["read_*", "mcp__github__*"]\n',
    shed,
  );
  assert.equal(config.toolset, 'reviewer');
  assert.deepEqual(config.tools, ['read_*', 'mcp__github__*']);
  assert.throws(() => parseTaskConfig('toolset = "writer"', shed), /unknown toolset "writer"/);
  assert.throws(
    () => parseTaskConfig('tools = ["mcp__github__delete_*"]', shed),
    /task\.toml: tools: "mcp__github__delete_\*" matches no tool of MCP server "github"/,
  );
  const blueprint = (node: Record<string, unknown>) =>
    parseBlueprint(
      { start: 'a', nodes: { a: { type: 'agent', prompt: 'p', ...node } } },
      'b',
      shed,
    );
  assert.equal(blueprint({ toolset: 'reviewer' }).nodes.a!.type, 'agent');
  assert.throws(() => blueprint({ toolset: 'nope' }), /node "a": unknown toolset "nope"/);
});

test('commands: the program of a command line, and output tails at line starts', () => {
  assert.equal(programOf('CI=1 FOO=bar npm test -- --watch=false'), 'npm');
  assert.equal(programOf('  ./scripts/check.sh'), './scripts/check.sh');
  const text = Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n');
  const cut = tail(text, 100);
  assert.ok(cut.startsWith('…\nline '));
  assert.ok(cut.endsWith('line 2999'));
  assert.ok(Buffer.byteLength(cut) <= 104);
});

test(
  'worktrees: many made, moved onto branches and removed at once on one repository, none fails',
  { timeout: 120_000 },
  async (t) => {
    // Unserialised, git fails about 1 in 60 concurrent `worktree add`s on one repository (a
    // lister reads a half-made .git/worktrees entry); 3 × 40 at once show it.
    const repo = taskRepo({ 'README.md': '# r\n' }, null, t);
    const home = tempDir('worktrees', t);
    const workspaces = new Workspaces(home);
    const commit = git(repo, 'rev-parse', 'HEAD');
    const names = Array.from({ length: 120 }, (_, i) => `w${i}`);
    await Promise.all(
      names.map(async (name, i) => {
        const dir = workspaces.dirFor(name);
        if (i % 2) await workspaces.create(repo, dir, commit, `yoke/${name}`);
        else {
          await workspaces.create(repo, dir, commit, null);
          await workspaces.adopt(repo, dir, `yoke/${name}`);
        }
      }),
    );
    assert.equal(git(repo, 'branch', '--list', 'yoke/*').split('\n').length, names.length);
    await Promise.all(names.map((name) => workspaces.remove(repo, workspaces.dirFor(name))));
    assert.equal(git(repo, 'worktree', 'list').split('\n').length, 1, 'only the checkout is left');
  },
);

/** A claim that fails `outage` times with store_unavailable, then answers (or throws `then`). */
function flakyClaim(outage: number, then?: Error) {
  const calls = { count: 0 };
  const claim = async () => {
    calls.count++;
    if (calls.count <= outage)
      throw Object.assign(
        new Error('the PostgreSQL store at pg://x is unreachable: ECONNREFUSED'),
        {
          code: 'store_unavailable',
        },
      );
    if (then) throw then;
    return { id: 't1' };
  };
  return { claim, calls };
}

const FAST = { first: 1, max: 4 };

test(
  'claim through an outage: retried until the store answers, said once each way',
  { timeout: 10_000 },
  async () => {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const signal = new AbortController().signal;

    const quiet = flakyClaim(0);
    assert.deepEqual(await claimThroughOutage(quiet.claim, { taskId: 't1', signal, log }), {
      id: 't1',
    });
    assert.deepEqual(lines, [], 'no outage, nothing said');

    const down = flakyClaim(6);
    const got = await claimThroughOutage(down.claim, { taskId: 't1', signal, log, delays: FAST });
    assert.deepEqual(got, { id: 't1' });
    assert.equal(down.calls.count, 7);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /^task t1 waits for the store: the PostgreSQL store .* unreachable/);
    assert.match(lines[1]!, /^task t1 got through to the store after [\d.]+ s and is claimed$/);

    // Any other error is the caller's, at once.
    lines.length = 0;
    const broken = flakyClaim(0, new Error('syntax error'));
    await assert.rejects(
      claimThroughOutage(broken.claim, { taskId: 't1', signal, log, delays: FAST }),
      /syntax error/,
    );
    assert.equal(broken.calls.count, 1);
    assert.deepEqual(lines, []);
  },
);

test(
  'claim through an outage: a worker stopping ends the wait unclaimed',
  { timeout: 10_000 },
  async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const down = flakyClaim(Number.POSITIVE_INFINITY);
    const waiting = claimThroughOutage(down.claim, {
      taskId: 't2',
      signal: stop.signal,
      // The first line: the wait began; stop while it sleeps a long backoff.
      log: (line) => {
        lines.push(line);
        if (lines.length === 1) stop.abort();
      },
      delays: { first: 60_000, max: 60_000 },
    });
    assert.equal(await waiting, 'stopped');
    assert.equal(down.calls.count, 1, 'not tried again once stopped');
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[1]!, /^task t2 still waited for the store when this worker stopped/);
  },
);
