// thread/search over an App Server connection: a term found in a user message, in an answer,
// or in a thread's name, any case, with a snippet around it; archived threads apart; pages;
// an empty term and a foreign cursor refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { startAppServerHost } from '../src/surfaces/app-server-host.ts';
import { tempDir, tempRepo } from './support/cli.ts';
import { startMockModel, text } from './support/mock-model.ts';

const input = (words: string) => [{ type: 'text' as const, text: words, text_elements: [] }];

test('thread/search finds threads by their messages and names', { timeout: 60_000 }, async (t) => {
  const mock = await startMockModel([
    text('The parser lives in src/lexer.ts and handles UNICODE escapes.'),
    text('Done: the flaky test now waits for the port.'),
    text('Nothing to see.'),
  ]);
  t.after(() => mock.close());
  const repo = tempRepo({ 'a.txt': 'a\n' }, t);
  const home = tempDir('home', t);
  const env = { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' };
  const host = startAppServerHost({ config: loadConfig({ env, cwd: repo }) });
  t.after(() => host.close());
  const client = await host.connect({ name: 'search_test', version: '0' }, { validate: true });

  const threads: string[] = [];
  for (const prompt of ['where is the parser?', 'fix the flaky test', 'say nothing']) {
    const { thread } = await client.request('thread/start', { cwd: repo });
    const done = new Promise<void>((resolve) => {
      const off = client.onNotification('turn/completed', () => {
        off();
        resolve();
      });
    });
    await client.request('turn/start', { threadId: thread.id, input: input(prompt) });
    await done;
    threads.push(thread.id);
  }
  const [parser, flaky, quiet] = threads as [string, string, string];
  await client.request('thread/name/set', { threadId: quiet, name: 'Release checklist' });

  const search = (searchTerm: string, more: Record<string, unknown> = {}) =>
    client.request('thread/search', { searchTerm, ...more });

  const inAnswer = await search('unicode');
  assert.deepEqual(
    inAnswer.data.map((r) => r.thread.id),
    [parser],
  );
  assert.match(inAnswer.data[0]!.snippet, /UNICODE escapes/);
  assert.equal(inAnswer.nextCursor, null);

  assert.deepEqual(
    (await search('FLAKY')).data.map((r) => r.thread.id),
    [flaky],
    'a user message, any case',
  );
  const byName = await search('checklist');
  assert.deepEqual(
    byName.data.map((r) => r.thread.id),
    [quiet],
  );
  assert.equal(byName.data[0]!.snippet, 'Release checklist');
  assert.deepEqual((await search('no such words')).data, []);

  // Newest first by default; ascending on request; pages of `limit`.
  const all = await search('the');
  assert.deepEqual(
    all.data.map((r) => r.thread.id),
    [flaky, parser],
  );
  const first = await search('the', { sortDirection: 'asc', limit: 1 });
  assert.deepEqual(
    first.data.map((r) => r.thread.id),
    [parser],
  );
  assert.ok(first.nextCursor);
  const second = await search('the', { sortDirection: 'asc', limit: 1, cursor: first.nextCursor });
  assert.deepEqual(
    second.data.map((r) => r.thread.id),
    [flaky],
  );
  assert.equal(second.nextCursor, null);

  await client.request('thread/archive', { threadId: parser });
  assert.deepEqual((await search('unicode')).data, []);
  assert.deepEqual(
    (await search('unicode', { archived: true })).data.map((r) => r.thread.id),
    [parser],
  );

  await assert.rejects(search('  '), /searchTerm is empty/);
  await assert.rejects(search('x', { cursor: 'abc' }), /not a cursor/);
});
