// `yoke doctor`: each check, healthy and broken, with what it tells the user to do. The model
// endpoint is a small local server that checks the bearer key like a real one.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { runYoke, tempDir, yokeEnv } from './support/cli.ts';
import { storeWithData } from './support/damaged-store.ts';

async function modelsEndpoint(t: TestContext, key: string): Promise<string> {
  const server: Server = createServer((req, res) => {
    const ok = req.url === '/v1/models' && req.headers.authorization === `Bearer ${key}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(ok ? '{"data":[{"id":"m"}]}' : '{"error":{"message":"bad key"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
}

const line = (out: string, name: string) =>
  out.split('\n').find((l) => new RegExp(`^(ok|PROBLEM) +${name}:`).test(l)) ?? '';

test('healthy: store, sandbox, model, config and permissions are ok', async (t) => {
  const url = await modelsEndpoint(t, 'right-key');
  const home = tempDir('home', t);
  storeWithData(home, 1);
  const r = await runYoke(['doctor'], {
    cwd: '/',
    env: yokeEnv(url, home, { OPENAI_API_KEY: 'right-key' }),
  });
  for (const name of ['config', 'store', 'sandbox', 'model', 'permissions'])
    assert.match(line(r.stdout, name), /^ok /, `${name}:\n${r.stdout}`);
  assert.match(
    line(r.stdout, 'model'),
    /openai at http:\/\/127\.0\.0\.1:\d+\/v1 answers \(HTTP 200\)/,
  );
  assert.match(line(r.stdout, 'sandbox'), /bubblewrap [\d.]+ builds a sandbox here/);
});

test('a fresh home (no store, not even its folder yet) is no problem', async (t) => {
  const home = join(tempDir('parent', t), 'home');
  const r = await runYoke(['doctor'], { cwd: '/', env: yokeEnv('http://127.0.0.1:9/v1', home) });
  assert.match(line(r.stdout, 'store'), /^ok +store: no store yet at /, r.stdout);
});

test('broken: a refused key, a bad config, leftovers — each with its fix', async (t) => {
  const url = await modelsEndpoint(t, 'right-key');
  const home = tempDir('home', t);
  writeFileSync(join(home, 'config.toml'), 'command_timeout_ms = -5\n');
  writeFileSync(join(home, 'app-server-1.token'), 'a-token-of-a-server-that-is-gone\n', {
    mode: 0o600,
  });
  writeFileSync(join(home, 'yoke.db.damaged-2026-01-01T00-00-00-000Z'), 'x', { mode: 0o600 });
  const env = yokeEnv(url, home, { OPENAI_API_KEY: 'wrong-key' });
  const r = await runYoke(['doctor'], { cwd: '/', env });
  assert.equal(r.code, 1);
  assert.match(line(r.stdout, 'config'), /^PROBLEM config: .*command_timeout_ms/);
  assert.match(r.stdout, /fix: fix .*config\.toml/);
  // The model check needs a loadable configuration.
  assert.match(
    line(r.stdout, 'model'),
    /^PROBLEM model: not checked: the configuration does not load/,
  );
  assert.match(line(r.stdout, 'leftovers'), /1 token files of app-servers that are gone/);
  assert.match(line(r.stdout, 'leftovers'), /1 kept copies of earlier stores/);
  assert.match(r.stdout, /fix: .*rm .*app-server-1\.token/);

  writeFileSync(join(home, 'config.toml'), '');
  const refused = await runYoke(['doctor'], { cwd: '/', env });
  assert.match(line(refused.stdout, 'model'), /^PROBLEM model: .*the key was refused \(HTTP 401\)/);
  assert.match(refused.stdout, /fix: check OPENAI_API_KEY/);
  assert.match(line(refused.stdout, 'store'), /^ok +store: no store yet/);
});
