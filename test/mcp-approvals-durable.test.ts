// An MCP tool call waiting for approval is durable like a command's: the App Server crashes
// while it waits, the next one asks again (mcpServer/elicitation/request), and `yoke approve`
// answers it from another terminal; the tool then runs on the real server-filesystem.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runYoke, tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { startWsServer, type Json } from './support/codex-driver.ts';
import { filesystemServer, stdioToml } from './support/mcp-servers.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';

test(
  'an MCP tool approval survives a server crash; yoke approve answers it',
  { timeout: 120_000 },
  async (t) => {
    const files = tempDir('mcp-files', t);
    const target = join(files, 'out.txt');
    const mock = await startMockModel([
      toolCall('mcp__fs__write_file', { path: target, content: 'approved' }),
      text('written after restart'),
    ]);
    t.after(() => mock.close());
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    writeFileSync(join(home, 'config.toml'), stdioToml('fs', filesystemServer(files)));
    const env = yokeEnv(mock.url, home);

    const first = await startWsServer(env, repo);
    const a = await first.connect();
    await a.initialize();
    const threadId = (
      (await a.request('thread/start', { cwd: repo, approvalPolicy: 'untrusted' })).thread as Json
    ).id as string;
    const asked = a.nextServerRequest('mcpServer/elicitation/request');
    await a.request('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'write it', text_elements: [] }],
    });
    const question = (await asked).params as Json;
    assert.equal(question.serverName, 'fs');
    assert.equal((question._meta as Json).codex_approval_kind, 'mcp_tool_call');
    first.child.kill('SIGKILL');
    await first.stop();
    assert.ok(!existsSync(target));

    const second = await startWsServer(env, repo);
    t.after(() => second.stop());
    const b = await second.connect();
    t.after(() => b.close());
    await b.initialize('watcher');
    const again = b.nextServerRequest('mcpServer/elicitation/request');
    await b.request('thread/resume', { threadId });
    const reAsked = await again;
    assert.match(String((reAsked.params as Json).message), /fs MCP server .*"write_file"/);

    const r = await runYoke(['approve', '--remote', second.url, '1', 'accept'], {
      cwd: repo,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\[1\] thread .* MCP fs: Allow .*"write_file".*"content":"approved"/);
    await b.waitFor('serverRequest/resolved', (p) => p.requestId === reAsked.id);
    const done = await b.waitFor('turn/completed');
    assert.equal((done.turn as Json).status, 'completed');
    assert.equal(readFileSync(target, 'utf8'), 'approved');
  },
);
