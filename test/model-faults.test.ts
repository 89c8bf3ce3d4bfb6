// Model faults in one run: one thread on the real runtime and SQLite store, one turn per fault
// — a 429 storm with Retry-After (survived, then one too long), 500s, a stream cut mid-item,
// a stall that the (small, configured) idle timeout ends, an event that is not JSON, a 50 MB
// answer. Each is retried (shown as `error` notices with willRetry) or fails with exactly one
// clear error; no item is stored half; the thread goes on and its store stays sound.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import type { ServerNotification } from '../src/protocol/methods.ts';
import { tempDir, tempRepo } from './support/cli.ts';
import {
  cut,
  error,
  hang,
  huge,
  raw,
  startMockModel,
  text,
  type RecordedRequest,
  type ScriptEntry,
} from './support/mock-model.ts';
import { lastUserText } from './support/task-fixtures.ts';

const IDLE_MS = 1000;
const RETRIES = 3;
const storm = (n: number) =>
  Array.from({ length: n }, () =>
    error(
      429,
      { error: { message: 'Rate limit reached', type: 'rate_limit' } },
      {
        'retry-after': '0.05',
      },
    ),
  );
const HALF = 'This answer is cut off in the middle of';

/** Per prompt: the answers to its successive attempts; after them, a normal answer. */
const FAULTS: Record<string, ScriptEntry[]> = {
  'storm survived': [...storm(RETRIES), text('after the storm')],
  'storm too long': storm(RETRIES + 1),
  'server errors': [error(500), error(503), text('after the 500s')],
  'cut mid-item': [cut(text(`${HALF} a sentence.`, { chunks: 4 }))],
  stall: [hang(), text('after the stall')],
  'not json': [
    raw(
      'event: response.created\ndata: {"type":"response.created","response":{"id":"r","status":"in_progress","output":[]}}\n\n',
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta", oops\n\n',
    ),
  ],
  huge: [huge(50 * 1024 * 1024)],
  'all good': [text('all good')],
};
const COMPLETE_TEXTS = new Set([
  'after the storm',
  'after the 500s',
  'after the stall',
  'all good',
  'fine',
]);

test(
  'model faults in one run: retried, or one clear error; nothing stored half',
  { timeout: 180_000 },
  async (t) => {
    const attempts = new Map<string, number>();
    const mock = await startMockModel((request: RecordedRequest) => {
      const prompt = lastUserText(request);
      const n = attempts.get(prompt) ?? 0;
      attempts.set(prompt, n + 1);
      return FAULTS[prompt]?.[n] ?? text('fine');
    });
    t.after(() => mock.close());
    const home = tempDir('home', t);
    const repo = tempRepo({}, t);
    writeFileSync(
      join(home, 'config.toml'),
      [
        'model_provider = "mock"',
        '[model_providers.mock]',
        `base_url = "${mock.url}"`,
        'env_key = "MOCK_KEY"',
        `request_max_retries = ${RETRIES}`,
        'retry_base_ms = 1',
        `stream_idle_timeout_ms = ${IDLE_MS}`,
      ].join('\n'),
    );
    const manager = new ThreadManager({
      config: loadConfig({ env: { YOKE_HOME: home, MOCK_KEY: 'k' }, cwd: repo }),
    });
    t.after(() => manager.close());
    const session = manager.startThread({ cwd: repo, sandboxMode: 'danger-full-access' });
    const notes: ServerNotification[] = [];
    session.subscribe((e) => {
      if (e.type === 'notification') notes.push(e.notification);
    });

    const run = async (prompt: string) => {
      const from = notes.length;
      const result = await session.startTurn([{ type: 'text', text: prompt }]).done;
      const errors = notes
        .slice(from)
        .filter((n) => n.method === 'error')
        .map(
          (n) =>
            n.params as {
              error: { message: string; additionalDetails?: string | null };
              willRetry: boolean;
            },
        );
      return {
        ...result,
        // A reconnect says "Reconnecting... 1/5" with the reason as its details, as Codex.
        retries: errors
          .filter((e) => e.willRetry)
          .map((e) =>
            e.error.additionalDetails
              ? `${e.error.message} (${e.error.additionalDetails})`
              : e.error.message,
          ),
        failures: errors.filter((e) => !e.willRetry).map((e) => e.error.message),
      };
    };
    const retried = (r: Awaited<ReturnType<typeof run>>, answer: string) => {
      assert.equal(r.status, 'completed', r.error?.message);
      assert.deepEqual(r.failures, []);
      assert.equal(r.lastMessage, answer);
    };
    const failedOnce = (r: Awaited<ReturnType<typeof run>>, pattern: RegExp) => {
      assert.equal(r.status, 'failed');
      assert.equal(r.failures.length, 1, `one error: ${r.failures.join(' | ')}`);
      assert.equal(r.failures[0], r.error?.message);
      assert.match(r.failures[0]!, pattern);
      assert.doesNotMatch(r.failures[0]!, /\n/);
    };

    const survived = await run('storm survived');
    retried(survived, 'after the storm');
    assert.equal(survived.retries.length, RETRIES);
    assert.match(
      survived.retries[0]!,
      /429 Too Many Requests; retrying in 0\.1 s \(attempt 2 of 4\)/,
    );

    failedOnce(
      await run('storm too long'),
      /^mock: 429 Too Many Requests .* after 4 attempts: Rate limit reached/,
    );

    const servers = await run('server errors');
    retried(servers, 'after the 500s');
    assert.equal(servers.retries.length, 2);

    // Text had been streamed when the connection dropped: the turn fails (or, with retries of
    // streams after output, starts over); the half message is never stored either way.
    const cutRun = await run('cut mid-item');
    if (cutRun.status === 'failed') failedOnce(cutRun, /^stream disconnected before completion: /);
    else retried(cutRun, 'fine');

    const stall = await run('stall');
    retried(stall, 'after the stall');
    assert.equal(stall.retries.length, 1);
    assert.match(stall.retries[0]!, new RegExp(`no data for ${IDLE_MS} ms`));

    const notJson = await run('not json');
    if (notJson.status === 'failed') failedOnce(notJson, /not JSON/);
    else retried(notJson, 'fine');

    const big = await run('huge');
    failedOnce(big, /passed 32 MiB and was cut off — .*max_response_bytes/);
    assert.equal(attempts.get('huge'), 1, 'a response too large is not asked for again');

    retried(await run('all good'), 'all good');

    // What is stored: every item whole, each once; the store is sound; a reload sees the same.
    const reloaded = manager.readThread(session.id, true);
    const items = reloaded.turns.flatMap((turn) => turn.items);
    const ids = items.map((i) => i.id);
    assert.equal(new Set(ids).size, ids.length, 'each item once');
    for (const item of items) {
      if (item.type !== 'agentMessage') continue;
      assert.ok(
        COMPLETE_TEXTS.has(item.text),
        `a stored message is whole: "${item.text.slice(0, 60)}"`,
      );
    }
    assert.equal(reloaded.turns.length, 8);
    assert.deepEqual(
      reloaded.turns.map((turn) => turn.status),
      session.turns.map((turn) => turn.status),
    );
    assert.deepEqual(manager.store.db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    const history = JSON.stringify(session.historyItems);
    assert.doesNotMatch(history, new RegExp(HALF));
    assert.doesNotMatch(history, /aaaaaaaaaaaaaaaa/);
  },
);
