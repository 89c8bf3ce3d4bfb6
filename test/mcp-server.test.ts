// `yoke mcp-server` driven by the MCP SDK's own Client over stdio: the tools it lists, a task
// submitted and polled to success with its result, and a thread started and replied to.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, watch } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { tempDir, YOKE_BIN, yokeEnv } from './support/cli.ts';
import { startMockModel, text } from './support/mock-model.ts';
import { agentScript, shell, taskRepo, writeFilePatch } from './support/task-fixtures.ts';

/** A YOKE_HOME whose daemon (started by `yoke mcp-server`, not our child) is stopped after. */
function daemonHome(t: TestContext): string {
  const home = tempDir('mcp-server-home');
  t.after(async () => {
    const path = join(home, 'serve.json');
    if (existsSync(path)) {
      const gone = new Promise<void>((resolve) => {
        const watcher = watch(home, () => {
          if (!existsSync(path)) {
            watcher.close();
            resolve();
          }
        });
      });
      process.kill((JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid, 'SIGTERM');
      await gone;
    }
    rmSync(home, { recursive: true, force: true });
  });
  return home;
}

type Structured = Record<string, unknown>;

test(
  'yoke mcp-server: a task submitted, polled to success, its result; a thread and a reply',
  {
    timeout: 120_000,
  },
  async (t) => {
    const script = agentScript((prompt) =>
      /greeting/.test(prompt)
        ? writeFilePatch('greeting.txt', 'hello from MCP')
        : /capital/.test(prompt)
          ? text('Paris')
          : /again/.test(prompt)
            ? text('Still Paris')
            : shell('true'),
    );
    const mock = await startMockModel(script);
    t.after(() => mock.close());
    const home = daemonHome(t);
    const repo = taskRepo({ 'README.md': '# mcp\n' }, 'checks = ["test -f greeting.txt"]\n', t);
    const env = yokeEnv(mock.url, home) as Record<string, string>;
    const client = new Client({ name: 'mcp-server-test', version: '0' });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [YOKE_BIN, 'mcp-server'],
      env,
      cwd: repo,
      stderr: 'pipe',
    });
    await client.connect(transport);
    t.after(() => client.close());

    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), [
      'yoke_task_result',
      'yoke_task_status',
      'yoke_task_submit',
      'yoke_thread_reply',
      'yoke_thread_start',
    ]);

    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args }, undefined, {
        timeout: 60_000,
      });
      return result as {
        content: { text: string }[];
        structuredContent: Structured;
        isError?: boolean;
      };
    };
    const submitted = await call('yoke_task_submit', { prompt: 'write a greeting', repo });
    assert.ok(!submitted.isError, submitted.content[0]!.text);
    const taskId = String(submitted.structuredContent.taskId);
    assert.match(taskId, /^[0-9a-z]{12}$/);
    // Polled as a host would, one round trip after another (the test's timeout bounds it).
    let status = '';
    while (!['succeeded', 'failed', 'cancelled'].includes(status))
      status = String((await call('yoke_task_status', { taskId })).structuredContent.status);
    assert.equal(status, 'succeeded');
    const result = await call('yoke_task_result', { taskId });
    assert.equal(result.structuredContent.branch, `yoke/${taskId}`);
    assert.match(String(result.structuredContent.diffStat), /greeting\.txt/);
    assert.match(result.content[0]!.text, /check passed: test -f greeting\.txt/);

    const started = await call('yoke_thread_start', {
      prompt: 'the capital of France?',
      cwd: repo,
    });
    assert.equal(started.content[0]!.text, 'Paris');
    const threadId = String(started.structuredContent.threadId);
    const reply = await call('yoke_thread_reply', { threadId, prompt: 'and again?' });
    assert.equal(reply.content[0]!.text, 'Still Paris');
    assert.equal(reply.structuredContent.threadId, threadId);
    assert.equal(reply.structuredContent.status, 'completed');
  },
);
