// modelProvider/list: Yoke's built-in OpenAI provider and each [model_providers.NAME] of the
// config, the default named, URLs with credentials not shown. experimentalFeature/list (the
// Codex TUI asks after /model): Yoke has no feature flags.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { startAppServerHost } from '../src/surfaces/app-server-host.ts';
import { tempDir } from './support/cli.ts';

test('modelProvider/list shows the configured providers', { timeout: 30_000 }, async (t) => {
  const home = tempDir('home', t);
  writeFileSync(
    join(home, 'config.toml'),
    [
      'model_provider = "ollama"',
      '[model_providers.ollama]',
      'base_url = "http://127.0.0.1:11434/v1"',
      'wire_api = "chat"',
      '[model_providers.corp]',
      'name = "Corp gateway"',
      'base_url = "https://user:secret@llm.corp.example/v1"',
      'env_key = "CORP_KEY"',
      '',
    ].join('\n'),
  );
  const config = loadConfig({ env: { YOKE_HOME: home }, cwd: home });
  const host = startAppServerHost({ config });
  t.after(() => host.close());
  const client = await host.connect({ name: 'providers_test', version: '0' }, { validate: true });
  const listed = await client.request('modelProvider/list', {});
  assert.equal(listed.defaultProviderId, 'ollama');
  assert.equal(listed.canChangeDefault, false);
  assert.deepEqual(listed.data, [
    {
      id: 'openai',
      name: 'OpenAI',
      baseUrl: 'https://api.openai.com/v1',
      canEdit: false,
      settings: { type: 'openai' },
    },
    {
      id: 'ollama',
      name: 'ollama',
      baseUrl: 'http://127.0.0.1:11434/v1',
      canEdit: false,
      settings: { type: 'customGateway', auth: { mode: 'none' } },
    },
    {
      id: 'corp',
      name: 'Corp gateway',
      baseUrl: null,
      canEdit: false,
      settings: {
        type: 'customGateway',
        auth: { mode: 'environmentVariable', envKey: 'CORP_KEY' },
      },
    },
  ]);
  assert.ok(!JSON.stringify(listed).includes('secret'), 'no credentials on the wire');
});

test(
  'experimentalFeature/list is empty; naming a feature is refused',
  { timeout: 30_000 },
  async (t) => {
    const home = tempDir('home', t);
    const host = startAppServerHost({
      config: loadConfig({ env: { YOKE_HOME: home }, cwd: home }),
    });
    t.after(() => host.close());
    const client = await host.connect({ name: 'features_test', version: '0' }, { validate: true });
    assert.deepEqual(await client.request('experimentalFeature/list', {}), {
      data: [],
      nextCursor: null,
    });
    assert.deepEqual(
      await client.request('experimentalFeature/enablement/set', { enablement: {} }),
      { enablement: {} },
    );
    await assert.rejects(
      client.request('experimentalFeature/enablement/set', { enablement: { apps: true } }),
      /no experimental feature apps/,
    );
  },
);
