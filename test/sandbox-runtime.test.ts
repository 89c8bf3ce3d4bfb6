// The attacks again, this time made by a scripted model through the whole runtime: the shell
// tool runs them in the default sandbox (workspace-write, network off), and apply_patch tries
// to escape the workspace. Each item must end failed or declined, and the host stay untouched.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import type { ThreadSession } from '../src/runtime/thread-session.ts';
import type { ProcessOutcome } from '../src/sandbox/process-runner.ts';
import { tempDir } from './support/cli.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';
import { ATTACKS, setUpAttackHost, type AttackHost } from './support/sandbox-attacks.ts';

// The control case writes to the runner's own temp dir and the cgroup case needs the process
// limit set up by the runner tests; everything else is replayed as a model's tool call.
const REPLAYED = ATTACKS.filter((a) => !/control|cgroup/.test(a.name));

/**
 * A thread of the attack host's fake user: its HOME and Yoke home are what the runtime hides.
 * Ephemeral, so the store does not open the fake yoke.db.
 */
function hostSession(t: TestContext, host: AttackHost, modelUrl: string): ThreadSession {
  const manager = new ThreadManager({
    config: loadConfig({
      env: {
        YOKE_HOME: host.yokeHome,
        HOME: host.home,
        OPENAI_BASE_URL: modelUrl,
        OPENAI_API_KEY: 'k',
      },
      cwd: host.ws,
    }),
  });
  t.after(() => manager.close());
  return manager.startThread({
    cwd: host.ws,
    sandboxMode: 'workspace-write',
    approvalPolicy: 'never',
    ephemeral: true,
  });
}

for (const attack of REPLAYED) {
  test(`scripted model: ${attack.name}`, async (t) => {
    const host = await setUpAttackHost(t);
    await attack.prepare?.(host, t);
    const previous = { ...process.env };
    Object.assign(process.env, host.secretEnv);
    t.after(() => {
      for (const key of Object.keys(host.secretEnv)) {
        if (previous[key] === undefined) delete process.env[key];
        else process.env[key] = previous[key];
      }
    });
    const mock = await startMockModel([
      toolCall('shell', { command: attack.script(host) }),
      text('tried'),
    ]);
    t.after(() => mock.close());
    const session = hostSession(t, host, mock.url);
    const result = await session.startTurn([{ type: 'text', text: 'go' }]).done;
    assert.equal(result.status, 'completed');
    const item = session.turns[0]!.items.find((i) => i.type === 'commandExecution');
    assert.ok(item && item.type === 'commandExecution');
    // Most attacks must fail; a few (hidden /tmp, secrets) succeed harmlessly: the check says which.
    assert.equal(item.status, item.exitCode === 0 ? 'completed' : 'failed');
    const outcome: ProcessOutcome = {
      exitCode: item.exitCode,
      signal: null,
      output: item.aggregatedOutput ?? '',
      totalBytes: (item.aggregatedOutput ?? '').length,
      timedOut: false,
      aborted: false,
      durationMs: item.durationMs ?? 0,
      pid: null,
    };
    await attack.check(outcome, host);
  });
}

test('scripted model: read_file and list_dir cannot read hidden paths; the model is told', async (t) => {
  const host = await setUpAttackHost(t);
  symlinkSync(join(host.home, '.ssh', 'id_ed25519'), join(host.ws, 'innocent.txt'));
  const mock = await startMockModel([
    toolCall('read_file', { path: join(host.home, '.ssh', 'id_ed25519') }),
    toolCall('read_file', { path: join(host.yokeHome, 'serve.token') }),
    toolCall('read_file', { path: 'innocent.txt' }),
    toolCall('list_dir', { path: host.yokeHome }),
    toolCall('list_dir', { path: host.home, depth: 3 }),
    text('tried'),
  ]);
  t.after(() => mock.close());
  const session = hostSession(t, host, mock.url);
  await session.startTurn([{ type: 'text', text: 'go' }]).done;
  type Input = { type: string; output?: string };
  const last = mock.requests.at(-1)!.json as { input: Input[] };
  const outputs = last.input
    .filter((i) => i.type === 'function_call_output')
    .map((i) => String(i.output));
  assert.equal(outputs.length, 5);
  for (const output of outputs.slice(0, 4)) assert.match(output, /hidden by the sandbox/);
  assert.match(outputs[4]!, /\.ssh\//, 'the hidden directory is listed…');
  assert.doesNotMatch(outputs[4]!, /id_ed25519|serve\.token|Cookies/, '…but not what is inside');
  for (const output of outputs) assert.ok(!output.includes(host.secret));
  const permissions = JSON.stringify((mock.requests[0]!.json as { input: Input[] }).input);
  assert.match(permissions, /Hidden from commands and the file tools[^"]*~\/\.ssh/);
});

test('scripted model: apply_patch cannot leave the workspace (../, absolute, symlinked dir)', async (t) => {
  const ws = tempDir('ws', t);
  const outside = tempDir('outside', t);
  mkdirSync(join(ws, '.git'));
  symlinkSync(outside, join(ws, 'link'));
  const patch = (path: string) => `*** Begin Patch\n*** Add File: ${path}\n+pwned\n*** End Patch`;
  const mock = await startMockModel([
    toolCall('apply_patch', { input: patch('../escaped.txt') }),
    toolCall('apply_patch', { input: patch(join(outside, 'abs.txt')) }),
    toolCall('apply_patch', { input: patch('link/through-link.txt') }),
    toolCall('apply_patch', { input: patch('.git/hooks/pre-commit') }),
    text('tried'),
  ]);
  t.after(() => mock.close());
  const home = tempDir('home', t);
  const manager = new ThreadManager({
    config: loadConfig({
      env: { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' },
      cwd: ws,
    }),
  });
  t.after(() => manager.close());
  const session = manager.startThread({
    cwd: ws,
    sandboxMode: 'workspace-write',
    approvalPolicy: 'never',
  });
  await session.startTurn([{ type: 'text', text: 'go' }]).done;
  const items = session.turns[0]!.items.filter(
    (i) => i.type === 'fileChange' || i.type === 'dynamicToolCall',
  );
  assert.equal(items.length, 4);
  for (const item of items) assert.notEqual((item as { status: string }).status, 'completed');
  assert.ok(!existsSync(join(ws, '..', 'escaped.txt')));
  assert.ok(!existsSync(join(outside, 'abs.txt')));
  assert.ok(!existsSync(join(outside, 'through-link.txt')));
  assert.ok(!existsSync(join(ws, '.git', 'hooks', 'pre-commit')));
});

test('scripted model: a sandbox limit that ended a command is in its output (sandbox_limits)', async (t) => {
  const ws = tempDir('ws', t);
  const mock = await startMockModel([
    toolCall('shell', { command: 'head -c 3000000 /dev/zero > big.bin' }),
    text('done'),
  ]);
  t.after(() => mock.close());
  const manager = new ThreadManager({
    config: loadConfig({
      env: { YOKE_HOME: tempDir('home', t), OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' },
      cwd: ws,
      overrides: ['sandbox_limits.file_size_mb=1'],
    }),
  });
  t.after(() => manager.close());
  const session = manager.startThread({ cwd: ws, sandboxMode: 'workspace-write', ephemeral: true });
  await session.startTurn([{ type: 'text', text: 'go' }]).done;
  const last = mock.requests.at(-1)!.json as { input: { type: string; output?: string }[] };
  const output = last.input.find((i) => i.type === 'function_call_output')!.output!;
  assert.match(output, /^Sandbox limit: file size limit 1 MiB reached/m);
});
