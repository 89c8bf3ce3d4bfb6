// The context engine through the runtime: AGENTS.md in the preamble, scoped rules appended on
// first touch, compaction that keeps the task, a 1000-step run inside a 32k window, Anthropic.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import { jsonLines, runYoke, tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import {
  startMockModel,
  text,
  toolCall,
  type MockScript,
  type RecordedRequest,
} from './support/mock-model.ts';

type Input = { type: string; role?: string; content?: { text?: string }[]; output?: string }[];
const inputOf = (r: RecordedRequest) => (r.json as { input: Input }).input;
const textsOf = (r: RecordedRequest) =>
  inputOf(r).map((i) => i.content?.map((c) => c.text ?? '').join('') ?? i.output ?? '');
const prefix = (raw: string) => raw.slice(0, raw.lastIndexOf(']'));

async function manager(t: TestContext, script: MockScript, repo: string, toml = '') {
  const mock = await startMockModel(script);
  const home = tempDir('home', t);
  if (toml) writeFileSync(join(home, 'config.toml'), toml);
  const m = new ThreadManager({
    config: loadConfig({
      env: { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' },
      cwd: repo,
    }),
  });
  t.after(async () => {
    m.close();
    await mock.close();
  });
  return { mock, m, home };
}

test('AGENTS.md chain in the preamble; scoped rules appended on first touch only', async (t) => {
  const repo = tempRepo(
    {
      'AGENTS.md': 'Root rule: use tabs.',
      'app/AGENTS.md': 'App rule: keep it small.',
      'app/AGENTS.override.md': 'App override: this wins.',
      'lib/AGENTS.md': 'Lib rule: document every export.',
      'lib/a.txt': 'a',
      'lib/b.txt': 'b',
      'lib/code.ts': 'export const x = 1;',
      '.yoke/rules/typescript.md': '---\npaths: ["**/*.ts"]\n---\nTS rule: no any.',
    },
    t,
  );
  const { mock, m } = await manager(
    t,
    [
      toolCall('read_file', { path: '../lib/a.txt' }),
      toolCall('read_file', { path: '../lib/b.txt' }),
      toolCall('read_file', { path: '../lib/code.ts' }),
      text('done'),
    ],
    join(repo, 'app'),
  );
  const session = m.startThread({ cwd: join(repo, 'app') });
  assert.deepEqual(session.instructionSources, [
    join(repo, 'AGENTS.md'),
    join(repo, 'app/AGENTS.override.md'),
  ]);
  await session.startTurn([{ type: 'text', text: 'read things' }]).done;

  const first = textsOf(mock.requests[0]!);
  const agents = first.find((x) => x.includes('Root rule'))!;
  assert.ok(agents.indexOf('Root rule') < agents.indexOf('App override'));
  assert.doesNotMatch(agents, /App rule: keep it small/);
  assert.doesNotMatch(first.join('\n'), /Lib rule|TS rule/);
  const count = (r: RecordedRequest, needle: string) =>
    textsOf(r).filter((x) => x.includes(needle)).length;
  assert.equal(count(mock.requests[1]!, 'Lib rule'), 1, 'loaded after the first touch of lib/');
  assert.equal(count(mock.requests[2]!, 'Lib rule'), 1, 'not loaded again');
  assert.equal(count(mock.requests[2]!, 'TS rule'), 0);
  assert.equal(count(mock.requests[3]!, 'TS rule'), 1, 'the glob rule on the first .ts file');
  for (let i = 1; i < mock.requests.length; i++) {
    assert.ok(
      mock.requests[i]!.body.startsWith(prefix(mock.requests[i - 1]!.body)),
      `request ${i} extends ${i - 1}`,
    );
  }
});

test('compaction keeps the pinned task; a 1000-step run completes inside a 32k window', async (t) => {
  const repo = tempRepo({ 'README.md': 'x' }, t);
  const STEPS = 1000;
  let calls = 0;
  let compactions = 0;
  const script: MockScript = (request) => {
    const texts = textsOf(request);
    if (texts.at(-1)!.includes('Context checkpoint')) {
      compactions++;
      return text(
        `Summary ${compactions}: ran ${calls} echo steps so far; keep going until ${STEPS}.`,
      );
    }
    if (calls >= STEPS) return text('All steps done.');
    calls++;
    return toolCall('shell', { command: `echo step-${calls}-${'x'.repeat(300)}` });
  };
  const toml = '[model_catalog."small-model"]\ncontext_window = 32000\nmax_output_tokens = 4096\n';
  const { mock, m } = await manager(t, script, repo, toml);
  const session = m.startThread({ cwd: repo, model: 'small-model' });
  const task = 'THE TASK: run the numbered echo steps, one per request, up to 1000.';
  const result = await session.startTurn([{ type: 'text', text: task }]).done;
  assert.equal(result.status, 'completed', JSON.stringify(result.error));
  assert.equal(result.lastMessage, 'All steps done.');
  assert.ok(compactions >= 5, `compacted ${compactions} times`);
  let largest = 0;
  for (const r of mock.requests) largest = Math.max(largest, r.body.length / 4);
  assert.ok(largest < 32_000, `largest request ≈ ${Math.round(largest)} tokens`);
  // After every compaction the task is still there, verbatim, and so is the summary.
  const afterLast = mock.requests.at(-1)!;
  const texts = textsOf(afterLast);
  assert.ok(texts.some((x) => x.includes('<task_record>') && x.includes(task)));
  assert.ok(texts.some((x) => x.includes(`Summary ${compactions}`)));
  assert.ok(
    session.turns[0]!.items.filter((i) => i.type === 'contextCompaction').length === compactions,
  );

  // The summary is readable with thread/read; the compacted history survives a reload.
  const read = m.readThread(session.id, true);
  const item = read.turns[0]!.items.find((i) => i.type === 'contextCompaction') as {
    summary?: string;
  };
  assert.match(item.summary ?? '', /^Summary 1:/);
});

test('manual compaction (thread/compact/start) runs as its own turn', async (t) => {
  const repo = tempRepo({}, t);
  const { mock, m } = await manager(
    t,
    [
      toolCall('shell', { command: 'echo one' }),
      toolCall('shell', { command: 'echo two' }),
      toolCall('shell', { command: 'echo three' }),
      text('first answer'),
      text('The summary.'),
      text('after'),
    ],
    repo,
  );
  const session = m.startThread({ cwd: repo });
  await session.startTurn([{ type: 'text', text: 'the original task' }]).done;
  const compaction = session.startCompaction();
  assert.equal((await compaction.done).status, 'completed');
  await session.startTurn([{ type: 'text', text: 'next' }]).done;
  const compactRequest = mock.requests[4]!.json as { tools: unknown[] };
  assert.deepEqual(compactRequest.tools, []);
  const texts = textsOf(mock.requests[5]!);
  assert.ok(texts.some((x) => x.includes('the original task') && x.includes('<task_record>')));
  assert.ok(texts.some((x) => x.includes('The summary.')));
  assert.ok(
    !JSON.stringify(inputOf(mock.requests[5]!)).includes('echo one'),
    'older steps are gone',
  );
  assert.equal(session.turns[1]!.items[0]!.type, 'contextCompaction');
});

test('Anthropic end to end: yoke exec against the mock speaking the Messages API', async (t) => {
  const mock = await startMockModel([
    toolCall('shell', { command: 'echo from-claude' }),
    text('Claude done.'),
  ]);
  t.after(() => mock.close());
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  writeFileSync(
    join(home, 'config.toml'),
    `model = "claude-sonnet-4-5"\nmodel_provider = "anthropic"\n[model_providers.anthropic]\nbase_url = "${mock.url}"\nwire_api = "anthropic"\nenv_key = "ANTHROPIC_API_KEY"\n`,
  );
  const r = await runYoke(['exec', '--json', 'say hi'], {
    cwd: repo,
    env: yokeEnv(mock.url, home, { ANTHROPIC_API_KEY: 'ak' }),
  });
  assert.equal(r.code, 0, r.stderr);
  const events = jsonLines(r.stdout);
  assert.equal(
    (
      events.find(
        (e) => e.type === 'item.completed' && (e.item as { type: string }).type === 'agent_message',
      )!.item as { text: string }
    ).text,
    'Claude done.',
  );
  assert.equal(mock.requests[0]!.path, '/v1/messages');
  assert.equal(mock.requests[0]!.headers['x-api-key'], 'ak');
  const second = mock.requests[1]!.json as {
    messages: { role: string; content: { type: string }[] }[];
  };
  const types = second.messages.flatMap((msg) => msg.content.map((c) => `${msg.role}:${c.type}`));
  assert.ok(types.includes('assistant:tool_use') && types.includes('user:tool_result'));
});
