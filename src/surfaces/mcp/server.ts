// `yoke mcp-server`: Yoke as an MCP server (stdio), for other agents and MCP hosts. Its tools
// are App Server requests to the daemon (`yoke serve`, started in the background when none
// runs, as `yoke task` does): background tasks (submit, status, result) and threads (start a
// turn and wait for its answer, reply on the same thread), like Codex's `codex` and
// `codex-reply` tools. The host is not asked about approvals (this client answers none): they
// wait for whoever watches the thread in Yoke, so unattended use wants approval policy "never".
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import type { YokeClient } from '../../client/client.ts';
import type { Task } from '../../protocol/methods-task.ts';
import { AskForApproval, SandboxMode } from '../../protocol/thread.ts';
import { CLI_VERSION } from '../../runtime/version.ts';

/**
 * The SDK is imported when this command runs: a static import would be loaded by every yoke
 * command (the CLI is one bundle), and costs tens of milliseconds of start-up.
 */
export async function yokeMcpServer(client: () => Promise<YokeClient>): Promise<McpServer> {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const server = new McpServer({ name: 'yoke', version: CLI_VERSION });
  const taskId = { taskId: z.string().describe('the task id (from yoke_task_submit)') };

  server.registerTool(
    'yoke_task_submit',
    {
      description:
        'Queues a background coding task: an agent works on a new branch in an isolated git ' +
        "worktree of the repository until the repository's checks pass. Returns the task id at " +
        'once; poll yoke_task_status, then read yoke_task_result.',
      inputSchema: {
        prompt: z.string().min(1).describe('what to do'),
        repo: z.string().min(1).describe('absolute path of the git repository'),
        checks: z.array(z.string()).optional().describe('extra acceptance check commands'),
        blueprint: z.string().optional().describe('blueprint name (default: task.toml or default)'),
      },
    },
    async (args) => {
      const { task } = await (
        await client()
      ).request('task/submit', {
        prompt: args.prompt,
        repo: args.repo,
        checks: args.checks ?? null,
        blueprint: args.blueprint ?? null,
      });
      return answer(`task ${task.id} queued (${task.status})`, {
        taskId: task.id,
        status: task.status,
      });
    },
  );

  server.registerTool(
    'yoke_task_status',
    {
      description:
        'The status of a background task: queued, running, succeeded, failed, cancelled.',
      inputSchema: taskId,
      annotations: { readOnlyHint: true },
    },
    async ({ taskId }) => {
      const { task } = await (await client()).request('task/read', { taskId });
      const node = task.currentNode ? ` at ${task.currentNode}` : '';
      return answer(`task ${task.id}: ${task.status}${node}`, {
        taskId: task.id,
        status: task.status,
        currentNode: task.currentNode,
        error: task.error?.message ?? null,
      });
    },
  );

  server.registerTool(
    'yoke_task_result',
    {
      description:
        "A task's outcome: status, branch, commits, diff stat, the agent's summary and the output " +
        'of each check.',
      inputSchema: taskId,
      annotations: { readOnlyHint: true },
    },
    async ({ taskId }) => {
      const { task } = await (await client()).request('task/read', { taskId });
      return answer(resultText(task), {
        taskId: task.id,
        status: task.status,
        branch: task.branch,
        diffStat: task.result?.diffStat ?? null,
        summary: task.result?.summary ?? null,
        checks: task.checkResults.map((c) => ({
          command: c.command,
          passed: c.passed,
          exitCode: c.exitCode,
          output: c.output,
        })),
        error: task.error?.message ?? null,
      });
    },
  );

  server.registerTool(
    'yoke_thread_start',
    {
      description:
        'Starts a Yoke agent thread on a directory with a prompt, runs the turn to its end and ' +
        "returns the agent's answer and the thread id (continue it with yoke_thread_reply).",
      inputSchema: {
        prompt: z.string().min(1),
        cwd: z.string().optional().describe('absolute working directory (default: the server’s)'),
        model: z.string().optional(),
        approvalPolicy: AskForApproval.optional(),
        sandbox: SandboxMode.optional(),
        toolset: z.string().optional().describe('a [toolsets.NAME] of the Yoke config'),
      },
    },
    async (args, extra) => {
      const c = await client();
      const { thread } = await c.request('thread/start', {
        ...(args.cwd ? { cwd: args.cwd } : {}),
        ...(args.model ? { model: args.model } : {}),
        ...(args.approvalPolicy ? { approvalPolicy: args.approvalPolicy } : {}),
        ...(args.sandbox ? { sandbox: args.sandbox } : {}),
        ...(args.toolset ? { toolset: args.toolset } : {}),
      });
      return runTurn(c, thread.id, args.prompt, extra.signal);
    },
  );

  server.registerTool(
    'yoke_thread_reply',
    {
      description: 'Continues a Yoke thread with a new prompt and returns the agent’s answer.',
      inputSchema: { threadId: z.string(), prompt: z.string().min(1) },
    },
    async (args, extra) => {
      const c = await client();
      await c.request('thread/resume', { threadId: args.threadId, excludeTurns: true });
      return runTurn(c, args.threadId, args.prompt, extra.signal);
    },
  );
  return server;
}

/** One turn on a thread, to its end: the last agent message is the answer. */
async function runTurn(
  client: YokeClient,
  threadId: string,
  prompt: string,
  signal: AbortSignal,
): Promise<CallToolResult> {
  let last: string | null = null;
  const offItem = client.onNotification('item/completed', (p) => {
    if (p.threadId === threadId && p.item.type === 'agentMessage') last = p.item.text;
  });
  let offDone = () => {};
  const done = new Promise<{ status: string; error: string | null }>((resolve) => {
    offDone = client.onNotification('turn/completed', (p) => {
      if (p.threadId === threadId)
        resolve({ status: p.turn.status, error: p.turn.error?.message ?? null });
    });
  });
  try {
    const { turn } = await client.request('turn/start', {
      threadId,
      input: [{ type: 'text', text: prompt, text_elements: [] }],
    });
    const onAbort = () => void client.request('turn/interrupt', { threadId, turnId: turn.id });
    signal.addEventListener('abort', onAbort, { once: true });
    const end = await done;
    signal.removeEventListener('abort', onAbort);
    const text = last ?? (end.error ? `the turn ${end.status}: ${end.error}` : '(no answer)');
    return {
      ...answer(text, { threadId, turnId: turn.id, status: end.status, answer: last }),
      ...(end.status === 'completed' ? {} : { isError: true }),
    };
  } finally {
    offItem();
    offDone();
  }
}

function resultText(task: Task): string {
  const lines = [`task ${task.id}: ${task.status}`, `branch: ${task.branch}`];
  if (task.result) {
    lines.push(...task.result.commits.map((c) => `commit ${c.sha.slice(0, 12)} ${c.subject}`));
    if (task.result.diffStat) lines.push(task.result.diffStat);
    if (task.result.summary) lines.push(`summary: ${task.result.summary}`);
  }
  for (const check of task.checkResults)
    lines.push(
      `check ${check.passed ? 'passed' : 'FAILED'}: ${check.command}${check.passed ? '' : `\n${check.output}`}`,
    );
  if (task.error) lines.push(`error: ${task.error.message}`);
  return lines.join('\n');
}

function answer(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}
