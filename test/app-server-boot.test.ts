// `yoke app-server` on stdio answers initialize from its start-up stage (dist/yoke-boot.cjs)
// before the rest of Yoke loads. These tests hold it to answering exactly what the method table
// would, and to handing the connection over whole: requests sent behind initialize, the client's
// capabilities, input that ended early, and everything the stage declines.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { methods } from '../src/protocol/methods.ts';
import { initializeResult, plainHandshake } from '../src/server/initialize.ts';
import { runYoke, tempDir, tempRepo, YOKE_BIN, yokeEnv } from './support/cli.ts';
import type { Json } from './support/codex-driver.ts';

const initialize = (params: unknown, id: number | string = 0) =>
  `${JSON.stringify({ method: 'initialize', id, params })}\n`;
const PLAIN = { clientInfo: { name: 'boot-test', version: '1' } };
/** The environment of a run that says which way its start went (YOKE_DEBUG_START). */
const envFor = (home: string) => yokeEnv('http://127.0.0.1:9/v1', home, { YOKE_DEBUG_START: '1' });
const ANSWERED = 'yoke: start-up stage: answered initialize\n';

test('the stage takes only what the method table takes, and keeps what it keeps', () => {
  const variants: unknown[] = [
    PLAIN,
    { clientInfo: { name: 'a', title: null, version: '1' } },
    { clientInfo: { name: 'a', title: 'A', version: '1', extra: true }, more: 1 },
    { clientInfo: { name: 'a', title: 7, version: '1' } },
    { clientInfo: { name: 'a' } },
    { clientInfo: { name: 1, version: '1' } },
    { clientInfo: 'a' },
    {},
    [],
    null,
    undefined,
    { ...PLAIN, capabilities: null },
    { ...PLAIN, capabilities: {} },
    { ...PLAIN, capabilities: { experimentalApi: true } },
    { ...PLAIN, capabilities: { experimentalApi: 'yes' } },
    { ...PLAIN, capabilities: { optOutNotificationMethods: ['thread/started'] } },
    { ...PLAIN, capabilities: { optOutNotificationMethods: null, other: 1 } },
    { ...PLAIN, capabilities: { optOutNotificationMethods: [1] } },
    { ...PLAIN, capabilities: { optOutNotificationMethods: 'thread/started' } },
    { ...PLAIN, capabilities: [] },
  ];
  let taken = 0;
  for (const params of variants) {
    const stage = plainHandshake(params);
    const table = methods.initialize.params.safeParse(params);
    const shown = JSON.stringify(params);
    if (!table.success) {
      assert.equal(stage, null, `the stage answers what the table refuses: ${shown}`);
      continue;
    }
    if (!stage) continue; // declined: the full server answers it
    taken++;
    const value = table.data as { clientInfo: unknown; capabilities?: unknown };
    assert.deepEqual(
      stage,
      { clientInfo: value.clientInfo, capabilities: value.capabilities ?? null },
      shown,
    );
  }
  assert.ok(taken >= 8, `the plain shapes are taken (${taken})`);
});

/** Spawns `yoke app-server`, writes `input` in the given pieces, reads `lines` answers. */
async function serve(
  env: NodeJS.ProcessEnv,
  cwd: string,
  pieces: string[],
  lines: number,
): Promise<{ out: Json[]; code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [YOKE_BIN, 'app-server'], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const out: Json[] = [];
  const rl = createInterface({ input: child.stdout });
  const read = new Promise<void>((resolve) => {
    rl.on('line', (line) => {
      out.push(JSON.parse(line) as Json);
      if (out.length === lines) resolve();
    });
    rl.on('close', () => resolve());
  });
  for (const piece of pieces) {
    child.stdin.write(piece);
    // Separate writes reach the server as separate reads when it is already reading.
    await new Promise((r) => setImmediate(r));
  }
  await read;
  child.stdin.end();
  const code = await new Promise<number | null>((r) => child.on('close', r));
  return { out, code, stderr };
}

test('initialize and the requests behind it, in one write: every answer, in order', async (t) => {
  const home = tempDir('home', t);
  const repo = tempRepo({}, t);
  const env = envFor(home);
  const input =
    initialize(PLAIN) +
    `${JSON.stringify({ method: 'initialized' })}\n` +
    `${JSON.stringify({ method: 'thread/list', id: 1, params: {} })}\n` +
    `${JSON.stringify({ method: 'thread/start', id: 'two', params: { cwd: repo } })}\n`;
  const { out, code, stderr } = await serve(env, repo, [input], 4);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, ANSWERED);
  assert.deepEqual(out[0], { id: 0, result: initializeResult(home) });
  assert.deepEqual(out[1], { id: 1, result: { data: [], nextCursor: null, readStates: {} } });
  const started = out.slice(2).find((m) => m.id === 'two') as { result: { thread: Json } };
  assert.ok(started?.result.thread, JSON.stringify(out));
  assert.ok(out.slice(2).some((m) => m.method === 'thread/started'));
});

test("the client's capabilities reach the full server: an opted-out notification stays out", async (t) => {
  const home = tempDir('home', t);
  const repo = tempRepo({}, t);
  const env = envFor(home);
  const input =
    initialize({ ...PLAIN, capabilities: { optOutNotificationMethods: ['thread/started'] } }) +
    `${JSON.stringify({ method: 'thread/start', id: 1, params: { cwd: repo } })}\n` +
    `${JSON.stringify({ method: 'thread/list', id: 2, params: {} })}\n`;
  const { out, code, stderr } = await serve(env, repo, [input], 3);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, ANSWERED);
  assert.deepEqual(
    out.map((m) => m.id ?? m.method),
    [0, 1, 2],
    'no thread/started between the answers',
  );
});

test('what the stage declines, the full server answers as it always did', async (t) => {
  const home = tempDir('home', t);
  const repo = tempRepo({}, t);
  const env = envFor(home);
  const list = `${JSON.stringify({ method: 'thread/list', id: 9, params: {} })}\n`;

  // A request before initialize.
  const early = await serve(env, repo, [list, initialize(PLAIN), list], 3);
  assert.equal(
    early.stderr,
    'yoke: start-up stage: declined: the first line is not an initialize request\n',
  );
  assert.match(String((early.out[0]!.error as Json).message), /not initialized/);
  assert.deepEqual(early.out[1], { id: 0, result: initializeResult(home) });
  assert.ok(early.out[2]!.result);

  // Params the table refuses: its own error.
  const bad = await serve(env, repo, [initialize({ clientInfo: { name: 'x' } }, 3)], 1);
  assert.match(bad.stderr, /declined: initialize params of another shape/);
  assert.equal(bad.out[0]!.id, 3);
  assert.equal((bad.out[0]!.error as Json).code, -32602);

  // initialize split across writes, and a line that is not JSON first.
  const line = initialize(PLAIN, 'split');
  const split = await serve(env, repo, [line.slice(0, 20), line.slice(20)], 1);
  assert.deepEqual(split.out[0], { id: 'split', result: initializeResult(home) });
  const junk = await serve(env, repo, ['{not json\n', line], 2);
  assert.match(junk.stderr, /declined: the first line is not an initialize request/);
  assert.equal((junk.out[0]!.error as Json).code, -32700);
  assert.deepEqual(junk.out[1], { id: 'split', result: initializeResult(home) });
});

test('input that ends at once: no answer, exit 0; with initialize, its answer, exit 0', async (t) => {
  const home = tempDir('home', t);
  const env = yokeEnv('http://127.0.0.1:9/v1', home);
  const none = await runYoke(['app-server'], { cwd: '/', env, stdin: '' });
  assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', '']);
  const one = await runYoke(['app-server'], {
    cwd: '/',
    env: envFor(home),
    stdin: initialize(PLAIN),
  });
  assert.deepEqual([one.code, one.stderr], [0, ANSWERED]);
  assert.deepEqual(JSON.parse(one.stdout) as Json, { id: 0, result: initializeResult(home) });
});

test('a broken config after the handshake: one line, exit status 2, nothing more served', async (t) => {
  const home = tempDir('home', t);
  writeFileSync(`${home}/config.toml`, 'model = [\n', { mode: 0o600 });
  const env = envFor(home);
  const r = await runYoke(['app-server'], {
    cwd: '/',
    env,
    stdin: initialize(PLAIN) + `${JSON.stringify({ method: 'thread/list', id: 1 })}\n`,
  });
  assert.equal(r.code, 2);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, r.stderr);
  assert.equal(`${lines[0]}\n`, ANSWERED);
  assert.match(lines[1]!, /^yoke: .*config\.toml is not valid TOML/);
  // The handshake was answered; nothing after it.
  assert.deepEqual(
    r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as Json).id),
    [0],
  );
  assert.equal(readFileSync(`${home}/config.toml`, 'utf8'), 'model = [\n', 'left as it was');
});
