// The context snapshot: the exact request bodies of a multi-turn thread, compared with a
// stored snapshot, and each one a byte-prefix-extension of the one before — across tool calls,
// turns, a steer, an interrupt, a config change and a resume from the store.
// Update the snapshot after an intended change with: UPDATE_SNAPSHOTS=1 npm test -- test/context-snapshot.test.ts
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/runtime/config.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import { tempDir, tempRepo } from './support/cli.ts';
import { hang, startMockModel, text, toolCall } from './support/mock-model.ts';

const SNAPSHOT = join(
  dirname(fileURLToPath(import.meta.url)),
  'snapshots',
  'context-requests.json',
);
const prefix = (raw: string) => raw.slice(0, raw.lastIndexOf(']'));

test('context snapshot: exact bodies, append-only across tools, turns, steer, interrupt, config change, resume', async (t) => {
  const mock = await startMockModel([
    toolCall('read_file', { path: 'notes.md' }),
    text('Read it.'),
    hang(), // steered
    text('Steered.'),
    hang(), // interrupted
    toolCall('shell', { command: 'echo changed-model' }),
    text('With the new model.'),
    text('After resume.'),
  ]);
  t.after(() => mock.close());
  const home = tempDir('home', t);
  const repo = tempRepo({ 'notes.md': '# Notes\nremember the milk\n' }, t);
  const env = { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' };
  const manager = new ThreadManager({ config: loadConfig({ env, cwd: repo }) });
  const session = manager.startThread({ cwd: repo, model: 'model-a' });
  const say = (s: string) => [{ type: 'text' as const, text: s }];

  assert.equal((await session.startTurn(say('read the notes')).done).status, 'completed');
  const steered = session.startTurn(say('second'));
  await mock.waitForRequests(3);
  session.steer(say('steer: be brief'), steered.turnId);
  assert.equal((await steered.done).status, 'completed');
  const interrupted = session.startTurn(say('third'));
  await mock.waitForRequests(5);
  session.interrupt();
  assert.equal((await interrupted.done).status, 'interrupted');
  assert.equal(
    (await session.startTurn(say('fourth'), { model: 'model-b' }).done).status,
    'completed',
  );
  const id = session.id;
  manager.close();

  const again = new ThreadManager({ config: loadConfig({ env, cwd: repo }) });
  t.after(() => again.close());
  assert.equal((await again.resumeThread(id).startTurn(say('fifth')).done).status, 'completed');

  const bodies = mock.requests.map((r) => r.body);
  assert.equal(bodies.length, 8);
  for (let i = 1; i < bodies.length; i++) {
    // The model change is part of the body's `model` field, before `input`: compare from input.
    const [a, b] = [bodies[i - 1]!, bodies[i]!].map((s) => s.slice(s.indexOf('"input":'))) as [
      string,
      string,
    ];
    assert.ok(
      b.startsWith(prefix(a)),
      `request ${i} is not a prefix-extension of request ${i - 1}`,
    );
  }
  // The first body whole; after it, what each request adds (the rest is its prefix).
  const parsed = bodies.map(
    (body) => normalize(body, id, repo) as { model: string; input: unknown[] },
  );
  const normalized = {
    first: parsed[0],
    then: parsed.slice(1).map((body, i) => ({
      model: body.model,
      appended: body.input.slice(parsed[i]!.input.length),
    })),
  };
  if (process.env.UPDATE_SNAPSHOTS || !existsSync(SNAPSHOT)) {
    mkdirSync(dirname(SNAPSHOT), { recursive: true });
    writeFileSync(SNAPSHOT, `${JSON.stringify(normalized, null, 2)}\n`);
  }
  assert.deepEqual(normalized, JSON.parse(readFileSync(SNAPSHOT, 'utf8')));

  // What the snapshot must show, spelled out.
  const last = JSON.parse(bodies[7]!) as {
    model: string;
    input: { role?: string; content?: { text?: string }[] }[];
  };
  const texts = last.input.map((i) => i.content?.map((c) => c.text).join('') ?? '');
  assert.equal(last.model, 'model-b');
  assert.ok(texts.some((x) => x.includes('<turn_aborted>')));
  assert.ok(
    texts.some((x) => x.includes('<settings_changed>') && x.includes('model: model-a → model-b')),
  );
  assert.ok(texts.some((x) => x.includes('steer: be brief')));
});

/** Stable across runs: ids, paths and dates replaced by placeholders. */
function normalize(body: string, threadId: string, repo: string): unknown {
  const text = body
    .replaceAll(threadId, '<THREAD>')
    .replaceAll(repo, '<REPO>')
    .replace(/\d{4}-\d{2}-\d{2}/g, '<DATE>')
    .replace(/Wall time: [\d.]+ seconds/g, 'Wall time: <T> seconds');
  return JSON.parse(text);
}
