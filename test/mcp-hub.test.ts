// src/mcp against real MCP servers from npm (server-everything, server-filesystem) over stdio
// and a streamable-HTTP server started here: startup in parallel, the catalogue, calls with
// images, truncation, elicitation, a server killed mid-call, restart on next use, timeouts.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseMcpServers } from '../src/mcp/config.ts';
import { McpHub } from '../src/mcp/hub.ts';
import { mcpTool } from '../src/mcp/mcp-tool.ts';
import type { ToolContext } from '../src/tools/types.ts';
import { tempDir } from './support/cli.ts';
import { everythingServer, filesystemServer, startHttpMcpServer } from './support/mcp-servers.ts';

const TIMEOUT = { timeout: 60_000 };

function hubOf(table: Record<string, unknown>, cwd: string, env: NodeJS.ProcessEnv = {}): McpHub {
  const { servers } = parseMcpServers(table);
  return new McpHub({ servers, cwd, env: { PATH: process.env.PATH, ...env } });
}

function toolContext(over: Partial<ToolContext> = {}): ToolContext {
  return {
    cwd: process.cwd(),
    signal: new AbortController().signal,
    runner: { name: 'none', run: () => Promise.reject(new Error('no processes here')) },
    progress: () => {},
    authorize: async () => ({ approved: true }),
    commandTimeoutMs: 10_000,
    outputBudgetBytes: 24 * 1024,
    ...over,
  };
}

test(
  'servers start in parallel; the catalogue is sorted and filtered by config',
  TIMEOUT,
  async (t) => {
    const dir = tempDir('mcp-fs', t);
    const hub = hubOf(
      {
        everything: { ...everythingServer(), disabled_tools: ['toggle-*'] },
        fs: {
          ...filesystemServer(dir),
          enabled_tools: ['read_text_file', 'list_directory', 'write_file'],
        },
      },
      dir,
    );
    t.after(() => hub.close());
    await hub.startAll();
    assert.deepEqual(
      hub.servers.map((s) => [s.name, s.state]),
      [
        ['everything', 'connected'],
        ['fs', 'connected'],
      ],
    );
    const names = hub.catalogue().map((e) => e.name);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes('mcp__everything__get-sum'));
    assert.ok(!names.some((n) => n.startsWith('mcp__everything__toggle-')), 'disabled_tools');
    assert.deepEqual(
      names.filter((n) => n.startsWith('mcp__fs__')),
      ['mcp__fs__list_directory', 'mcp__fs__read_text_file', 'mcp__fs__write_file'],
    );
    const read = hub.entry('mcp__fs__read_text_file')!;
    assert.equal(read.readOnly, true);
    assert.equal(hub.entry('mcp__fs__write_file')!.readOnly, false);
    assert.equal((read.inputSchema as { type: string }).type, 'object');
  },
);

test(
  'calls: text, images as image parts, long text cut head + tail, errors',
  TIMEOUT,
  async (t) => {
    const dir = tempDir('mcp-fs', t);
    const big = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n');
    writeFileSync(join(dir, 'big.txt'), big);
    const hub = hubOf({ everything: everythingServer(), fs: filesystemServer(dir) }, dir);
    t.after(() => hub.close());
    await hub.startAll();
    const ctx = toolContext({ outputBudgetBytes: 2000 });

    const sum = await mcpTool(hub.entry('mcp__everything__get-sum')!, hub).execute(
      'c1',
      { a: 2, b: 40 },
      ctx,
    );
    assert.match(String(sum.output), /42/);
    assert.equal(sum.item.type, 'mcpToolCall');
    assert.equal(sum.item.type === 'mcpToolCall' && sum.item.status, 'completed');

    const image = await mcpTool(hub.entry('mcp__everything__get-tiny-image')!, hub).execute(
      'c2',
      {},
      ctx,
    );
    assert.ok(Array.isArray(image.output), 'an image result is sent as parts');
    const parts = image.output as { type: string; image_url?: string }[];
    assert.ok(
      parts.some(
        (p) => p.type === 'input_image' && p.image_url!.startsWith('data:image/png;base64,'),
      ),
    );

    const long = await mcpTool(hub.entry('mcp__fs__read_text_file')!, hub).execute(
      'c3',
      { path: join(dir, 'big.txt') },
      ctx,
    );
    const text = String(long.output);
    assert.ok(Buffer.byteLength(text) < 2400, `cut to the budget (${Buffer.byteLength(text)})`);
    assert.match(text, /^line 0\n/);
    assert.match(text, /line 4999$/);
    assert.match(text, /bytes \(\d+ lines\) omitted/);

    // Resources: an embedded text resource is given as its text, a link by name and URI.
    const embedded = await mcpTool(
      hub.entry('mcp__everything__get-resource-reference')!,
      hub,
    ).execute('c5', { resourceType: 'Text', resourceId: 2 }, ctx);
    assert.equal(typeof embedded.output, 'string');
    assert.match(
      String(embedded.output),
      /^\[resource demo:\/\/\S+\/text\/2\]\nResource 2: This is a plaintext resource/m,
    );
    const links = await mcpTool(hub.entry('mcp__everything__get-resource-links')!, hub).execute(
      'c6',
      { count: 2 },
      ctx,
    );
    assert.match(String(links.output), /\[resource Blob Resource 1: demo:\/\/\S+ — Resource 1/);
    assert.match(String(links.output), /\[resource Text Resource 2: demo:\/\/\S+ — Resource 2/);
    const stored = links.item.type === 'mcpToolCall' ? links.item.result!.content : [];
    assert.equal(stored.filter((b) => (b as { type: string }).type === 'resource_link').length, 2);

    const missing = await mcpTool(hub.entry('mcp__fs__read_text_file')!, hub).execute(
      'c4',
      { path: '/definitely/not/allowed' },
      ctx,
    );
    assert.equal(missing.item.type === 'mcpToolCall' && missing.item.status, 'failed');
    assert.match(String(missing.output), /denied|outside|not allowed/i);
  },
);

test(
  'elicitation goes to the call that caused it; a declined one is reported',
  TIMEOUT,
  async (t) => {
    const hub = hubOf({ everything: everythingServer() }, process.cwd());
    t.after(() => hub.close());
    await hub.startAll();
    const entry = hub.catalogue().find((e) => e.tool === 'trigger-elicitation-request');
    assert.ok(entry, 'the server offers elicitation to clients that support it');
    const asked: unknown[] = [];
    const accepted = await mcpTool(entry, hub).execute(
      'e1',
      {},
      toolContext({
        elicit: async (ask) => {
          asked.push(ask);
          return { action: 'accept', content: { name: 'Ada', check: true, integer: 7 } };
        },
      }),
    );
    assert.equal(asked.length, 1);
    const ask = asked[0] as {
      itemId: string;
      server: string;
      request: { mode: string; message: string };
    };
    assert.equal(ask.itemId, 'e1');
    assert.equal(ask.server, 'everything');
    assert.equal(ask.request.mode, 'form');
    assert.match(String(accepted.output), /Ada/);

    const declined = await mcpTool(entry, hub).execute(
      'e2',
      {},
      toolContext({ elicit: async () => ({ action: 'decline', content: null }) }),
    );
    assert.match(String(declined.output), /decline/i);
  },
);

test(
  'a server killed mid-call: a precise error, then it starts again on next use',
  TIMEOUT,
  async (t) => {
    const hub = hubOf({ everything: everythingServer() }, process.cwd());
    t.after(() => hub.close());
    await hub.startAll();
    const server = hub.server('everything');
    const pid = server.pid!;
    assert.ok(pid > 0);
    const progress: string[] = [];
    const call = server.callTool(
      'trigger-long-running-operation',
      { duration: 30, steps: 30 },
      { onProgress: (m) => progress.push(m) },
    );
    await new Promise<void>((resolve) => {
      const check = () => (progress.length > 0 ? resolve() : setImmediate(check));
      check();
    });
    process.kill(pid, 'SIGKILL');
    await assert.rejects(call, (err: Error & { code?: string }) => {
      assert.equal(err.code, 'mcp_unavailable');
      assert.match(err.message, /everything/);
      assert.match(err.message, /exited|closed/);
      return true;
    });
    assert.equal(server.state, 'failed');
    const again = await server.callTool('echo', { message: 'back' });
    assert.equal(server.state, 'connected');
    assert.notEqual(server.pid, pid);
    assert.match(JSON.stringify(again.content), /back/);
  },
);

test('a server that cannot start or never answers fails with the reason', TIMEOUT, async (t) => {
  const hub = hubOf(
    {
      missing: { command: '/nonexistent/mcp-server' },
      silent: {
        command: process.execPath,
        args: ['-e', 'setInterval(() => {}, 1000)'],
        startup_timeout_sec: 0.5,
      },
    },
    process.cwd(),
  );
  t.after(() => hub.close());
  await hub.startAll();
  const missing = hub.server('missing');
  const silent = hub.server('silent');
  assert.equal(missing.state, 'failed');
  assert.match(missing.error!, /"missing" failed to start: .*ENOENT/);
  assert.equal(silent.state, 'failed');
  assert.match(silent.error!, /did not start within 0.5 s/);
  assert.deepEqual(hub.catalogue(), []);
});

test(
  'streamable HTTP with a bearer token from the environment, http_headers and env_http_headers',
  TIMEOUT,
  async (t) => {
    const http = await startHttpMcpServer({ token: 's3cret' });
    t.after(() => http.close());
    const hub = hubOf(
      {
        web: {
          url: http.url,
          bearer_token_env_var: 'WEB_TOKEN',
          http_headers: { 'X-Team': 'platform' },
          env_http_headers: { 'X-Tenant': 'WEB_TENANT', 'X-Unset': 'WEB_UNSET' },
        },
      },
      process.cwd(),
      { WEB_TOKEN: 's3cret', WEB_TENANT: 'acme' },
    );
    t.after(() => hub.close());
    await hub.startAll();
    assert.deepEqual(
      hub.catalogue().map((e) => [e.name, e.readOnly]),
      [
        ['mcp__web__lookup', true],
        ['mcp__web__record', false],
      ],
    );
    const result = await mcpTool(hub.entry('mcp__web__lookup')!, hub).execute(
      'h1',
      { word: 'yoke' },
      toolContext(),
    );
    assert.equal(result.output, 'yoke: a word (over HTTP)');
    assert.equal(http.headers['x-team'], 'platform', 'http_headers');
    assert.equal(http.headers['x-tenant'], 'acme', 'env_http_headers');
    assert.equal(http.headers['x-unset'], undefined, 'a variable that is not set sends nothing');

    const noToken = hubOf(
      { web: { url: http.url, bearer_token_env_var: 'WEB_TOKEN' } },
      process.cwd(),
    );
    t.after(() => noToken.close());
    await noToken.startAll();
    assert.match(noToken.server('web').error!, /WEB_TOKEN is not set/);
  },
);
