// The real Codex terminal UI (@openai/codex 0.169.0, installed by the test into a cache outside
// the repository) in tmux, connected with `codex --remote` to `yoke app-server --listen`, with
// the mock model: start-up, a prompt, two commands with their output, an approval answered with
// the TUI's own key, the answer, /status, /new, /resume, /review (from its own menu), /quit. A
// recording proxy sits between them, and every message of the session validates against Codex's
// own JSON Schema.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startWsServer } from './support/codex-driver.ts';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { cacheTempDir, codexBinary, codexSchemaDir } from './support/codex-package.ts';
import { loadCodexSchema } from './support/codex-schema.ts';
import { startMockModel, text, toolCall, type RecordedRequest } from './support/mock-model.ts';
import { startPane } from './support/tmux-pane.ts';
import { startWsRecorder } from './support/ws-recorder.ts';

const ARTIFACTS = join('test-artifacts', 'codex-tui');

function saveArtifact(name: string, content: string): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, name), content);
}

/** The review the mock gives for /review: Codex's JSON findings, about made.txt of `repo`. */
const review = (repo: string) =>
  JSON.stringify({
    findings: [
      {
        title: '[P3] Give made.txt some content',
        body: 'made.txt is empty.',
        confidence_score: 0.5,
        priority: 3,
        code_location: {
          absolute_file_path: join(repo, 'made.txt'),
          line_range: { start: 1, end: 1 },
        },
      },
    ],
    overall_correctness: 'patch is correct',
    overall_explanation: 'No blocking issues.',
    overall_confidence_score: 0.6,
  });

/** The Codex TUI names each thread by a turn of its own on an ephemeral thread. */
const TITLE_PROMPT = 'Generate a concise, single-line task title';

/** Main-thread steps in order; title requests answered from the prompt they name. */
function codexScript(steps: ReturnType<typeof text>[]) {
  let next = 0;
  return (request: RecordedRequest) => {
    if (request.body.includes(TITLE_PROMPT)) {
      const title = request.body.includes('hello again') ? 'Say hello again' : 'Run two commands';
      return text(JSON.stringify({ title }));
    }
    return steps[next++] ?? text('the mock script ran out of steps');
  };
}

/** Codex's config: the mock as provider (a --remote TUI uses the server's), no first-run screens. */
function codexHomeFor(t: { after: (fn: () => void) => void }, mockUrl: string, repo: string) {
  const home = cacheTempDir('codex-home', t);
  const toml = [
    'model_provider = "mock"',
    'check_for_update_on_startup = false',
    '[model_providers.mock]',
    'name = "Mock"',
    `base_url = "${mockUrl}"`,
    'wire_api = "responses"',
    '[analytics]',
    'enabled = false',
    `[projects."${repo}"]`,
    'trust_level = "trusted"',
    '[tui]',
    'screen_reader_detection_done = true',
  ];
  writeFileSync(join(home, 'config.toml'), `${toml.join('\n')}\n`);
  return home;
}

test(
  'the real Codex TUI works a whole session against yoke app-server --listen',
  { timeout: 900_000 },
  async (t) => {
    const codex = await codexBinary();
    const schema = loadCodexSchema(await codexSchemaDir({ experimental: true }));

    const repo = tempRepo({ 'README.md': '# demo\n' }, t);
    const home = tempDir('home', t);
    writeFileSync(join(home, 'config.toml'), 'model = "yoke-mock-model"\n');
    const mock = await startMockModel(
      codexScript([
        toolCall('shell', { command: 'echo first-output' }),
        toolCall('shell', {
          command: 'touch made.txt && echo second-output',
          sandbox_permissions: 'require_escalated',
          justification: 'it writes made.txt',
        }),
        text('Final answer: made.txt is there.'),
        text('Hello from the second thread.'),
        text(review(repo)),
      ]),
    );
    t.after(() => mock.close());
    const server = await startWsServer(yokeEnv(mock.url, home), repo);
    t.after(() => server.stop());
    const recorder = await startWsRecorder(server.url);
    t.after(() => recorder.close());
    const codexHome = codexHomeFor(t, mock.url, repo);

    const tui = startPane(
      [codex, '--remote', recorder.url, '--remote-auth-token-env', 'YOKE_TOKEN'],
      {
        env: {
          PATH: process.env.PATH,
          HOME: codexHome,
          CODEX_HOME: codexHome,
          YOKE_TOKEN: server.token,
        },
        cwd: repo,
      },
    );
    t.after(() => tui.kill());
    t.after(() => {
      saveArtifact(
        'transcript.jsonl',
        recorder.transcript.map((r) => JSON.stringify(r)).join('\n'),
      );
    });

    // Start-up: the prompt, Yoke's model in the footer, no error.
    const first = await tui.waitFor('yoke-mock-model', 120_000);
    saveArtifact('start-screen.txt', first);
    assert.match(first, /OpenAI Codex \(v0\.169\.0\)/);
    assert.match(first, /^› /m, 'the composer is ready');
    assert.doesNotMatch(first, /error|failed|older/i);

    // A prompt: one command runs, one asks for approval (outside the sandbox) and the TUI's
    // own key, y, approves it; then the answer.
    tui.typeText('run the two commands');
    await tui.waitFor('› run the two commands');
    tui.press('Enter');
    const asked = await tui.waitFor('Would you like to run the following command?');
    saveArtifact('approval-screen.txt', asked);
    assert.match(asked, /Ran echo first-output\n\s+└ first-output/);
    assert.match(asked, /Reason: .*it writes made\.txt/);
    assert.match(asked, /^\s*\$ touch made\.txt && echo second-output$/m, 'the script, unquoted');
    assert.match(asked, /Yes, proceed \(y\)/);
    assert.equal(existsSync(join(repo, 'made.txt')), false, 'nothing runs before the answer');
    tui.press('y');
    const answered = await tui.waitFor('Final answer: made.txt is there.');
    saveArtifact('answer-screen.txt', answered);
    // Yoke sends the argv that ran, `bash -c '…'`; the TUI shows the script, unquoted.
    assert.match(answered, /You approved codex to run touch made\.txt && echo second-output/);
    assert.match(answered, /Ran touch made\.txt && echo second-output\n\s+└ second-output/);
    assert.equal(existsSync(join(repo, 'made.txt')), true);
    await tui.waitFor('Run two commands', 60_000); // the title, named by its own turn

    // /status: Yoke's model and the sandbox the thread runs in.
    tui.typeText('/status');
    await tui.waitFor('show current session configuration');
    tui.press('Enter');
    const status = await tui.waitFor(/Permissions:\s+\S/);
    saveArtifact('status-screen.txt', status);
    assert.match(status, /Model:\s+yoke-mock-model/);
    assert.match(status, /Permissions:\s+Workspace \(Ask for approval\)/);
    assert.match(status, /Directory:\s+\/\S+/);
    assert.match(status, /Thread name:\s+Run two commands/);

    // /new: a fresh thread, which answers on its own.
    tui.typeText('/new');
    await tui.waitFor('start a new chat');
    tui.press('Enter');
    await tui.waitFor((s) => !s.includes('Final answer'));
    tui.typeText('hello again');
    await tui.waitFor('› hello again');
    tui.press('Enter');
    const second = await tui.waitFor('Hello from the second thread.');
    assert.doesNotMatch(second, /Final answer/, 'the new thread starts empty');
    await tui.waitFor('Say hello again');

    // /resume: the picker lists both threads; the first comes back with its history.
    tui.typeText('/resume');
    await tui.waitFor('resume a saved chat');
    tui.press('Enter');
    const picker = await tui.waitFor(
      (s) =>
        s.includes('Resume a previous session') &&
        s.includes('Say hello again') &&
        s.includes('Run two commands'),
    );
    saveArtifact('resume-picker.txt', picker);
    tui.typeText('Run two');
    await tui.waitFor((s) => !s.includes('Say hello again'));
    tui.press('Enter');
    const resumed = await tui.waitFor('Final answer: made.txt is there.');
    saveArtifact('resumed-screen.txt', resumed);
    assert.match(resumed, /› run the two commands/);
    assert.match(resumed, /└ second-output/);

    // /review: the TUI's own menu, the working tree (made.txt is new); Yoke computes the diff.
    tui.typeText('/review');
    await tui.waitFor('review my current changes');
    tui.press('Enter');
    const menu = await tui.waitFor('Review uncommitted changes');
    saveArtifact('review-menu.txt', menu);
    tui.press('Down');
    await tui.waitFor(/› 2\. Review uncommitted changes/);
    tui.press('Enter');
    const reviewed = await tui.waitFor('<< Code review finished >>', 120_000);
    saveArtifact('review-screen.txt', reviewed);
    // As with Codex's own server: the banners of enteredReviewMode and exitedReviewMode, then
    // the review as the turn's agentMessage, the JSON findings rendered as Codex renders them.
    assert.match(
      reviewed,
      />> Code review started: current changes <<\n[\s\S]*<< Code review finished >>\n[\s\S]*No blocking issues\.[\s\S]*Verdict: patch is correct[\s\S]*Review comment:[\s\S]*\[P3\] Give made\.txt some content — \S*made\.txt:1-1[\s\S]*made\.txt is empty\./,
      'enteredReviewMode, exitedReviewMode, then the rendered review',
    );
    assert.doesNotMatch(reviewed, /overall_correctness/, 'the JSON itself is not shown');
    const reviewRequest = mock.requests.find((r) => r.body.includes('Do not modify any file'));
    assert.ok(reviewRequest, 'the review request reached the model');
    assert.match(reviewRequest.body, /diff --git a\/made\.txt b\/made\.txt\\nnew file mode/);

    tui.typeText('/quit');
    await tui.waitFor('exit Codex');
    tui.press('Enter');
    assert.equal(await tui.waitForExit(), 0);
    assert.deepEqual(mock.problems, []);

    // Everything Yoke sent validates against Codex's schema (with the experimental API, which
    // the TUI opts into).
    const { checked, failures } = schema.check('codex-tui', recorder.transcript, {
      serverOnly: true,
    });
    t.diagnostic(`validated ${checked} messages of the TUI session`);
    assert.deepEqual(failures, []);
    assert.ok(checked > 50);
  },
);
