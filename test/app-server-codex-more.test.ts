// Codex methods beyond start-up, over an App Server connection: fuzzyFileSearch, thread/delete,
// thread/settings/update, command/exec (buffered, sandboxed, streamed and terminated), and the
// precise error of a method that does not apply to Yoke. Results are validated against the
// method table (and, in codex-conformance.test.ts, against Codex's schema).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { startAppServerHost } from '../src/surfaces/app-server-host.ts';
import { tempDir, tempRepo } from './support/cli.ts';
import { startMockModel, text, type MockScript } from './support/mock-model.ts';

async function setUp(t: TestContext, script: MockScript, files: Record<string, string> = {}) {
  const mock = await startMockModel(script);
  t.after(() => mock.close());
  const repo = tempRepo({ 'a.txt': 'a\n', ...files }, t);
  const home = tempDir('home', t);
  const env = { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' };
  const config = loadConfig({ env, cwd: repo, overrides: ['command_timeout_ms=20000'] });
  const host = startAppServerHost({ config });
  t.after(() => host.close());
  const client = await host.connect({ name: 'codex_more_test', version: '0' }, { validate: true });
  return { client, repo, mock };
}

const input = (words: string) => [{ type: 'text' as const, text: words, text_elements: [] }];

test(
  'fuzzyFileSearch: best match first, with positions; .gitignore honoured',
  { timeout: 60_000 },
  async (t) => {
    const { client, repo } = await setUp(t, [], {
      '.gitignore': 'build/\n',
      'src/app/main.ts': '',
      'src/app/other.ts': '',
      'docs/maintenance.md': '',
      'build/main.js': '',
    });
    const { files } = await client.request('fuzzyFileSearch', { query: 'main', roots: [repo] });
    assert.equal(files[0]!.path, 'src/app/main.ts');
    assert.equal(files[0]!.file_name, 'main.ts');
    assert.equal(files[0]!.root, repo);
    assert.equal(files[0]!.match_type, 'file');
    assert.deepEqual(files[0]!.indices, [8, 9, 10, 11], 'the characters of main in the name');
    assert.ok(files.some((f) => f.path === 'docs/maintenance.md'));
    assert.ok(!files.some((f) => f.path.startsWith('build/')), 'ignored files are not offered');
    assert.ok(
      files.every((f, i) => i === 0 || files[i - 1]!.score >= f.score),
      'best first',
    );
    assert.deepEqual(
      (await client.request('fuzzyFileSearch', { query: 'zqx', roots: [repo] })).files,
      [],
    );
  },
);

test('thread/delete removes a thread and its history for good', { timeout: 60_000 }, async (t) => {
  const { client, repo } = await setUp(t, [text('one')]);
  const { thread } = await client.request('thread/start', { cwd: repo });
  const done = new Promise<void>((resolve) => {
    const off = client.onNotification('turn/completed', () => {
      off();
      resolve();
    });
  });
  await client.request('turn/start', { threadId: thread.id, input: input('hi') });
  await done;
  const deleted = new Promise<string>((resolve) => {
    const off = client.onNotification('thread/deleted', (params) => {
      off();
      resolve(params.threadId);
    });
  });
  assert.deepEqual(await client.request('thread/delete', { threadId: thread.id }), {});
  assert.equal(await deleted, thread.id);
  await assert.rejects(client.request('thread/read', { threadId: thread.id }), /no thread/);
  const listed = await client.request('thread/list', {});
  assert.ok(!listed.data.some((x) => x.id === thread.id));
  await assert.rejects(client.request('thread/delete', { threadId: thread.id }), /no thread/);
});

test('thread/settings/update applies from the next turn', { timeout: 60_000 }, async (t) => {
  const { client, repo, mock } = await setUp(t, [text('one')]);
  const { thread } = await client.request('thread/start', { cwd: repo });
  assert.deepEqual(
    await client.request('thread/settings/update', {
      threadId: thread.id,
      model: 'other-model',
      approvalPolicy: 'untrusted',
      sandboxPolicy: { type: 'readOnly', networkAccess: false },
    }),
    {},
  );
  const done = new Promise<void>((resolve) => {
    const off = client.onNotification('turn/completed', () => {
      off();
      resolve();
    });
  });
  await client.request('turn/start', { threadId: thread.id, input: input('hi') });
  await done;
  assert.equal((mock.requests[0]!.json as { model: string }).model, 'other-model');
  const resumed = await client.request('thread/resume', { threadId: thread.id });
  assert.equal(resumed.approvalPolicy, 'untrusted');
  assert.equal(resumed.sandbox.type, 'readOnly');
});

test(
  'command/exec: output and exit code, sandboxed, streamed and terminated',
  { timeout: 60_000 },
  async (t) => {
    const { client, repo } = await setUp(t, []);
    const ran = await client.request('command/exec', {
      command: ['bash', '-c', 'echo out; echo err >&2; exit 3'],
      cwd: repo,
    });
    assert.equal(ran.exitCode, 3);
    assert.match(ran.stdout, /out\n/);
    assert.match(ran.stdout, /err\n/, 'stderr comes interleaved in stdout');
    assert.equal(ran.stderr, '');

    // The sandbox applies: read-only refuses the write.
    const refused = await client.request('command/exec', {
      command: ['touch', 'made.txt'],
      cwd: repo,
      sandboxPolicy: { type: 'readOnly', networkAccess: false },
    });
    assert.notEqual(refused.exitCode, 0);
    assert.equal(existsSync(join(repo, 'made.txt')), false);
    const written = await client.request('command/exec', {
      command: ['touch', 'made.txt'],
      cwd: repo,
    });
    assert.equal(written.exitCode, 0);
    assert.equal(existsSync(join(repo, 'made.txt')), true);

    // Streamed: the output comes as it is written; terminate stops the command.
    const deltas: string[] = [];
    const first = new Promise<void>((resolve) => {
      client.onNotification('command/exec/outputDelta', (params) => {
        assert.equal(params.processId, 'p1');
        deltas.push(Buffer.from(params.deltaBase64, 'base64').toString());
        if (deltas.join('').includes('started')) resolve();
      });
    });
    const long = client.request('command/exec', {
      command: ['bash', '-c', 'echo started; sleep 60'],
      cwd: repo,
      processId: 'p1',
      streamStdoutStderr: true,
    });
    await first;
    assert.deepEqual(await client.request('command/exec/terminate', { processId: 'p1' }), {});
    const stopped = await long;
    assert.notEqual(stopped.exitCode, 0);
    assert.equal(stopped.stdout, '', 'streamed output is not repeated in the answer');
    await assert.rejects(
      client.request('command/exec/terminate', { processId: 'p1' }),
      /no running command p1/,
    );
    await assert.rejects(
      client.request('command/exec', { command: ['cat'], size: { rows: 24, cols: 80 } }),
      /size is for a terminal \(tty\)/,
    );
  },
);

test('a Codex method that does not apply answers why', { timeout: 60_000 }, async (t) => {
  const { client } = await setUp(t, []);
  await assert.rejects(
    client.request('account/login/start' as 'account/read', {}),
    /not supported by Yoke: account\/login\/start \(Yoke signs in to no OpenAI/,
  );
  await assert.rejects(
    client.request('no/such/method' as 'account/read', {}),
    /method not found: no\/such\/method/,
  );
});
