// `yoke exec` end to end: the real binary, a real git repo on disk, the scripted mock model.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closedPort } from './support/model-stream.ts';
import { processGone } from './support/processes.ts';
import {
  collect,
  jsonLines,
  runYoke,
  startYoke,
  tempDir,
  tempRepo,
  waitForLine,
  yokeEnv,
} from './support/cli.ts';
import {
  error,
  startMockModel,
  step,
  text,
  toolCall,
  hang,
  type RecordedRequest,
} from './support/mock-model.ts';

type Body = {
  input: Record<string, unknown>[];
  tools: { name: string }[];
  prompt_cache_key?: string;
};
const body = (r: RecordedRequest) => r.json as Body;
const outputs = (r: RecordedRequest) =>
  body(r)
    .input.filter((i) => i.type === 'function_call_output')
    .map((i) => String(i.output));

/** The request body without its closing `]}`: what the next request must start with. */
const prefixOf = (raw: string) => raw.slice(0, raw.lastIndexOf(']'));

test('a multi-step run: shell, then apply_patch, then the final answer', async (t) => {
  const repo = tempRepo({ 'greet.txt': 'hello\nworld\n' }, t);
  const home = tempDir('home', t);
  const patch = [
    '*** Begin Patch',
    '*** Update File: greet.txt',
    ' hello',
    '-world',
    '+yoke',
    '*** End Patch',
  ].join('\n');
  const mock = await startMockModel([
    toolCall('shell', { command: 'echo made-by-shell > made.txt && cat greet.txt' }),
    toolCall('apply_patch', { input: patch }),
    text('Done: wrote made.txt and greeted yoke.'),
  ]);
  t.after(() => mock.close());

  const r = await runYoke(['exec', '--json', 'do the thing'], {
    cwd: repo,
    env: yokeEnv(mock.url, home),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(repo, 'made.txt'), 'utf8'), 'made-by-shell\n');
  assert.equal(readFileSync(join(repo, 'greet.txt'), 'utf8'), 'hello\nyoke\n');

  const events = jsonLines(r.stdout);
  assert.deepEqual(
    events.map((e) => `${e.type}${e.item ? `:${(e.item as { type: string }).type}` : ''}`),
    [
      'thread.started',
      'turn.started',
      'item.started:command_execution',
      'item.completed:command_execution',
      'item.completed:file_change',
      'item.completed:agent_message',
      'turn.completed',
    ],
  );
  const threadId = events[0]!.thread_id as string;
  const command = events[3]!.item as Record<string, unknown>;
  // Codex prints the argv that ran, shell-quoted (its own is `/bin/bash -lc '…'`).
  assert.equal(command.command, "bash -c 'echo made-by-shell > made.txt && cat greet.txt'");
  assert.equal(command.exit_code, 0);
  assert.equal(command.status, 'completed');
  assert.equal(command.aggregated_output, 'hello\nworld\n');
  assert.deepEqual((events[4]!.item as { changes: unknown }).changes, [
    { path: join(repo, 'greet.txt'), kind: 'update' },
  ]);
  assert.equal(
    (events[5]!.item as { text: string }).text,
    'Done: wrote made.txt and greeted yoke.',
  );
  const usage = events[6]!.usage as Record<string, number>;
  assert.ok((usage.input_tokens ?? 0) > 0 && (usage.output_tokens ?? 0) > 0);

  assert.equal(mock.requests.length, 3);
  assert.match(outputs(mock.requests[1]!)[0]!, /^Exit code: 0\n[\s\S]*Output:\nhello\nworld\n/);
  assert.match(
    outputs(mock.requests[2]!)[1]!,
    /Success\. Updated the following files:\nM greet\.txt/,
  );
  for (let i = 1; i < mock.requests.length; i++) {
    assert.ok(
      mock.requests[i]!.body.startsWith(prefixOf(mock.requests[i - 1]!.body)),
      `request ${i} extends ${i - 1}`,
    );
  }
  assert.equal(body(mock.requests[0]!).prompt_cache_key, threadId);
  assert.deepEqual(
    body(mock.requests[0]!).tools.map((tool) => tool.name),
    ['shell', 'apply_patch', 'read_file', 'list_dir', 'grep', 'update_plan'],
  );
});

test('the human output streams progress to stderr and the answer alone to stdout', async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const mock = await startMockModel([
    toolCall('shell', { command: ['echo', 'hi there'] }),
    text('All good.'),
  ]);
  t.after(() => mock.close());
  const out = join(home, 'last.txt');
  const r = await runYoke(['exec', '-o', out, 'say hi'], {
    cwd: repo,
    env: yokeEnv(mock.url, home),
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'All good.\n');
  assert.match(r.stderr, /\$ echo 'hi there'\n {2}hi there\n {2}exit 0/);
  assert.equal(readFileSync(out, 'utf8'), 'All good.');
});

test('the prompt can come from stdin; bad usage exits 2 with a clear message', async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const mock = await startMockModel([text('from stdin ok')]);
  t.after(() => mock.close());
  const env = yokeEnv(mock.url, home);
  const r = await runYoke(['exec', '--json'], { cwd: repo, env, stdin: 'prompt on stdin\n' });
  assert.equal(r.code, 0, r.stderr);
  const input = body(mock.requests[0]!).input;
  assert.deepEqual(input.at(-1), {
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text: 'prompt on stdin' }],
  });

  const notRepo = tempDir('plain', t);
  // Outside a git repository: Codex's message and exit status 1, then Yoke's hint.
  const r2 = await runYoke(['exec', 'x'], { cwd: notRepo, env });
  assert.equal(r2.code, 1);
  assert.match(
    r2.stderr,
    /^Not inside a trusted directory and --skip-git-repo-check was not specified\.\nhint: .* is not inside a git repository; run in one or pass --skip-git-repo-check\n$/,
  );
  const r3 = await runYoke(['exec', '--bogus', 'x'], { cwd: repo, env });
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /unknown option --bogus/);
  const r4 = await runYoke(['exec', '--output-schema', join(repo, 'missing.json'), 'x'], {
    cwd: repo,
    env,
  });
  assert.equal(r4.code, 2);
  assert.match(r4.stderr, /--output-schema .*missing\.json: ENOENT/);
});

test('--output-schema is sent as the response format and the answer is written out', async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const schema = {
    type: 'object',
    properties: { ok: { type: 'boolean' } },
    required: ['ok'],
    additionalProperties: false,
  };
  writeFileSync(join(home, 'schema.json'), JSON.stringify(schema));
  const mock = await startMockModel([text('{"ok":true}')]);
  t.after(() => mock.close());
  const r = await runYoke(
    ['exec', '--json', '--output-schema', join(home, 'schema.json'), 'check'],
    {
      cwd: repo,
      env: yokeEnv(mock.url, home),
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const sent = mock.requests[0]!.json as {
    text: { format: { type: string; name: string; schema: unknown } };
  };
  assert.equal(sent.text.format.type, 'json_schema');
  assert.equal(sent.text.format.name, 'codex_output_schema', 'the name Codex gives it');
  assert.deepEqual(sent.text.format.schema, schema);
  assert.equal(JSON.parse((jsonLines(r.stdout).at(-2)!.item as { text: string }).text).ok, true);
});

test('resume continues a thread; every request extends the previous one, across processes', async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const mock = await startMockModel([
    toolCall('shell', { command: 'true' }),
    text('first answer'),
    text('second answer'),
    text('third'),
  ]);
  t.after(() => mock.close());
  const env = yokeEnv(mock.url, home);
  const r1 = await runYoke(['exec', '--json', 'first task'], { cwd: repo, env });
  assert.equal(r1.code, 0, r1.stderr);
  const threadId = jsonLines(r1.stdout)[0]!.thread_id as string;

  const r2 = await runYoke(['exec', '--json', 'resume', threadId, 'second task'], {
    cwd: repo,
    env,
  });
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(jsonLines(r2.stdout)[0]!.thread_id, threadId);
  const r3 = await runYoke(['exec', 'resume', '--last', 'third task'], { cwd: repo, env });
  assert.equal(r3.code, 0, r3.stderr);
  assert.equal(r3.stdout, 'third\n');

  assert.equal(mock.requests.length, 4);
  for (let i = 1; i < 4; i++) {
    assert.ok(
      mock.requests[i]!.body.startsWith(prefixOf(mock.requests[i - 1]!.body)),
      `request ${i} extends ${i - 1}`,
    );
    assert.equal(body(mock.requests[i]!).prompt_cache_key, threadId);
  }
  const last = body(mock.requests[3]!).input;
  const texts = last.filter((i) => i.type === 'message').map((i) => JSON.stringify(i.content));
  assert.ok(
    texts.some((s) => s.includes('first answer')) && texts.some((s) => s.includes('second task')),
  );

  const r4 = await runYoke(['exec', 'resume', 'no-such-thread', 'x'], { cwd: repo, env });
  assert.equal(r4.code, 1);
  assert.match(r4.stderr, /no thread no-such-thread/);
});

test('Ctrl-C interrupts: the model stream and the child processes stop, the turn is stored', async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const mock = await startMockModel([
    toolCall('shell', { command: 'echo $$ > pid.txt; echo started; sleep 60.4242' }),
    hang(),
    text('after the interrupt'),
  ]);
  t.after(() => mock.close());
  const env = yokeEnv(mock.url, home);

  // 1. Interrupt while a command runs: its process group dies.
  const child = startYoke(['exec', '--json', 'long task'], { cwd: repo, env });
  const done = collect(child);
  await waitForLine(child, (l) => l.includes('"item.started"') && l.includes('command_execution'));
  await waitForFileChange(
    repo,
    () =>
      existsSync(join(repo, 'pid.txt')) &&
      readFileSync(join(repo, 'pid.txt'), 'utf8').endsWith('\n'),
  );
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  // The command runs in a PID namespace: find it on the host by its unique command line.
  assert.equal(await processGone('sleep 60.4242'), true, 'the command died with the turn');
  const events = jsonLines(r.stdout);
  assert.equal(events.at(-1)!.type, 'turn.failed');
  const threadId = events[0]!.thread_id as string;

  // 2. Interrupt while the model streams: the HTTP request is closed.
  const child2 = startYoke(['exec', '--json', 'resume', threadId, 'again'], { cwd: repo, env });
  const done2 = collect(child2);
  await mock.waitForRequests(2);
  child2.kill('SIGINT');
  assert.equal((await done2).code, 130);
  await mock.waitForClientClose(1);

  // 3. The stored thread continues: the next request says the turns were interrupted.
  const r3 = await runYoke(['exec', 'resume', threadId, 'go on'], { cwd: repo, env });
  assert.equal(r3.code, 0, r3.stderr);
  const input = JSON.stringify(body(mock.requests[2]!).input);
  assert.equal(input.match(/<turn_aborted>/g)?.length, 2);
  assert.match(input, /Interrupted: the user stopped the command/);
  assert.ok(mock.requests[2]!.body.startsWith(prefixOf(mock.requests[1]!.body)));
});

test('provider faults: 429 and 500 are retried visibly; 401 fails with one clear line', async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const mock = await startMockModel([
    error(429, undefined, { 'retry-after': '0' }),
    error(500),
    text('recovered'),
    error(401, { error: { message: 'Incorrect API key provided' } }),
  ]);
  t.after(() => mock.close());
  writeFileSync(
    join(home, 'config.toml'),
    `model_provider = "mock"\n[model_providers.mock]\nbase_url = "${mock.url}"\nenv_key = "MOCK_KEY"\nretry_base_ms = 1\n`,
  );
  const env = yokeEnv('http://unused.invalid/v1', home, { MOCK_KEY: 'k' });
  const r = await runYoke(['exec', '--json', 'try'], { cwd: repo, env });
  assert.equal(r.code, 0, r.stderr);
  const errors = jsonLines(r.stdout).filter((e) => e.type === 'error');
  assert.equal(errors.length, 2);
  assert.match(String(errors[0]!.message), /429/);
  assert.match(String(errors[1]!.message), /500/);

  const r2 = await runYoke(['exec', 'try again'], { cwd: repo, env });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /mock: 401.*MOCK_KEY/);
  assert.equal(mock.requests.length, 4, '401 is not retried');
});

test('malformed tool arguments go back to the model; the turn goes on', async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const mock = await startMockModel([
    step(
      toolCall('shell', '{"command": "echo hi"'),
      toolCall('shell', { cmd: 'ls' }),
      toolCall('no_such_tool', {}),
    ),
    text('fixed'),
  ]);
  t.after(() => mock.close());
  const r = await runYoke(['exec', '--json', 'go'], { cwd: repo, env: yokeEnv(mock.url, home) });
  assert.equal(r.code, 0, r.stderr);
  const [bad, wrong, unknown] = outputs(mock.requests[1]!);
  assert.match(bad!, /invalid arguments for shell: not valid JSON/);
  assert.match(wrong!, /invalid arguments for shell: command: /);
  assert.match(
    unknown!,
    /unknown tool "no_such_tool"; the available tools are: shell, apply_patch/,
  );
});

test('long output is cut head and tail for the model; the full output is kept', async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const mock = await startMockModel([toolCall('shell', { command: 'seq 1 50000' }), text('ok')]);
  t.after(() => mock.close());
  const r = await runYoke(['exec', '--json', 'count'], { cwd: repo, env: yokeEnv(mock.url, home) });
  assert.equal(r.code, 0, r.stderr);
  const seen = outputs(mock.requests[1]!)[0]!;
  assert.ok(Buffer.byteLength(seen) < 26 * 1024, `model saw ${seen.length} bytes`);
  assert.match(seen, /Output:\n1\n2\n3\n/);
  assert.match(seen, /\[… \d+ bytes \(\d+ lines\) omitted; the full output is stored/);
  assert.match(seen, /49999\n50000\n$/);
  const item = jsonLines(r.stdout).find((e) => e.type === 'item.completed')!.item as {
    aggregated_output: string;
  };
  assert.equal(item.aggregated_output.split('\n').length, 50001);
});

/** Resolves once `check()` holds, re-checking whenever something in `dir` changes. */
function waitForFileChange(dir: string, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dir, () => {
      if (check()) {
        watcher.close();
        resolve();
      }
    });
    if (check()) {
      watcher.close();
      resolve();
    }
  });
}

test('a crash mid-turn loses nothing: commands die with yoke, resume repairs the turn', async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const mock = await startMockModel([
    toolCall('shell', { command: 'echo $$ > pid.txt; sleep 60.4343' }),
    text('recovered'),
  ]);
  t.after(() => mock.close());
  const env = yokeEnv(mock.url, home);
  const child = startYoke(['exec', '--json', 'long task'], { cwd: repo, env });
  const done = collect(child);
  const started = await waitForLine(child, (l) => l.includes('"thread.started"'));
  const threadId = (JSON.parse(started) as { thread_id: string }).thread_id;
  await waitForFileChange(
    repo,
    () =>
      existsSync(join(repo, 'pid.txt')) &&
      readFileSync(join(repo, 'pid.txt'), 'utf8').endsWith('\n'),
  );
  child.kill('SIGKILL');
  assert.equal((await done).signal, 'SIGKILL');
  assert.equal(await processGone('sleep 60.4343'), true, 'the running command died with yoke');

  const r = await runYoke(['exec', '--json', 'resume', threadId, 'carry on'], { cwd: repo, env });
  assert.equal(r.code, 0, r.stderr);
  const input = body(mock.requests[1]!).input;
  const tail = input
    .slice(-4)
    .map((i) =>
      i.type === 'message' ? JSON.stringify(i.content) : `${i.type}:${String(i.output)}`,
    );
  assert.equal(tail[0], 'function_call:undefined');
  assert.equal(tail[1], 'function_call_output:aborted: Yoke stopped while this ran');
  assert.match(tail[2]!, /turn_aborted/);
  assert.match(tail[3]!, /carry on/);
  assert.ok(mock.requests[1]!.body.startsWith(prefixOf(mock.requests[0]!.body)));
});

test('a model server that is not running: one error line at once, no retries, exit 1', async (t) => {
  const port = await closedPort();
  const repo = tempRepo({}, t);
  const env = yokeEnv(`http://127.0.0.1:${port}/v1`, tempDir('home', t));
  const r = await runYoke(['exec', 'hi'], { cwd: repo, env });
  assert.equal(r.code, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /retry/);
  const lines = r.stderr.split('\n').filter((l) => l.includes('ECONNREFUSED'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /nothing is listening at http:\/\/127\.0\.0\.1:\d+\/v1 on this machine/);
});
