// MCP tools in threads, against the real npm servers (server-everything, server-filesystem)
// over stdio and a scripted model: the tools in the request (names, order, place), calls as
// mcpToolCall items, approvals through the broker ([[rule]] mcp, read-only hints), long results
// cut, a server killed mid-call, a server that never starts, servers shared by threads.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ThreadItem } from '../src/protocol/items.ts';
import type { PendingApproval } from '../src/runtime/approvals.ts';
import { loadConfig } from '../src/runtime/config.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import type { ThreadSession } from '../src/runtime/thread-session.ts';
import { runYoke, tempDir, tempRepo } from './support/cli.ts';
import {
  changingServer,
  everythingServer,
  filesystemServer,
  stdioToml,
} from './support/mcp-servers.ts';
import { startMockModel, text, toolCall, type MockScript } from './support/mock-model.ts';

const TIMEOUT = { timeout: 90_000 };
const BUILTIN = ['shell', 'apply_patch', 'read_file', 'list_dir', 'grep', 'update_plan'];

async function setup(t: TestContext, script: MockScript, toml: string, rules = '') {
  const mock = await startMockModel(script);
  const home = tempDir('mcp-home', t);
  writeFileSync(join(home, 'config.toml'), toml);
  if (rules) {
    mkdirSync(join(home, 'rules'));
    writeFileSync(join(home, 'rules', 'mcp.toml'), rules);
  }
  const repo = tempRepo({ 'a.txt': 'a\n' }, t);
  const config = loadConfig({
    env: {
      YOKE_HOME: home,
      OPENAI_BASE_URL: mock.url,
      OPENAI_API_KEY: 'k',
      PATH: process.env.PATH,
    },
    cwd: repo,
  });
  const manager = new ThreadManager({ config });
  t.after(async () => {
    await manager.closeMcp();
    manager.close();
    await mock.close();
  });
  return { mock, repo, manager, config };
}

/** Every completed item and every approval of a session, as they happen. */
function watch(session: ThreadSession, onApproval: (a: PendingApproval) => void = () => {}) {
  const completed: ThreadItem[] = [];
  const progress: string[] = [];
  session.subscribe((e) => {
    if (e.type === 'approvalRequested') onApproval(e.approval);
    if (e.type !== 'notification') return;
    const n = e.notification;
    if (n.method === 'item/completed') completed.push(n.params.item);
    if (n.method === 'item/mcpToolCall/progress') progress.push(n.params.message);
  });
  return { completed, progress };
}

type Body = { tools: { name: string }[]; input: { type: string; output?: unknown }[] };
const bodyOf = (raw: unknown) => raw as Body;
const outputs = (body: Body) =>
  body.input.filter((i) => i.type === 'function_call_output').map((i) => JSON.stringify(i.output));
const mcpItems = (items: ThreadItem[]) =>
  items.filter((i): i is Extract<ThreadItem, { type: 'mcpToolCall' }> => i.type === 'mcpToolCall');

test(
  'MCP tools in a thread: names, order and place; items; approvals; long results cut',
  TIMEOUT,
  async (t) => {
    const dir = tempDir('mcp-files', t);
    writeFileSync(
      join(dir, 'big.txt'),
      Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n'),
    );
    const { mock, repo, manager } = await setup(
      t,
      [
        toolCall('mcp__everything__echo', { message: 'hello' }),
        toolCall('mcp__everything__get-sum', { a: 2, b: 40 }),
        toolCall('mcp__fs__write_file', { path: join(dir, 'out.txt'), content: 'written' }),
        toolCall('mcp__fs__read_text_file', { path: join(dir, 'big.txt') }),
        toolCall('mcp__everything__get-env', {}),
        text('done'),
      ],
      [
        'approval_policy = "untrusted"',
        'tool_output_budget_bytes = 1024',
        stdioToml('everything', everythingServer(), 'disabled_tools = ["toggle-*"]'),
        stdioToml('fs', filesystemServer(dir)),
      ].join('\n'),
      '[[rule]]\nmcp = ["everything", "get-env"]\ndecision = "forbidden"\n',
    );
    const session = manager.startThread({ cwd: repo });
    const asked: PendingApproval[] = [];
    const seen = watch(session, (approval) => {
      asked.push(approval);
      session.resolveApproval(approval.id, 'accept', 'test');
    });
    const result = await session.startTurn([{ type: 'text', text: 'go' }]).done;
    assert.equal(result.status, 'completed', JSON.stringify(result.error));
    assert.equal(result.lastMessage, 'done');

    // The tools: the built-in ones, then the MCP ones sorted, the same in every request.
    const bodies = mock.requests.map((r) => bodyOf(r.json));
    assert.equal(bodies.length, 6);
    const names = bodies[0]!.tools.map((tool) => tool.name);
    assert.deepEqual(names.slice(0, BUILTIN.length), BUILTIN);
    const mcp = names.slice(BUILTIN.length);
    assert.ok(mcp.every((n) => n.startsWith('mcp__')));
    assert.deepEqual(mcp, [...mcp].sort());
    assert.ok(mcp.includes('mcp__everything__get-sum') && mcp.includes('mcp__fs__read_text_file'));
    assert.ok(!mcp.some((n) => n.startsWith('mcp__everything__toggle-')), 'disabled_tools');
    const toolsJson = JSON.stringify(bodies[0]!.tools);
    for (const body of bodies) assert.equal(JSON.stringify(body.tools), toolsJson);
    for (const [i, r] of mock.requests.entries())
      if (i > 0) assert.ok(r.body.startsWith(mock.requests[i - 1]!.body.slice(0, 2000)));

    // Only write_file asked: the others are read-only, and get-env is forbidden by a rule.
    assert.deepEqual(
      asked.map((a) => [a.method, (a.params as { serverName?: string }).serverName]),
      [['mcpServer/elicitation/request', 'fs']],
    );
    assert.match(JSON.stringify(asked[0]!.params), /write_file/);
    assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'written');

    const items = mcpItems(seen.completed);
    assert.deepEqual(
      items.map((i) => [i.server, i.tool, i.status]),
      [
        ['everything', 'echo', 'completed'],
        ['everything', 'get-sum', 'completed'],
        ['fs', 'write_file', 'completed'],
        ['fs', 'read_text_file', 'completed'],
        ['everything', 'get-env', 'failed'],
      ],
    );
    assert.deepEqual(items[1]!.arguments, { a: 2, b: 40 });
    assert.match(JSON.stringify(items[1]!.result), /42/);
    assert.match(items[4]!.error!.message, /Not allowed: rule 1 of .*mcp\.toml/);

    const sent = outputs(bodies[5]!);
    assert.match(sent[0]!, /hello/);
    assert.match(sent[1]!, /42/);
    assert.ok(sent[3]!.length < 1400, `the long result is cut (${sent[3]!.length})`);
    assert.match(sent[3]!, /line 0\\n[\s\S]*omitted[\s\S]*line 2999/);
    assert.match(sent[4]!, /Not allowed/);

    // A second thread uses the same running servers.
    const pid = manager.mcp!.server('everything').pid;
    assert.ok(pid);
    manager.startThread({ cwd: repo });
    await manager.mcp!.startAll();
    assert.equal(manager.mcp!.server('everything').pid, pid);
  },
);

test(
  'a server killed mid-call: the call fails with the reason, the turn goes on, the next use restarts it',
  TIMEOUT,
  async (t) => {
    const { repo, manager } = await setup(
      t,
      [
        toolCall('mcp__everything__trigger-long-running-operation', { duration: 60, steps: 60 }),
        text('carried on'),
        toolCall('mcp__everything__get-sum', { a: 1, b: 1 }),
        text('again'),
      ],
      stdioToml('everything', everythingServer()),
    );
    const session = manager.startThread({ cwd: repo });
    const seen = watch(session);
    let killed = false;
    session.subscribe((e) => {
      if (
        !killed &&
        e.type === 'notification' &&
        e.notification.method === 'item/mcpToolCall/progress'
      ) {
        killed = true;
        process.kill(manager.mcp!.server('everything').pid!, 'SIGKILL');
      }
    });
    const first = await session.startTurn([{ type: 'text', text: 'run it' }]).done;
    assert.equal(first.status, 'completed');
    assert.equal(first.lastMessage, 'carried on');
    assert.ok(killed, 'progress was reported before the kill');
    const [failed] = mcpItems(seen.completed);
    assert.equal(failed!.status, 'failed');
    assert.match(failed!.error!.message, /everything/);
    assert.match(failed!.error!.message, /exited|closed/);

    const second = await session.startTurn([{ type: 'text', text: 'again' }]).done;
    assert.equal(second.lastMessage, 'again');
    const sum = mcpItems(seen.completed)[1]!;
    assert.equal(sum.status, 'completed');
    assert.match(JSON.stringify(sum.result), /2/);
    assert.equal(manager.mcp!.server('everything').state, 'connected');
  },
);

test(
  'a server that never starts holds the first request back no longer than its startup timeout',
  TIMEOUT,
  async (t) => {
    const hung = { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] };
    const { mock, repo, manager } = await setup(
      t,
      [text('answered')],
      [
        stdioToml('everything', everythingServer()),
        stdioToml('hung', hung, 'startup_timeout_sec = 0.5'),
      ].join('\n'),
    );
    const started = performance.now();
    const session = manager.startThread({ cwd: repo });
    const result = await session.startTurn([{ type: 'text', text: 'hi' }]).done;
    const elapsed = performance.now() - started;
    assert.equal(result.lastMessage, 'answered');
    assert.ok(elapsed < 10_000, `the turn did not wait long (${Math.round(elapsed)} ms)`);
    const names = bodyOf(mock.requests[0]!.json).tools.map((tool) => tool.name);
    assert.ok(names.includes('mcp__everything__echo'));
    assert.ok(!names.some((n) => n.startsWith('mcp__hung__')));
    const hungServer = manager.mcp!.server('hung');
    assert.equal(hungServer.state, 'failed');
    assert.match(hungServer.error!, /startup_timeout_sec/);
  },
);

test(
  'a tool list that changes mid-thread: the new tool is appended, not sorted in, also after a restart',
  TIMEOUT,
  async (t) => {
    const keep = join(tempDir('mcp-changing', t), 'added.txt');
    const { mock, repo, manager, config } = await setup(
      t,
      [
        toolCall('mcp__changing__add_tool', { name: 'aardvark' }),
        text('added'),
        toolCall('mcp__changing__aardvark', {}),
        text('ran it'),
        text('resumed'),
        text('a new thread'),
      ],
      stdioToml('changing', changingServer(keep)),
    );
    const session = manager.startThread({ cwd: repo });
    const seen = watch(session);
    // The server says its list changed; the hub lists the tools again and tells us.
    const relisted = new Promise<void>((resolve) => {
      const off = manager.mcp.on((event) => {
        if (event.type === 'tools' && manager.mcp.entry('mcp__changing__aardvark')) {
          off();
          resolve();
        }
      });
    });
    const first = await session.startTurn([{ type: 'text', text: 'add a tool' }]).done;
    assert.equal(first.lastMessage, 'added');
    await relisted;
    const second = await session.startTurn([{ type: 'text', text: 'use it' }]).done;
    assert.equal(second.lastMessage, 'ran it');

    // Yoke restarts; the server starts with both tools. The thread keeps its order; a new
    // thread gets them sorted.
    await manager.closeMcp();
    manager.close();
    const restarted = new ThreadManager({ config });
    t.after(async () => {
      await restarted.closeMcp();
      restarted.close();
    });
    const resumed = restarted.resumeThread(session.id);
    assert.equal(
      (await resumed.startTurn([{ type: 'text', text: 'again' }]).done).lastMessage,
      'resumed',
    );
    const fresh = restarted.startThread({ cwd: repo });
    assert.equal(
      (await fresh.startTurn([{ type: 'text', text: 'new' }]).done).lastMessage,
      'a new thread',
    );

    const tools = mock.requests.map((r) => bodyOf(r.json).tools.map((tool) => tool.name));
    assert.equal(tools.length, 6);
    const before = tools[0]!;
    assert.deepEqual(before.slice(BUILTIN.length), ['mcp__changing__add_tool']);
    assert.deepEqual(tools[1], before);
    // Sorted, aardvark would come first; it goes after the tools already offered.
    assert.deepEqual(tools[2], [...before, 'mcp__changing__aardvark']);
    assert.deepEqual(tools[3], tools[2]);
    const json = (i: number) => JSON.stringify(bodyOf(mock.requests[i]!.json).tools);
    assert.ok(json(2).startsWith(json(0).slice(0, -1)), 'the earlier tools are byte-identical');
    assert.equal(json(4), json(2), 'the resumed thread offers the same tools in the same order');
    assert.deepEqual(tools[5]!.slice(BUILTIN.length), [
      'mcp__changing__aardvark',
      'mcp__changing__add_tool',
    ]);
    assert.deepEqual(
      mcpItems(seen.completed).map((i) => [i.tool, i.status, JSON.stringify(i.result?.content)]),
      [
        ['add_tool', 'completed', '[{"type":"text","text":"added aardvark"}]'],
        ['aardvark', 'completed', '[{"type":"text","text":"aardvark ran"}]'],
      ],
    );
  },
);

test(
  'a toolset limits what the model is offered and what it can call; unknown patterns are refused',
  TIMEOUT,
  async (t) => {
    const { mock, repo, manager } = await setup(
      t,
      [toolCall('mcp__everything__echo', { message: 'sneaky' }), text('refused')],
      [
        stdioToml('everything', everythingServer()),
        '[toolsets.reviewer]',
        'tools = ["read_file", "grep", "mcp__everything__get-*"]',
      ].join('\n'),
    );
    const session = manager.startThread({ cwd: repo, toolset: 'reviewer' });
    const seen = watch(session);
    const result = await session.startTurn([{ type: 'text', text: 'go' }]).done;
    assert.equal(result.lastMessage, 'refused');
    const names = bodyOf(mock.requests[0]!.json).tools.map((tool) => tool.name);
    assert.equal(names[0], 'read_file');
    assert.equal(names[1], 'grep');
    assert.ok(names.length > 3);
    assert.ok(
      names.slice(2).every((n) => n.startsWith('mcp__everything__get-')),
      names.join(),
    );
    assert.equal(mcpItems(seen.completed).length, 0, 'echo never ran');
    assert.match(
      outputs(bodyOf(mock.requests[1]!.json))[0]!,
      /unknown tool \\"mcp__everything__echo\\"/,
    );

    // Refused at start, with the reason (the server's tools are known by now).
    const refused = (options: { toolset?: string; tools?: string[] }, pattern: RegExp) =>
      assert.throws(() => manager.startThread({ cwd: repo, ...options }), pattern);
    refused({ toolset: 'nope' }, /unknown toolset "nope" \(toolsets: reviewer\)/);
    refused({ tools: ['shel*', 'teleport'] }, /"teleport" matches no tool \(built-in tools: shell/);
    refused({ tools: ['mcp__ghost__*'] }, /MCP server "ghost", which is not configured/);
    refused({ tools: ['mcp__everything__nothing*'] }, /matches no tool of MCP server "everything"/);
  },
);

test('yoke tools list [--toolset] and yoke tools call', TIMEOUT, async (t) => {
  const home = tempDir('mcp-cli', t);
  writeFileSync(
    join(home, 'config.toml'),
    [
      stdioToml('everything', everythingServer(), 'disabled_tools = ["toggle-*"]'),
      '[toolsets.sums]',
      'tools = ["read_file", "mcp__everything__get-sum"]',
    ].join('\n'),
  );
  const env = { ...process.env, YOKE_HOME: home };
  const all = await runYoke(['tools', 'list'], { cwd: home, env });
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /^shell +- +rw +Runs a command/m);
  assert.match(all.stdout, /^mcp__everything__get-sum +everything +ro +Returns the sum/m);
  assert.doesNotMatch(all.stdout, /toggle-/);
  const curated = await runYoke(['tools', 'list', '--toolset', 'sums', '--json'], {
    cwd: home,
    env,
  });
  assert.deepEqual(
    curated.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { name: string }).name),
    ['read_file', 'mcp__everything__get-sum'],
  );
  const sum = await runYoke(['tools', 'call', 'mcp__everything__get-sum', '{"a":20,"b":22}'], {
    cwd: home,
    env,
  });
  assert.equal(sum.code, 0, sum.stderr);
  assert.match(sum.stdout, /The sum of 20 and 22 is 42/);
  const missing = await runYoke(['tools', 'call', 'mcp__everything__nope'], { cwd: home, env });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no MCP tool mcp__everything__nope/);
});
