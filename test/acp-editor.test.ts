// `yoke acp` with an editor that offers more than the conversation: its MCP servers (stdio and
// streamable HTTP) run for that session only, reads and patches go through its buffers
// (unsaved text included), commands run in its terminal when the config opts in (still
// sandboxed), and its model selector (session/set_config_option) picks the next prompt's model.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as acp from '@agentclientprotocol/sdk';
import { spawnEditor, transcriptOf } from './support/acp-client.ts';
import { editorFiles } from '../src/surfaces/acp/editor-files.ts';
import { editorMcpServers } from '../src/surfaces/acp/mcp-servers.ts';
import { editorHost } from './support/acp-editor-host.ts';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { everythingServer, startHttpMcpServer } from './support/mcp-servers.ts';
import { startMockModel, text, toolCall, type RecordedRequest } from './support/mock-model.ts';
import { patchFor } from './support/patch-gen.ts';

const TIMEOUT = { timeout: 90_000 };

const toolsOf = (request: RecordedRequest): string[] =>
  ((request.json as { tools?: { name?: string }[] }).tools ?? []).map((t) => t.name ?? '');

test(
  "an editor's MCP servers, buffers, terminal and model selector, for its session only",
  TIMEOUT,
  async (t) => {
    const repo = tempRepo({ 'notes.txt': 'saved line\n' }, t);
    const home = tempDir('home', t);
    const notes = join(repo, 'notes.txt');
    const http = await startHttpMcpServer({ token: 'editor-secret' });
    t.after(() => http.close());
    const mock = await startMockModel([
      // one prompt: a read and a patch of an unsaved buffer, a command, two MCP tools
      toolCall('read_file', { path: 'notes.txt' }),
      toolCall('apply_patch', { input: patchFor('notes.txt', 'unsaved line\n', 'edited line\n') }),
      toolCall('shell', { command: 'echo "from-the-terminal [$EDITOR_SECRET]"' }),
      toolCall('mcp__docs_server__lookup', { word: 'yoke' }),
      toolCall('mcp__everything__get-sum', { a: 2, b: 40 }),
      text('All done.'),
      // the other session: no MCP tools offered
      text('Plain.'),
      // after the model was switched
      text('Switched.'),
      // a long command in the editor's terminal, cancelled while it runs
      toolCall('shell', { command: 'sleep 60' }),
    ]);
    t.after(() => mock.close());
    const host = editorHost((path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return null;
      }
    });
    t.after(() => host.close());
    host.buffers.set(notes, 'unsaved line\n');
    const editor = spawnEditor({
      cwd: repo,
      env: yokeEnv(mock.url, home),
      args: ['--mode', 'auto', '-c', 'acp.editor_terminal=true'],
      serve: host.serve,
    });
    t.after(() => editor.close());
    editor.answerWith((request) => request.options.find((o) => o.kind === 'allow_once')!.optionId);

    const init = await editor.agent.request('initialize', {
      protocolVersion: acp.PROTOCOL_VERSION,
      clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: true },
      clientInfo: { name: 'test-editor', version: '1.0.0' },
    });
    assert.equal(init.agentCapabilities?.mcpCapabilities?.http, true);
    assert.equal(init.agentCapabilities?.mcpCapabilities?.sse, false);

    const created = await editor.agent.request('session/new', {
      cwd: repo,
      mcpServers: [
        {
          type: 'http',
          name: 'docs server',
          url: http.url,
          headers: [{ name: 'Authorization', value: 'Bearer editor-secret' }],
        },
        { name: 'everything', ...everythingServer(), env: [] },
      ],
    });
    const sessionId = created.sessionId;
    const model = created.configOptions?.find((o) => o.id === 'model');
    assert.ok(model?.type === 'select' && model.category === 'model', 'a model selector');
    assert.equal(model.currentValue, 'gpt-5.5');

    const answer = await editor.agent.request('session/prompt', {
      sessionId,
      prompt: [{ type: 'text', text: 'edit the notes, run a command, use the tools' }],
    });
    assert.equal(answer.stopReason, 'end_turn');

    // The MCP servers' tools were offered in this session's requests.
    const tools = toolsOf(mock.requests[0]!);
    assert.ok(tools.includes('mcp__docs_server__lookup'), tools.join(' '));
    assert.ok(tools.includes('mcp__everything__get-sum'));
    const sent = JSON.stringify(mock.requests.at(-1)!.json);
    // read_file saw the unsaved buffer, not the disk
    assert.ok(host.reads.includes(notes));
    assert.match(sent, /1\\tunsaved line/);
    assert.doesNotMatch(sent, /saved line\\n"/);
    // the patch applied to the buffer: written through the editor, the disk untouched
    assert.deepEqual(host.writes, [{ path: notes, content: 'edited line\n' }]);
    assert.equal(readFileSync(notes, 'utf8'), 'saved line\n');
    // the command ran in the editor's terminal, inside the sandbox
    assert.equal(host.created.length, 1);
    const argv = [host.created[0]!.command, ...(host.created[0]!.args ?? [])];
    assert.deepEqual(argv.slice(0, 2), ['env', '-i']);
    assert.ok(argv.includes('echo "from-the-terminal [$EDITOR_SECRET]"'));
    assert.ok(argv.some((a) => a.endsWith('bwrap')) && argv.includes('--unshare-net'), 'sandboxed');
    assert.equal(host.released, 1);
    // …with Yoke's environment only: the editor's own variables do not reach it
    assert.match(sent, /from-the-terminal \[\]/);
    // both MCP servers answered
    assert.match(sent, /yoke: a word \(over HTTP\)/);
    assert.match(sent, /42/);

    const updates = editor.updates.filter((u) => u.sessionId === sessionId);
    const terminalShown = updates.some(
      (u) =>
        u.update.sessionUpdate === 'tool_call_update' &&
        u.update.content?.some((c) => c.type === 'terminal'),
    );
    assert.ok(terminalShown, "the command's tool call showed the editor's terminal");
    const finals = transcriptOf(updates).entries.filter((e) => e.kind === 'tool');
    assert.deepEqual(
      finals.map((e) => (e.kind === 'tool' ? [e.fields.kind, e.fields.status] : null)),
      [
        ['read', 'completed'],
        ['edit', 'completed'],
        ['execute', 'completed'],
        ['read', 'completed'],
        ['read', 'completed'],
      ],
    );

    // Another session of the same editor has no MCP servers: no MCP tools.
    const other = await editor.agent.request('session/new', { cwd: repo, mcpServers: [] });
    await editor.agent.request('session/prompt', {
      sessionId: other.sessionId,
      prompt: [{ type: 'text', text: 'hello' }],
    });
    assert.deepEqual(
      toolsOf(mock.requests.at(-1)!).filter((n) => n.startsWith('mcp__')),
      [],
    );

    // The model selector: the next prompt uses the chosen model.
    const set = await editor.agent.request('session/set_config_option', {
      sessionId,
      configId: 'model',
      value: 'gpt-5.5-mini',
    });
    const chosen = set.configOptions.find((o) => o.id === 'model');
    assert.equal(chosen?.currentValue, 'gpt-5.5-mini');
    await editor.agent.request('session/prompt', {
      sessionId,
      prompt: [{ type: 'text', text: 'again' }],
    });
    assert.equal((mock.requests.at(-1)!.json as { model: string }).model, 'gpt-5.5-mini');

    // Cancel while a command runs in the editor's terminal: it is killed and released.
    const long = editor.agent.request('session/prompt', {
      sessionId,
      prompt: [{ type: 'text', text: 'wait' }],
    });
    await host.waitForTerminals(2);
    const cancelledAt = performance.now();
    await editor.agent.notify('session/cancel', { sessionId });
    assert.equal((await long).stopReason, 'cancelled');
    const took = performance.now() - cancelledAt;
    assert.ok(took < 20_000, `killed at once, not after the 60 s sleep (${Math.round(took)} ms)`);
    assert.equal(host.released, 2);
    // The mode is one selector in two places: each follows the other.
    await editor.agent.request('session/set_config_option', {
      sessionId,
      configId: 'mode',
      value: 'read-only',
    });
    await editor.waitForUpdate(
      (u) =>
        u.sessionId === sessionId &&
        u.update.sessionUpdate === 'current_mode_update' &&
        u.update.currentModeId === 'read-only',
    );
    await editor.agent.request('session/set_mode', { sessionId, modeId: 'auto' });
    await editor.waitForUpdate(
      (u) =>
        u.sessionId === sessionId &&
        u.update.sessionUpdate === 'config_option_update' &&
        u.update.configOptions.some((o) => o.id === 'mode' && o.currentValue === 'auto'),
    );
    await assert.rejects(
      editor.agent.request('session/set_config_option', {
        sessionId,
        configId: 'temperature',
        value: 'hot',
      }),
      (err: { code?: number }) => err.code === -32602,
    );
    assert.equal(await editor.close(), 0, editor.stderr());
  },
);

test(
  "the editor's MCP server list becomes Yoke's: names made safe, SSE and bad entries left out",
  TIMEOUT,
  () => {
    const { servers, skipped } = editorMcpServers([
      { name: 'my docs', command: 'docs-server', args: ['--x'], env: [{ name: 'K', value: 'v' }] },
      { name: 'my docs', command: 'other', args: [], env: [] },
      { type: 'http', name: 'web', url: 'http://127.0.0.1:1/mcp', headers: [] },
      { type: 'sse', name: 'old', url: 'http://127.0.0.1:1/sse', headers: [] },
      { type: 'http', name: 'bad', url: 'not a url', headers: [] },
    ]);
    assert.deepEqual(Object.keys(servers), ['my_docs', 'my_docs_2', 'web']);
    assert.deepEqual(servers.my_docs!.transport, {
      type: 'stdio',
      command: 'docs-server',
      args: ['--x'],
      env: { K: 'v' },
      envVars: [],
      cwd: null,
    });
    assert.equal(servers.web!.transport.type, 'http');
    assert.equal(skipped.length, 2);
    assert.match(skipped[0]!, /old: SSE/);
    assert.match(skipped[1]!, /^bad: /);
  },
);

test(
  "the editor's buffers: a read the editor cannot answer falls back to the disk, saying so",
  TIMEOUT,
  async (t) => {
    const dir = tempDir('files', t);
    const file = join(dir, 'a.txt');
    writeFileSync(file, 'on disk\n');
    const logged: string[] = [];
    const asked: string[] = [];
    const editor = {
      request: async (method: string, params: { path: string }) => {
        asked.push(`${method} ${params.path}`);
        throw new Error('no such buffer');
      },
    } as unknown as acp.AgentContext;
    const reader = editorFiles({
      editor: () => editor,
      sessionId: 's',
      capabilities: { readTextFile: true },
      log: (line) => logged.push(line),
    })!;
    assert.equal(await reader.readText(file), 'on disk\n');
    assert.deepEqual(asked, [`fs/read_text_file ${file}`]);
    assert.match(logged[0]!, /no such buffer.*reading the disk/);
    // Writing is not offered: it goes to the disk.
    await reader.writeText(file, 'written\n');
    assert.equal(readFileSync(file, 'utf8'), 'written\n');
    assert.equal(asked.length, 1);
    const none = editorFiles({
      editor: () => editor,
      sessionId: 's',
      capabilities: {},
      log: () => undefined,
    });
    assert.equal(none, null, 'nothing offered: the disk, directly');
  },
);
