// config/value/write and config/batchWrite over a spawned `yoke app-server` (stdio), as a Codex
// client sends them: the user config.toml is edited in place (comments kept), config/read shows
// the new values with their origin and the file's version, a new thread takes the written
// model, a key a higher layer still decides
// answers okOverridden, and every refused write (wrong layer, stale version, invalid value, a
// path through a value) is -32600 with data.config_write_error_code and leaves the file as it
// was. Every message validates against Codex's own schema.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { CodexDriver, type Json } from './support/codex-driver.ts';
import { codexSchemaDir } from './support/codex-package.ts';
import { loadCodexSchema } from './support/codex-schema.ts';
import { startMockModel } from './support/mock-model.ts';

const USER_TOML = `# Written by hand: this comment stays.
model = "m-user" # the model I like

[sandbox_workspace_write]
# no network for commands
network_access = false
`;

async function setUp(t: TestContext, userToml = USER_TOML) {
  const mock = await startMockModel([]);
  t.after(() => mock.close());
  const repo = tempRepo({ '.yoke/config.toml': 'model_reasoning_effort = "low"\n' }, t);
  const home = tempDir('home', t);
  mkdirSync(home, { recursive: true });
  const file = join(home, 'config.toml');
  writeFileSync(file, userToml, { mode: 0o600 });
  const { driver } = CodexDriver.stdio(yokeEnv(mock.url, home), repo, [
    '-c',
    'command_timeout_ms=20000',
  ]);
  t.after(() => driver.close());
  await driver.initialize();
  return { driver, repo, home, file };
}

const version = (file: string) =>
  `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;

/** The JSON-RPC error of a request that must fail. */
async function refused(driver: CodexDriver, method: string, params: Json): Promise<Json> {
  const err = await driver.request(method, params).then(
    () => assert.fail(`${method} ${JSON.stringify(params)} was not refused`),
    (e: Error & { rpc: Json }) => e.rpc,
  );
  assert.equal(err.code, -32600, JSON.stringify(err));
  return err;
}

async function conforms(driver: CodexDriver) {
  const schema = loadCodexSchema(process.env.CODEX_SCHEMA_DIR || (await codexSchemaDir()));
  const { checked, failures } = schema.check('config-write', driver.transcript);
  assert.deepEqual(failures, []);
  assert.ok(checked > 5);
}

test(
  'config writes edit the user config.toml in place; config/read shows them with their origin',
  { timeout: 600_000 },
  async (t) => {
    const { driver, home, repo, file } = await setUp(t);
    const before = await driver.request('config/read', { includeLayers: true });
    const userLayer = (before.layers as Json[]).find((l) => (l.name as Json).type === 'user')!;
    assert.equal(userLayer.version, version(file), 'a file layer’s version is its bytes’ hash');

    const wrote = await driver.request('config/value/write', {
      keyPath: 'model',
      value: 'm-new',
      mergeStrategy: 'replace',
      expectedVersion: userLayer.version,
    });
    assert.deepEqual(wrote, {
      status: 'ok',
      version: version(file),
      filePath: file,
      overriddenMetadata: null,
    });
    assert.equal(
      readFileSync(file, 'utf8'),
      USER_TOML.replace('"m-user"', '"m-new"'),
      'only the value changed; comments and layout kept',
    );
    const after = await driver.request('config/read', {});
    assert.equal((after.config as Json).model, 'm-new');
    assert.deepEqual((after.origins as Record<string, Json>).model, {
      name: { type: 'user', file },
      version: wrote.version,
    });

    // A new thread takes the written default (as after a restart).
    const started = await driver.request('thread/start', { cwd: repo, model: null });
    assert.equal(started.model, 'm-new');

    // Several edits at once: a quoted part holding dots, a table merged, a new key.
    const batch = await driver.request('config/batchWrite', {
      edits: [
        {
          keyPath: 'sandbox_workspace_write.writable_roots',
          value: ['/tmp/extra'],
          mergeStrategy: 'replace',
        },
        {
          keyPath: 'sandbox_workspace_write',
          value: { network_access: true },
          mergeStrategy: 'upsert',
        },
        {
          keyPath: `projects."${repo}/a.b".trust_level`,
          value: 'trusted',
          mergeStrategy: 'upsert',
        },
      ],
      expectedVersion: wrote.version,
      reloadUserConfig: true,
    });
    assert.equal(batch.status, 'ok');
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# Written by hand: this comment stays\.$/m);
    assert.match(text, /^# no network for commands$/m);
    assert.deepEqual(JSON.parse(JSON.stringify(parseToml(text))), {
      model: 'm-new',
      sandbox_workspace_write: { network_access: true, writable_roots: ['/tmp/extra'] },
      projects: { [`${repo}/a.b`]: { trust_level: 'trusted' } },
    });
    const read = await driver.request('config/read', {});
    assert.deepEqual(
      (read.config as Json).projects,
      { [`${repo}/a.b`]: { trust_level: 'trusted' } },
      'a Codex key Yoke does not act on is kept and shown',
    );
    assert.deepEqual((read.config as Json).sandbox_workspace_write, {
      network_access: true,
      writable_roots: ['/tmp/extra'],
    });
    assert.equal(
      (
        (read.origins as Record<string, Json>)['sandbox_workspace_write.network_access']!
          .name as Json
      ).type,
      'user',
    );

    // replace swaps a whole table; null removes a key (and the table it leaves empty).
    await driver.request('config/value/write', {
      keyPath: 'sandbox_workspace_write',
      value: { network_access: false },
      mergeStrategy: 'replace',
    });
    assert.deepEqual(
      { ...(parseToml(readFileSync(file, 'utf8')).sandbox_workspace_write as Json) },
      {
        network_access: false,
      },
    );
    await driver.request('config/value/write', {
      keyPath: 'sandbox_workspace_write.network_access',
      value: null,
      mergeStrategy: 'replace',
    });
    assert.doesNotMatch(readFileSync(file, 'utf8'), /sandbox_workspace_write/);

    // The project's config and a -c flag still decide these keys: written, but overridden.
    const effort = await driver.request('config/value/write', {
      keyPath: 'model_reasoning_effort',
      value: 'high',
      mergeStrategy: 'replace',
    });
    assert.equal(effort.status, 'okOverridden');
    const meta = effort.overriddenMetadata as Json;
    assert.deepEqual((meta.overridingLayer as Json).name, {
      type: 'project',
      dotCodexFolder: join(repo, '.yoke'),
    });
    assert.equal(meta.effectiveValue, 'low');
    assert.match(String(meta.message), /project config/);
    assert.match(readFileSync(file, 'utf8'), /^model_reasoning_effort = "high"$/m);
    const timeout = await driver.request('config/value/write', {
      keyPath: 'command_timeout_ms',
      value: 5000,
      mergeStrategy: 'replace',
    });
    assert.equal(timeout.status, 'okOverridden');
    assert.deepEqual(((timeout.overriddenMetadata as Json).overridingLayer as Json).name, {
      type: 'sessionFlags',
    });
    assert.equal((timeout.overriddenMetadata as Json).effectiveValue, 20000);
    assert.deepEqual(
      readdirSync(home).filter((f) => f.includes('.tmp')),
      [],
      'no temporary file is left',
    );
    await conforms(driver);
  },
);

test(
  'a refused config write names its code and leaves the file as it was',
  { timeout: 600_000 },
  async (t) => {
    const { driver, repo, file } = await setUp(t);
    const original = readFileSync(file, 'utf8');
    const write = (keyPath: string, value: unknown, extra: Json = {}) =>
      refused(driver, 'config/value/write', {
        keyPath,
        value,
        mergeStrategy: 'replace',
        ...extra,
      });
    const code = (err: Json) => (err.data as Json).config_write_error_code;

    const project = await write('model', 'x', { filePath: join(repo, '.yoke', 'config.toml') });
    assert.equal(code(project), 'configLayerReadonly');
    assert.match(String(project.message), /Only writes to the user config/);
    assert.equal(
      code(await write('model', 'x', { expectedVersion: 'sha256:0' })),
      'configVersionConflict',
    );
    for (const [keyPath, value] of [
      ['sandbox_mode', 'sometimes'],
      ['command_timeout_ms', -5],
      ['model', { nested: null }],
      ['a..b', 1],
      ['toolset', 'no-such-toolset'],
    ] as const) {
      const err = await write(keyPath, value);
      assert.equal(code(err), 'configValidationError', `${keyPath}: ${String(err.message)}`);
    }
    assert.equal(code(await write('model.name', 'x')), 'configPathNotFound');
    // A batch is all or nothing: a good edit beside a bad one is not written either.
    const batch = await refused(driver, 'config/batchWrite', {
      edits: [
        { keyPath: 'model', value: 'fine', mergeStrategy: 'replace' },
        { keyPath: 'approval_policy', value: 'whenever', mergeStrategy: 'replace' },
      ],
    });
    assert.equal(code(batch), 'configValidationError');
    assert.match(String(batch.message), /approval_policy/);
    assert.equal(readFileSync(file, 'utf8'), original, 'nothing was written');

    // A file that is not TOML any more is not overwritten by a write.
    writeFileSync(file, 'model = "unterminated\n');
    assert.equal(code(await write('model', 'x')), 'configValidationError');
    assert.equal(readFileSync(file, 'utf8'), 'model = "unterminated\n');
    await conforms(driver);
  },
);
