// `yoke acp` end to end: an editor built with the official ACP SDK's client side spawns the real
// binary and drives it — initialize, a session, prompts with streamed chunks, permissions, a
// diff, cancel, and session/load in a new process replaying the stored thread.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as acp from '@agentclientprotocol/sdk';
import { spawnEditor, transcriptOf, type Editor } from './support/acp-client.ts';
import { tempDir, tempRepo, YOKE_BIN, yokeEnv } from './support/cli.ts';
import { patchFor } from './support/patch-gen.ts';
import { everythingServer } from './support/mcp-servers.ts';
import { reasoning, startMockModel, step, text, toolCall } from './support/mock-model.ts';

const TIMEOUT = { timeout: 60_000 };

const PATCH = patchFor('greet.txt', 'hello\nworld\n', 'hello\nyoke\n');

const updatesOf = (editor: Editor, sessionId: string) =>
  editor.updates.filter((u) => u.sessionId === sessionId).map((u) => u.update);

test(
  'an editor drives yoke acp: chunks, permissions, a diff, cancel, load in a new process',
  TIMEOUT,
  async (t) => {
    const repo = tempRepo({ 'greet.txt': 'hello\nworld\n' }, t);
    const home = tempDir('home', t);
    const mock = await startMockModel([
      // 1. a tool of the editor's MCP server (read-only: it runs without asking), then an
      //    answer with reasoning, streamed
      toolCall('mcp__everything__echo', { message: 'hi from the editor' }),
      step(reasoning('The user wants a greeting.'), text('Hello from Yoke, in several chunks.')),
      // 2. the same command twice: asked once, answered "allow for the session"
      toolCall('shell', { command: 'touch made.txt' }),
      toolCall('shell', { command: 'touch made.txt' }),
      text('Made it twice.'),
      // 3. a patch: its diff arrives in the tool call
      toolCall('apply_patch', { input: PATCH }),
      text('Edited greet.txt.'),
      // 4. a long command, cancelled while it runs
      toolCall('shell', { command: 'echo started; sleep 60' }),
      // 5. a command whose permission question is pending when the prompt is cancelled
      toolCall('shell', { command: 'touch never.txt' }),
    ]);
    t.after(() => mock.close());
    const env = yokeEnv(mock.url, home);
    const editor = spawnEditor({ cwd: repo, env });
    t.after(() => editor.close());

    const init = await editor.agent.request('initialize', {
      protocolVersion: acp.PROTOCOL_VERSION,
      clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
      clientInfo: { name: 'test-editor', version: '1.0.0' },
    });
    assert.equal(init.protocolVersion, acp.PROTOCOL_VERSION);
    assert.equal(init.agentCapabilities?.loadSession, true);
    assert.equal(init.agentCapabilities?.promptCapabilities?.image, true);
    assert.equal(init.agentCapabilities?.promptCapabilities?.embeddedContext, true);
    assert.equal(init.agentInfo?.name, 'yoke');

    // The editor's MCP server: a real one from npm, over stdio.
    const mcpServers: acp.McpServer[] = [{ name: 'everything', ...everythingServer(), env: [] }];
    const created = await editor.agent.request('session/new', { cwd: repo, mcpServers });
    const sessionId = created.sessionId;
    assert.equal(created.modes?.currentModeId, 'ask');
    assert.deepEqual(
      created.modes?.availableModes.map((m) => m.id),
      ['read-only', 'ask', 'auto'],
    );
    const commands = await editor.waitForUpdate(
      (u) => u.sessionId === sessionId && u.update.sessionUpdate === 'available_commands_update',
    );
    assert.ok(commands.update.sessionUpdate === 'available_commands_update');
    assert.deepEqual(
      commands.update.availableCommands.map((c) => c.name),
      ['compact', 'init', 'review'],
    );

    // 1. streamed chunks
    const first = await editor.agent.request('session/prompt', {
      sessionId,
      prompt: [{ type: 'text', text: 'say hello' }],
    });
    assert.equal(first.stopReason, 'end_turn');
    const echoed = transcriptOf(
      updatesOf(editor, sessionId).map((update) => ({ sessionId, update })),
    ).entries.find((e) => e.kind === 'tool');
    assert.ok(echoed?.kind === 'tool' && echoed.fields.status === 'completed');
    assert.match(JSON.stringify(echoed.fields.content), /hi from the editor/);
    const chunks = updatesOf(editor, sessionId).filter(
      (u) => u.sessionUpdate === 'agent_message_chunk',
    );
    assert.ok(chunks.length > 1, `several chunks, got ${chunks.length}`);
    assert.equal(
      chunks.map((c) => (c.content.type === 'text' ? c.content.text : '')).join(''),
      'Hello from Yoke, in several chunks.',
    );
    const thoughts = updatesOf(editor, sessionId).filter(
      (u) => u.sessionUpdate === 'agent_thought_chunk',
    );
    assert.equal(
      thoughts.map((c) => (c.content.type === 'text' ? c.content.text : '')).join(''),
      'The user wants a greeting.',
    );

    // 2. a command that needs permission, allowed for the session: the second run does not ask
    editor.answerWith((request) => {
      const option = request.options.find((o) => o.kind === 'allow_always');
      assert.ok(option, 'an allow_always option is offered');
      return option.optionId;
    });
    const second = await editor.agent.request('session/prompt', {
      sessionId,
      prompt: [{ type: 'text', text: 'make the file, twice' }],
    });
    assert.equal(second.stopReason, 'end_turn');
    assert.equal(editor.permissions.length, 1, 'asked once');
    const asked = editor.permissions[0]!;
    assert.equal(asked.toolCall.kind, 'execute');
    assert.equal(asked.toolCall.title, 'touch made.txt');
    assert.deepEqual(
      asked.options.map((o) => o.kind),
      ['allow_once', 'allow_always', 'allow_always', 'reject_once', 'reject_always'],
    );
    const commandCalls = updatesOf(editor, sessionId).filter(
      (u) => u.sessionUpdate === 'tool_call' && u.kind === 'execute',
    );
    assert.equal(commandCalls.length, 2);
    const finals = transcriptOf(
      editor.updates.filter((u) => u.sessionId === sessionId),
    ).entries.filter((e) => e.kind === 'tool' && e.fields.kind === 'execute');
    assert.deepEqual(
      finals.map((e) => (e.kind === 'tool' ? e.fields.status : null)),
      ['completed', 'completed'],
    );

    // 3. a file edit arrives as a diff (and asks first: allow once)
    editor.answerWith(() => 'allow_once');
    const third = await editor.agent.request('session/prompt', {
      sessionId,
      prompt: [{ type: 'text', text: 'greet yoke instead' }],
    });
    assert.equal(third.stopReason, 'end_turn');
    assert.equal(readFileSync(join(repo, 'greet.txt'), 'utf8'), 'hello\nyoke\n');
    const edit = updatesOf(editor, sessionId).find(
      (u) => u.sessionUpdate === 'tool_call' && u.kind === 'edit',
    );
    assert.ok(edit && edit.sessionUpdate === 'tool_call', 'an edit tool call');
    const diff = edit.content?.find((c) => c.type === 'diff');
    assert.ok(diff && diff.type === 'diff', 'with a diff');
    assert.equal(diff.path, join(repo, 'greet.txt'));
    assert.equal(diff.oldText, 'hello\nworld\n');
    assert.equal(diff.newText, 'hello\nyoke\n');
    assert.equal(editor.permissions.at(-1)?.toolCall.toolCallId, edit.toolCallId);

    // 4. cancel during a long command
    const fourth = editor.agent.request('session/prompt', {
      sessionId,
      prompt: [{ type: 'text', text: 'wait a long time' }],
    });
    await editor.waitForUpdate(
      (u) =>
        u.sessionId === sessionId &&
        u.update.sessionUpdate === 'tool_call_update' &&
        JSON.stringify(u.update.content ?? []).includes('started'),
    );
    await editor.agent.notify('session/cancel', { sessionId });
    assert.equal((await fourth).stopReason, 'cancelled');
    const live = transcriptOf(editor.updates.filter((u) => u.sessionId === sessionId));
    const long = live.entries.at(-1);
    assert.ok(long?.kind === 'tool' && long.fields.title === 'echo started; sleep 60');
    assert.equal(long.fields.status, 'failed');

    // 5. cancel while a permission question waits: the editor answers it "cancelled"
    let cancelled!: () => void;
    const cancelSent = new Promise<void>((resolve) => (cancelled = resolve));
    let questionAsked!: () => void;
    const questionArrived = new Promise<void>((resolve) => (questionAsked = resolve));
    editor.answerWith(async () => {
      questionAsked();
      await cancelSent;
      return null;
    });
    const fifth = editor.agent.request('session/prompt', {
      sessionId,
      prompt: [{ type: 'text', text: 'touch another file' }],
    });
    await questionArrived;
    await editor.agent.notify('session/cancel', { sessionId });
    cancelled();
    assert.equal((await fifth).stopReason, 'cancelled');
    assert.equal(existsSync(join(repo, 'never.txt')), false, 'the command never ran');
    assert.equal(editor.permissions.at(-1)?.answer, null);
    const liveEnd = transcriptOf(editor.updates.filter((u) => u.sessionId === sessionId));
    assert.equal(await editor.close(), 0, editor.stderr());

    // 5. session/load in a new process replays every update
    const again = spawnEditor({ cwd: repo, env });
    t.after(() => again.close());
    await again.agent.request('initialize', {
      protocolVersion: acp.PROTOCOL_VERSION,
      clientInfo: { name: 'test-editor', version: '1.0.0' },
    });
    const loaded = await again.agent.request('session/load', { sessionId, cwd: repo, mcpServers });
    assert.equal(loaded?.modes?.currentModeId, 'ask');
    const replayed = transcriptOf(again.updates.filter((u) => u.sessionId === sessionId));
    assert.deepEqual(
      replayed.entries
        .filter((e) => e.kind === 'user')
        .map((e) => (e.kind === 'user' ? e.text : '')),
      [
        'say hello',
        'make the file, twice',
        'greet yoke instead',
        'wait a long time',
        'touch another file',
      ],
    );
    assert.deepEqual(
      replayed.entries.filter((e) => e.kind !== 'user'),
      liveEnd.entries,
    );
    assert.deepEqual(replayed.plan, liveEnd.plan);
    assert.equal(await again.close(), 0, again.stderr());
  },
);

test(
  'malformed ACP messages get JSON-RPC errors and the agent keeps serving',
  TIMEOUT,
  async (t) => {
    const repo = tempRepo({ 'README.md': '# x\n' }, t);
    const home = tempDir('home', t);
    const mock = await startMockModel([text('still here')]);
    t.after(() => mock.close());
    const child = spawn(process.execPath, [YOKE_BIN, 'acp'], {
      cwd: repo,
      env: yokeEnv(mock.url, home),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    t.after(() => child.kill());
    const replies = lineReader(child);
    const send = (line: string) => child.stdin!.write(`${line}\n`);
    const rpc = (id: number, method: string, params?: unknown) =>
      send(
        JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }),
      );
    const errorCode = async () =>
      ((await replies.next()) as { error?: { code: number } }).error?.code;

    send('this is not json');
    assert.equal(await errorCode(), -32700);
    rpc(1, 'session/new', { cwd: repo, mcpServers: [] });
    assert.equal(await errorCode(), -32600, 'nothing before initialize');
    rpc(2, 'initialize', { protocolVersion: acp.PROTOCOL_VERSION });
    assert.equal(
      ((await replies.next()) as { result: { protocolVersion: number } }).result.protocolVersion,
      1,
    );
    send('[1, 2, 3]');
    assert.equal(await errorCode(), -32600, 'no batches');
    rpc(3, 'session/prompt', { sessionId: 42 });
    assert.equal(await errorCode(), -32602, 'bad params');
    rpc(4, 'no/such/method', {});
    assert.equal(await errorCode(), -32601);
    rpc(5, 'session/prompt', { sessionId: 'nope', prompt: [{ type: 'text', text: 'hi' }] });
    assert.equal(await errorCode(), -32002, 'unknown session');
    rpc(6, 'session/new', { cwd: repo, mcpServers: [] });
    const created = (await replies.next()) as { result: { sessionId: string } };
    const sessionId = created.result.sessionId;
    // The session's first update comes after the answer that names the session.
    rpc(61, 'session/list', {});
    await replies.next();
    const answered = replies.all.indexOf(created);
    const firstUpdate = replies.all.findIndex(
      (l) => (l as { params?: { sessionId?: string } }).params?.sessionId === sessionId,
    );
    assert.ok(answered >= 0 && firstUpdate > answered, `${answered} < ${firstUpdate}`);
    rpc(7, 'session/set_mode', { sessionId, modeId: 'yolo' });
    assert.equal(await errorCode(), -32602, 'unknown mode');
    rpc(8, 'session/prompt', {
      sessionId,
      prompt: [{ type: 'audio', data: 'AAAA', mimeType: 'audio/wav' }],
    });
    assert.equal(await errorCode(), -32602, 'audio is not offered');
    // …and a good prompt still works.
    rpc(9, 'session/prompt', { sessionId, prompt: [{ type: 'text', text: 'are you there?' }] });
    let answer: {
      id?: number;
      result?: { stopReason: string; usage?: { totalTokens: number; inputTokens: number } };
    };
    do answer = (await replies.next()) as typeof answer;
    while (answer.id !== 9);
    assert.equal(answer.result?.stopReason, 'end_turn');
    // The prompt's token use (ACP's unstable PromptResponse.usage), from the model's usage.
    assert.ok((answer.result?.usage?.totalTokens ?? 0) > 0, JSON.stringify(answer.result));
    assert.ok((answer.result?.usage?.inputTokens ?? 0) > 0);
    child.stdin!.end();
  },
);

/** The JSON-RPC responses a process writes, one at a time. */
function lineReader(child: ChildProcess) {
  /** Every line, in the order written. */
  const all: unknown[] = [];
  const lines: unknown[] = [];
  const waiting: { resolve: (line: unknown) => void; reject: (err: Error) => void }[] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = JSON.parse(buffer.slice(0, nl)) as { method?: string };
      all.push(line);
      buffer = buffer.slice(nl + 1);
      // Notifications (session/update) are not what these checks wait for.
      if (line.method !== undefined) continue;
      const next = waiting.shift();
      if (next) next.resolve(line);
      else lines.push(line);
    }
  });
  let closed = false;
  child.on('close', () => {
    closed = true;
    for (const w of waiting.splice(0)) w.reject(new Error('yoke acp exited'));
  });
  return {
    all,
    next: (): Promise<unknown> => {
      if (lines.length > 0) return Promise.resolve(lines.shift());
      if (closed) return Promise.reject(new Error('yoke acp exited'));
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
}

test(
  '/review from an editor is a review turn: the diff reaches the model, the findings come back as text',
  TIMEOUT,
  async (t) => {
    const repo = tempRepo({ 'greet.txt': 'hello\nworld\n' }, t);
    const home = tempDir('home', t);
    const findings = {
      findings: [
        {
          title: '[P1] Keep the greeting',
          body: 'The second line no longer greets anyone.',
          confidence_score: 0.8,
          priority: 1,
          code_location: {
            absolute_file_path: join(repo, 'greet.txt'),
            line_range: { start: 2, end: 2 },
          },
        },
      ],
      overall_correctness: 'patch is incorrect',
      overall_explanation: 'The change drops the greeting.',
      overall_confidence_score: 0.8,
    };
    const mock = await startMockModel([text(JSON.stringify(findings)), text('{"findings": []}')]);
    t.after(() => mock.close());
    const editor = spawnEditor({ cwd: repo, env: yokeEnv(mock.url, home) });
    t.after(() => editor.close());
    await editor.agent.request('initialize', {
      protocolVersion: acp.PROTOCOL_VERSION,
      clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
      clientInfo: { name: 'test-editor', version: '1.0.0' },
    });
    const { sessionId } = await editor.agent.request('session/new', { cwd: repo, mcpServers: [] });
    execFileSync('sh', ['-c', 'printf "hello\\nthere\\n" > greet.txt'], { cwd: repo });

    const reviewed = await editor.agent.request('session/prompt', {
      sessionId,
      prompt: [{ type: 'text', text: '/review' }],
    });
    assert.equal(reviewed.stopReason, 'end_turn');
    const prompt = JSON.stringify(mock.requests[0]!.json);
    assert.match(prompt, /-world\\n\+there/, 'the working tree diff is in the request');
    assert.match(prompt, /absolute_file_path/, 'the findings are asked for as JSON');
    const said = updatesOf(editor, sessionId)
      .filter((u) => u.sessionUpdate === 'agent_message_chunk')
      .map((u) => (u.content.type === 'text' ? u.content.text : ''))
      .join('');
    assert.match(said, /The change drops the greeting\./);
    assert.match(said, /Review comment:\n\n- \[P1\] Keep the greeting — .*greet\.txt:2-2/);
    assert.doesNotMatch(said, /"findings"/, 'the raw JSON is not shown');

    // With a focus: a review of the same changes, the editor's words added.
    await editor.agent.request('session/prompt', {
      sessionId,
      prompt: [{ type: 'text', text: '/review the error paths' }],
    });
    assert.match(JSON.stringify(mock.requests[1]!.json), /Focus on: the error paths/);
  },
);
