// `yoke exec` as Codex tooling sees it: the originator and user-agent headers Codex sends (and
// CODEX_INTERNAL_ORIGINATOR_OVERRIDE), a streamed `error` event in both shapes read and
// reconnected like Codex ("Reconnecting... n/5"), and a stream that keeps closing before
// response.completed ending the turn with Codex's "stream disconnected before completion: …".
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { jsonLines, runYoke, tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { raw, startMockModel, text, type ScriptEntry } from './support/mock-model.ts';

const CREATED =
  'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_1","status":"in_progress","output":[]}}\n\n';
const errorFrame = (data: Record<string, unknown>) =>
  `event: error\ndata: ${JSON.stringify({ type: 'error', ...data })}\n\n`;
const RATE = 'Rate limit reached for gpt-test. Please try again in 0.01s.';
/** The error fields nested under `error`, as the Responses API streams them. */
const nested = raw(
  CREATED,
  errorFrame({ error: { code: 'rate_limit_exceeded', message: RATE, type: 'tokens' } }),
);
/** The flat shape some servers send. */
const flat = raw(CREATED, errorFrame({ code: 'rate_limit_exceeded', message: RATE }));
/** A stream that ends before response.completed. */
const closedEarly = raw(CREATED);

/** A provider entry with a fast backoff, so five reconnects take milliseconds. */
function mockProvider(home: string, url: string): NodeJS.ProcessEnv {
  writeFileSync(
    join(home, 'config.toml'),
    [
      'model_provider = "mock"',
      '[model_providers.mock]',
      `base_url = "${url}"`,
      'env_key = "MOCK_KEY"',
      'retry_base_ms = 1',
    ].join('\n'),
  );
  return yokeEnv('http://unused.invalid/v1', home, { MOCK_KEY: 'k' });
}

test(
  'requests carry the originator and user-agent Codex sends',
  { timeout: 120_000 },
  async (t) => {
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    const mock = await startMockModel([text('one'), text('two'), text('three')]);
    t.after(() => mock.close());
    const env = yokeEnv(mock.url, home, { TERM: 'xterm-256color' });

    const plain = await runYoke(['exec', 'hi'], { cwd: repo, env });
    assert.equal(plain.code, 0, plain.stderr);
    const first = mock.requests[0]!.headers;
    assert.equal(first.originator, 'codex_exec');
    // ORIGINATOR/VERSION (OS VERSION; ARCH) TERMINAL (CLIENT; VERSION), as codex exec sends it.
    assert.match(
      String(first['user-agent']),
      /^codex_exec\/\d+\.\d+\.\d+ \([^;()]+ [^;()]+; [^;()]+\) xterm-256color \(yoke_exec; \d+\.\d+\.\d+\)$/,
    );

    const sdk = await runYoke(['exec', 'hi'], {
      cwd: repo,
      env: {
        ...env,
        CODEX_INTERNAL_ORIGINATOR_OVERRIDE: 'codex_sdk_ts',
        TERM_PROGRAM: 'vscode',
        TERM_PROGRAM_VERSION: '1.99 beta',
      },
    });
    assert.equal(sdk.code, 0, sdk.stderr);
    const second = mock.requests[1]!.headers;
    assert.equal(second.originator, 'codex_sdk_ts');
    assert.match(String(second['user-agent']), /^codex_sdk_ts\/\S+ \(.*\) vscode\/1\.99_beta \(/);

    // A provider's own http_headers still win.
    writeFileSync(
      join(home, 'config.toml'),
      `model_provider = "mock"\n[model_providers.mock]\nbase_url = "${mock.url}"\nhttp_headers = { "originator" = "team_proxy" }\n`,
    );
    const custom = await runYoke(['exec', 'hi'], { cwd: repo, env });
    assert.equal(custom.code, 0, custom.stderr);
    assert.equal(mock.requests[2]!.headers.originator, 'team_proxy');
  },
);

test(
  'a streamed error is read in both shapes and reconnected as Codex does, each reconnect shown',
  { timeout: 120_000 },
  async (t) => {
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    const script: ScriptEntry[] = [nested, flat, text('after the rate limit'), nested, flat];
    const mock = await startMockModel(script);
    t.after(() => mock.close());
    const env = mockProvider(home, mock.url);

    const r = await runYoke(['exec', '--json', 'go'], { cwd: repo, env });
    assert.equal(r.code, 0, r.stderr);
    const events = jsonLines(r.stdout);
    const errors = events.filter((e) => e.type === 'error').map((e) => String(e.message));
    assert.deepEqual(errors, [
      `Reconnecting... 1/5 (rate_limit_exceeded: ${RATE})`,
      `Reconnecting... 2/5 (rate_limit_exceeded: ${RATE})`,
    ]);
    assert.equal(events.at(-1)!.type, 'turn.completed');
    assert.equal(mock.requests.length, 3);

    // The same in the human output, on stderr; the answer on stdout.
    const human = await runYoke(['exec', 'again'], {
      cwd: repo,
      env: mockProvider(home, (await startAnswering(t, [nested, flat, text('fine')])).url),
    });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stderr, /retry Reconnecting\.\.\. 1\/5 \(rate_limit_exceeded: Rate limit/);
    assert.match(human.stderr, /retry Reconnecting\.\.\. 2\/5 /);
    assert.equal(human.stdout, 'fine\n');
  },
);

test(
  "a stream that keeps closing before response.completed: 5 reconnects, then Codex's words in turn.failed",
  { timeout: 120_000 },
  async (t) => {
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    const mock = await startMockModel(Array.from({ length: 6 }, () => closedEarly));
    t.after(() => mock.close());
    const env = mockProvider(home, mock.url);

    const r = await runYoke(['exec', '--json', 'go'], { cwd: repo, env });
    assert.equal(r.code, 1);
    assert.equal(mock.requests.length, 6, 'the first attempt and 5 reconnects');
    assert.equal(mock.problems.length, 0);
    const events = jsonLines(r.stdout);
    const cause = 'stream disconnected before completion: stream closed before response.completed';
    const errors = events.filter((e) => e.type === 'error').map((e) => String(e.message));
    assert.deepEqual(
      errors.slice(0, 5),
      [1, 2, 3, 4, 5].map((n) => `Reconnecting... ${n}/5 (${cause})`),
    );
    const failed = events.at(-1)!;
    assert.equal(failed.type, 'turn.failed');
    const message = String((failed.error as { message: string }).message);
    assert.ok(message.startsWith(`${cause} (mock: http://127.0.0.1:`), message);
    assert.match(message, /after 6 attempts\)/);
    assert.equal(errors.length, 6, 'the reconnects, then the failure once');

    // stream_max_retries sets the number of reconnects, as in Codex.
    const once = await startAnswering(t, [closedEarly, closedEarly]);
    writeFileSync(
      join(home, 'config.toml'),
      `model_provider = "mock"\n[model_providers.mock]\nbase_url = "${once.url}"\nretry_base_ms = 1\nstream_max_retries = 1\n`,
    );
    const human = await runYoke(['exec', 'go'], { cwd: repo, env });
    assert.equal(human.code, 1);
    assert.equal(once.requests.length, 2);
    assert.match(
      human.stderr,
      /retry Reconnecting\.\.\. 1\/1 \(stream disconnected before completion/,
    );
    assert.match(
      human.stderr,
      /^error stream disconnected before completion: stream closed before response\.completed \(mock: /m,
    );
  },
);

async function startAnswering(
  t: { after: (fn: () => Promise<void>) => void },
  script: ScriptEntry[],
) {
  const mock = await startMockModel(script);
  t.after(() => mock.close());
  return mock;
}
