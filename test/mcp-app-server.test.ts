// The MCP methods of the App Server, against the real server-everything over stdio and a
// streamable-HTTP server: mcpServerStatus/list (state, tools, resources, pages), a tool call and
// a resource read by hand, config/mcpServer/reload, and the startup notifications.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { startAppServerHost } from '../src/surfaces/app-server-host.ts';
import { tempDir, tempRepo } from './support/cli.ts';
import { everythingServer, startHttpMcpServer, stdioToml } from './support/mcp-servers.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';

test(
  'mcpServerStatus/list, mcpServer/tool/call, mcpServer/resource/read, config/mcpServer/reload',
  { timeout: 60_000 },
  async (t) => {
    const http = await startHttpMcpServer();
    t.after(() => http.close());
    const home = tempDir('mcp-rpc', t);
    const repo = tempRepo({ 'a.txt': 'a\n' }, t);
    const write = (extra: string) =>
      writeFileSync(
        join(home, 'config.toml'),
        [
          stdioToml('everything', everythingServer(), extra),
          `[mcp_servers.web]\nurl = "${http.url}"\n`,
        ].join('\n'),
      );
    write('disabled_tools = ["toggle-*"]');
    const env = { YOKE_HOME: home, OPENAI_API_KEY: 'k' };
    const host = startAppServerHost({ config: loadConfig({ env, cwd: repo }) });
    t.after(() => host.close());
    const client = await host.connect({ name: 'mcp_test', version: '0' });
    const startup: string[] = [];
    client.onNotification('mcpServer/startupStatus/updated', (p) =>
      startup.push(`${p.name}:${p.status}`),
    );
    const { thread } = await client.request('thread/start', { cwd: repo });

    const { data, nextCursor } = await client.request('mcpServerStatus/list', {});
    assert.equal(nextCursor, null);
    assert.deepEqual(
      data.map((s) => [s.name, s.runtimeStatus, s.authStatus, s.httpOrigin]),
      [
        ['everything', 'connected', 'unsupported', null],
        ['web', 'connected', 'unsupported', new URL(http.url).origin],
      ],
    );
    const everything = data[0]!;
    assert.equal(everything.serverInfo?.name, 'mcp-servers/everything');
    assert.ok(everything.tools['get-sum']);
    assert.ok(!everything.tools['toggle-simulated-logging'], 'disabled_tools');
    assert.equal(everything.qualifiedNames?.['get-sum'], 'mcp__everything__get-sum');
    assert.ok(everything.resources.length > 0);
    assert.equal(data[1]!.tools.lookup?.name, 'lookup');
    assert.ok(
      startup.includes('everything:ready') && startup.includes('web:ready'),
      startup.join(),
    );

    const page = await client.request('mcpServerStatus/list', { limit: 1 });
    assert.deepEqual(
      page.data.map((s) => s.name),
      ['everything'],
    );
    assert.equal(page.nextCursor, '1');
    const rest = await client.request('mcpServerStatus/list', { cursor: '1', limit: 1 });
    assert.deepEqual(
      rest.data.map((s) => s.name),
      ['web'],
    );

    const sum = await client.request('mcpServer/tool/call', {
      threadId: thread.id,
      server: 'everything',
      tool: 'get-sum',
      arguments: { a: 20, b: 22 },
    });
    assert.match(JSON.stringify(sum.content), /The sum of 20 and 22 is 42/);
    await assert.rejects(
      client.request('mcpServer/tool/call', {
        threadId: thread.id,
        server: 'everything',
        tool: 'toggle-simulated-logging',
      }),
      /has no tool "toggle-simulated-logging"/,
    );
    await assert.rejects(
      client.request('mcpServer/tool/call', { threadId: thread.id, server: 'nope', tool: 'x' }),
      /no MCP server "nope" \(configured: everything, web\)/,
    );

    const uri = everything.resources[0]!.uri;
    const read = await client.request('mcpServer/resource/read', { server: 'everything', uri });
    assert.equal(read.contents[0]!.uri, uri);

    // Reload: a changed server restarts with its new config; the other keeps running.
    const pid = host.manager.mcp.server('everything').pid;
    write('disabled_tools = ["toggle-*", "get-sum"]');
    await client.request('config/mcpServer/reload', {});
    const after = await client.request('mcpServerStatus/list', { serverName: 'everything' });
    assert.equal(after.data.length, 1);
    assert.ok(!after.data[0]!.tools['get-sum'], 'the reloaded config applies');
    assert.notEqual(host.manager.mcp.server('everything').pid, pid, 'restarted');
  },
);

test(
  "a server's elicitation mid-turn reaches the client as mcpServer/elicitation/request",
  { timeout: 60_000 },
  async (t) => {
    const mock = await startMockModel([
      toolCall('mcp__everything__trigger-elicitation-request', {}),
      text('thanks'),
    ]);
    t.after(() => mock.close());
    const home = tempDir('mcp-elicit', t);
    const repo = tempRepo({ 'a.txt': 'a\n' }, t);
    writeFileSync(join(home, 'config.toml'), stdioToml('everything', everythingServer()));
    const env = { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' };
    const host = startAppServerHost({ config: loadConfig({ env, cwd: repo }) });
    t.after(() => host.close());
    const client = await host.connect({ name: 'mcp_test', version: '0' });
    const asked: Record<string, unknown>[] = [];
    client.onServerRequest('mcpServer/elicitation/request', (params) => {
      asked.push(params as Record<string, unknown>);
      return { action: 'accept', content: { name: 'Ada', check: true, integer: 7 } };
    });
    const items: unknown[] = [];
    client.onNotification('item/completed', (p) => items.push(p.item));
    const completed = new Promise<string>((resolve) =>
      client.onNotification('turn/completed', (p) => resolve(p.turn.status)),
    );
    const { thread } = await client.request('thread/start', { cwd: repo });
    await client.request('turn/start', {
      threadId: thread.id,
      input: [{ type: 'text', text: 'ask me', text_elements: [] }],
    });
    assert.equal(await completed, 'completed');
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.threadId, thread.id);
    assert.equal(asked[0]!.serverName, 'everything');
    assert.equal(asked[0]!.mode, 'form');
    const call = items.find((i) => (i as { type: string }).type === 'mcpToolCall') as {
      status: string;
      result: unknown;
      id: string;
    };
    assert.equal(asked[0]!.itemId, call.id);
    assert.equal(call.status, 'completed');
    assert.match(JSON.stringify(call.result), /Ada/);
  },
);
