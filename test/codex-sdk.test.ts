// The real @openai/codex-sdk drives `yoke exec` unchanged, through codexPathOverride.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Codex } from '@openai/codex-sdk';
import { tempDir, tempRepo, YOKE_BIN } from './support/cli.ts';
import { startMockModel, step, text, toolCall } from './support/mock-model.ts';

test('@openai/codex-sdk runs, streams, uses a schema and resumes a thread through yoke', async (t) => {
  const repo = tempRepo({ 'notes.txt': 'one\n' }, t);
  const extra = tempDir('extra', t);
  const home = tempDir('home', t);
  writeFileSync(join(repo, 'pixel.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
  const mock = await startMockModel([
    step(toolCall('shell', { command: 'echo two >> notes.txt && wc -l < notes.txt' })),
    text('Appended a line; notes.txt has 2 lines.'),
    text('{"lines":2}'),
    toolCall('update_plan', {
      plan: [
        { step: 'look', status: 'completed' },
        { step: 'answer', status: 'in_progress' },
      ],
    }),
    text('resumed fine'),
  ]);
  t.after(() => mock.close());

  const codex = new Codex({
    codexPathOverride: YOKE_BIN,
    baseUrl: mock.url,
    apiKey: 'sdk-key',
    env: { PATH: process.env.PATH!, HOME: home, YOKE_HOME: home },
    config: { show_raw_agent_reasoning: false },
  });
  const options = {
    model: 'gpt-test',
    sandboxMode: 'workspace-write' as const,
    workingDirectory: repo,
    skipGitRepoCheck: true,
    modelReasoningEffort: 'high' as const,
    networkAccessEnabled: false,
    approvalPolicy: 'never' as const,
    additionalDirectories: [extra],
    webSearchEnabled: false,
  };
  const thread = codex.startThread(options);
  const turn = await thread.run([
    { type: 'text', text: 'append a line to notes.txt' },
    { type: 'local_image', path: join(repo, 'pixel.png') },
  ]);
  assert.equal(turn.finalResponse, 'Appended a line; notes.txt has 2 lines.');
  assert.equal(readFileSync(join(repo, 'notes.txt'), 'utf8'), 'one\ntwo\n');
  const command = turn.items.find((i) => i.type === 'command_execution');
  assert.ok(command && command.type === 'command_execution');
  assert.equal(command.exit_code, 0);
  assert.equal(command.aggregated_output.trim(), '2');
  assert.ok(turn.usage && turn.usage.input_tokens > 0);
  assert.ok(thread.id, 'the SDK read the thread id from thread.started');

  const first = mock.requests[0]!;
  assert.equal(first.headers.authorization, 'Bearer sdk-key');
  // The SDK sets CODEX_INTERNAL_ORIGINATOR_OVERRIDE: requests say they come from it, as Codex's do.
  assert.equal(first.headers.originator, 'codex_sdk_ts');
  assert.match(String(first.headers['user-agent']), /^codex_sdk_ts\/\S+ \(.*\) \S+ \(yoke_exec; /);
  assert.equal((first.json as { text?: unknown }).text, undefined);
  const body = first.json as {
    model: string;
    reasoning?: { effort: string };
    input: { content?: { type: string }[] }[];
  };
  assert.equal(body.model, 'gpt-test');
  assert.equal(body.reasoning?.effort, 'high');
  assert.deepEqual(
    body.input.at(-1)!.content!.map((c) => c.type),
    ['input_text', 'input_image'],
  );

  const schema = {
    type: 'object',
    properties: { lines: { type: 'number' } },
    required: ['lines'],
    additionalProperties: false,
  };
  const structured = await thread.run('how many lines?', { outputSchema: schema });
  assert.deepEqual(JSON.parse(structured.finalResponse), { lines: 2 });
  const format = (mock.requests[2]!.json as { text: { format: { name: string; schema: unknown } } })
    .text.format;
  assert.deepEqual(format.schema, schema);
  assert.equal(format.name, 'codex_output_schema');

  const resumed = codex.resumeThread(thread.id!, options);
  const streamed = await resumed.runStreamed('continue');
  const types: string[] = [];
  for await (const event of streamed.events)
    types.push(event.type === 'item.completed' ? `item:${event.item.type}` : event.type);
  assert.deepEqual(types, [
    'thread.started',
    'turn.started',
    'item.started',
    'item:todo_list',
    'item:agent_message',
    'turn.completed',
  ]);
  assert.equal(mock.requests.length, 5);
  assert.ok(
    mock.requests[4]!.body.startsWith(
      mock.requests[3]!.body.slice(0, mock.requests[3]!.body.lastIndexOf(']')),
    ),
  );
});
