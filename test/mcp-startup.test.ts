// MCP servers that fail to start (a bad command, one that exits at once, one that never
// answers), against the real server-everything: each is an `error` item in the turn that
// needed it — stored with the turn and shown by `yoke exec` — the turn goes on, a call of one
// of its tools gets the reason, and the server starts again on its next use.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ThreadItem } from '../src/protocol/items.ts';
import { loadConfig } from '../src/runtime/config.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import { runYoke, tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { everythingServer, stdioToml } from './support/mcp-servers.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';

const TIMEOUT = { timeout: 120_000 };

type ErrorItem = Extract<ThreadItem, { type: 'error' }>;
type McpItem = Extract<ThreadItem, { type: 'mcpToolCall' }>;
const errorsOf = (items: ThreadItem[]) => items.filter((i): i is ErrorItem => i.type === 'error');
const callsOf = (items: ThreadItem[]) =>
  items.filter((i): i is McpItem => i.type === 'mcpToolCall');

/** server-everything, unless `flag` exists: then it writes a reason and exits at once. */
function flakyEverything(flag: string): { command: string; args: string[] } {
  const { command, args } = everythingServer();
  const run = [command, ...args].map((a) => `'${a}'`).join(' ');
  return {
    command: '/bin/sh',
    args: ['-c', `if [ -e '${flag}' ]; then echo 'broken on purpose' >&2; exit 3; fi; exec ${run}`],
  };
}

test(
  'a server that fails to start: an error item in the turn, a precise error for its tools, a restart on next use',
  TIMEOUT,
  async (t) => {
    const flag = join(tempDir('mcp-flag', t), 'broken');
    const mock = await startMockModel([
      toolCall('mcp__everything__echo', { message: 'first' }),
      text('one'),
      toolCall('mcp__everything__echo', { message: 'second' }),
      toolCall('mcp__ghost__anything', {}),
      text('two'),
      toolCall('mcp__everything__echo', { message: 'third' }),
      text('three'),
    ]);
    const home = tempDir('mcp-startup-home', t);
    writeFileSync(
      join(home, 'config.toml'),
      [
        stdioToml('everything', flakyEverything(flag)),
        stdioToml('ghost', { command: '/nonexistent/mcp-server', args: [] }),
        stdioToml(
          'hung',
          { command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'] },
          'startup_timeout_sec = 0.5',
        ),
      ].join('\n'),
    );
    const repo = tempRepo({ 'a.txt': 'a\n' }, t);
    const config = loadConfig({ env: yokeEnv(mock.url, home), cwd: repo });
    const manager = new ThreadManager({ config });
    t.after(async () => {
      await manager.closeMcp();
      manager.close();
      await mock.close();
    });
    const session = manager.startThread({ cwd: repo });
    const told: string[] = [];
    session.subscribe((e) => {
      if (e.type === 'notification' && e.notification.method === 'item/completed')
        told.push(e.notification.params.item.type);
    });

    // Turn 1: ghost (no such command) and hung (never answers) fail; everything works.
    const first = await session.startTurn([{ type: 'text', text: 'go' }]).done;
    assert.equal(first.lastMessage, 'one');
    const items1 = session.turns[0]!.items;
    const errors1 = errorsOf(items1);
    assert.deepEqual(errors1.map((e) => e.mcpServer).sort(), ['ghost', 'hung']);
    const ghost = errors1.find((e) => e.mcpServer === 'ghost')!;
    assert.match(ghost.message, /MCP server "ghost" failed to start: .*ENOENT/);
    assert.match(ghost.message, /starts again on its next use/);
    assert.match(
      errors1.find((e) => e.mcpServer === 'hung')!.message,
      /did not start within 0.5 s \(startup_timeout_sec\)/,
    );
    // Told before the model was asked, and stored with the turn, in the turn's order.
    assert.deepEqual(told.slice(0, 3), ['userMessage', 'error', 'error']);
    assert.equal(callsOf(items1)[0]!.status, 'completed');

    // Between turns everything dies and now exits at once when started.
    writeFileSync(flag, '');
    const server = manager.mcp.server('everything');
    const died = new Promise<void>((resolve) => {
      const off = server.on((event) => {
        if (event.type === 'state' && event.state === 'failed') {
          off();
          resolve();
        }
      });
    });
    process.kill(server.pid!, 'SIGKILL');
    await died;

    // Turn 2: everything fails to start (its reason in the item); its tool (still offered: its
    // list is known) and ghost's tool (never offered) get precise errors; the turn completes.
    const second = await session.startTurn([{ type: 'text', text: 'again' }]).done;
    assert.equal(second.status, 'completed');
    assert.equal(second.lastMessage, 'two');
    const items2 = session.turns[1]!.items;
    const everythingError = errorsOf(items2).find((e) => e.mcpServer === 'everything');
    assert.ok(everythingError, JSON.stringify(items2));
    assert.match(everythingError.message, /"everything" failed to start: .*broken on purpose/);
    const echo = callsOf(items2)[0]!;
    assert.equal(echo.status, 'failed');
    assert.match(echo.error!.message, /"everything" failed to start: .*broken on purpose/);
    const outputs = (
      mock.requests[4]!.json as { input: { type: string; output?: unknown }[] }
    ).input
      .filter((i) => i.type === 'function_call_output')
      .map((i) => String(i.output));
    assert.match(outputs.at(-2)!, /broken on purpose/);
    assert.match(
      outputs.at(-1)!,
      /"mcp__ghost__anything" is a tool of MCP server "ghost", which is not available: MCP server "ghost" failed to start: .*ENOENT/,
    );

    // Turn 3: fixed; the next use starts it again, and no error item is about it.
    rmSync(flag);
    const third = await session.startTurn([{ type: 'text', text: 'once more' }]).done;
    assert.equal(third.lastMessage, 'three');
    const items3 = session.turns[2]!.items;
    assert.ok(!errorsOf(items3).some((e) => e.mcpServer === 'everything'));
    assert.equal(callsOf(items3)[0]!.status, 'completed');
    assert.match(JSON.stringify(callsOf(items3)[0]!.result), /third/);
    assert.equal(manager.mcp.server('everything').state, 'connected');
  },
);

test(
  'yoke exec shows a server that failed to start as a warning, and --json as an error item',
  TIMEOUT,
  async (t) => {
    const mock = await startMockModel([text('fine'), text('fine again')]);
    t.after(() => mock.close());
    const home = tempDir('mcp-exec-home', t);
    writeFileSync(
      join(home, 'config.toml'),
      stdioToml('ghost', { command: '/nonexistent/mcp-server', args: [] }),
    );
    const repo = tempRepo({ 'a.txt': 'a\n' }, t);
    const env = yokeEnv(mock.url, home);
    const human = await runYoke(['exec', 'hello'], { cwd: repo, env });
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout.trim(), 'fine');
    assert.match(human.stderr, /warning MCP server "ghost" failed to start: .*ENOENT/);

    const json = await runYoke(['exec', '--json', 'hello'], { cwd: repo, env });
    assert.equal(json.code, 0, json.stderr);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; item?: Record<string, unknown> });
    const error = events.find((e) => e.type === 'item.completed' && e.item?.type === 'error');
    assert.ok(error, json.stdout);
    assert.match(String(error.item!.message), /"ghost" failed to start/);
    assert.equal(events.at(-1)!.type, 'turn.completed');
  },
);
