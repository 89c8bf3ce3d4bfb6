// The real Codex TUI (@openai/codex 0.169.0) against `yoke app-server --listen`: `!cmd` sends
// thread/shellCommand, shows the command and its output, and the model's next turn is told
// what the user ran; `/model` saves the chosen model and effort with config/batchWrite into
// Yoke's config.toml. Every message Yoke sends validates against Codex's own schema.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startWsServer, type Json } from './support/codex-driver.ts';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { cacheTempDir, codexBinary, codexSchemaDir } from './support/codex-package.ts';
import { loadCodexSchema } from './support/codex-schema.ts';
import { startMockModel, text, type RecordedRequest } from './support/mock-model.ts';
import { startPane } from './support/tmux-pane.ts';
import { startWsRecorder } from './support/ws-recorder.ts';

const ARTIFACTS = join('test-artifacts', 'codex-tui-commands');

function saveArtifact(name: string, content: string): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, name), content);
}

test(
  'the real Codex TUI: !cmd runs through thread/shellCommand, /model saves to config.toml',
  { timeout: 900_000 },
  async (t) => {
    const codex = await codexBinary();
    const schema = loadCodexSchema(await codexSchemaDir({ experimental: true }));
    const repo = tempRepo({ 'README.md': '# demo\n' }, t);
    const home = tempDir('home', t);
    writeFileSync(join(home, 'config.toml'), 'model = "yoke-mock-model"\n', { mode: 0o600 });
    const mock = await startMockModel((request: RecordedRequest) =>
      request.body.includes('Generate a concise, single-line task title')
        ? text(JSON.stringify({ title: 'Shell title' }))
        : text('I see you ran it.'),
    );
    t.after(() => mock.close());
    const server = await startWsServer(yokeEnv(mock.url, home), repo);
    t.after(() => server.stop());
    const recorder = await startWsRecorder(server.url);
    t.after(() => recorder.close());
    const codexHome = cacheTempDir('codex-home', t);
    writeFileSync(
      join(codexHome, 'config.toml'),
      [
        'model_provider = "mock"',
        'check_for_update_on_startup = false',
        '[model_providers.mock]',
        'name = "Mock"',
        `base_url = "${mock.url}"`,
        'wire_api = "responses"',
        '[analytics]',
        'enabled = false',
        `[projects."${repo}"]`,
        'trust_level = "trusted"',
        '[tui]',
        'screen_reader_detection_done = true',
        '',
      ].join('\n'),
    );
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
    t.after(() =>
      saveArtifact(
        'transcript.jsonl',
        recorder.transcript.map((r) => JSON.stringify(r)).join('\n'),
      ),
    );

    await tui.waitFor('yoke-mock-model', 120_000);
    tui.typeText('!echo tui-shell-$((2+3))');
    await tui.waitFor('echo tui-shell');
    tui.press('Enter');
    const ran = await tui.waitFor('tui-shell-5');
    saveArtifact('shell-screen.txt', ran);
    const sent = recorder.transcript.find(
      (r) => r.dir === 'c2s' && r.message.method === 'thread/shellCommand',
    );
    assert.ok(sent, 'the TUI sent thread/shellCommand');
    assert.equal((sent.message.params as Json).command, 'echo tui-shell-$((2+3))');

    tui.typeText('what did I just run?');
    await tui.waitFor('› what did I just run?');
    tui.press('Enter');
    await tui.waitFor('I see you ran it.');
    const asked = mock.requests.find((r) => r.body.includes('what did I just run?'));
    assert.ok(asked);
    assert.match(asked.body, /<user_shell_command>[^]*tui-shell-5/);

    // /model: the TUI saves the choice with config/batchWrite; Yoke's config.toml gets it.
    tui.typeText('/model');
    await tui.waitFor('choose what model');
    tui.press('Enter');
    await tui.waitFor('Select Model and Effort');
    tui.press('Enter');
    await tui.waitFor('Select Reasoning Level');
    tui.press('Down');
    await tui.waitFor(/› 4\. High/);
    tui.press('Enter');
    const changed = await tui.waitFor('Model changed to yoke-mock-model high');
    saveArtifact('model-screen.txt', changed);
    const saved = readFileSync(join(home, 'config.toml'), 'utf8');
    assert.match(saved, /^model = "yoke-mock-model"$/m);
    assert.match(saved, /^model_reasoning_effort = "high"$/m);
    assert.ok(
      recorder.transcript.some(
        (r) => r.dir === 's2c' && (r.message.result as Json | undefined)?.status === 'ok',
      ),
      'config/batchWrite answered ok',
    );

    // /new: the new thread runs with the chosen model and effort (the TUI sends them).
    tui.typeText('/new');
    await tui.waitFor('start a new chat');
    tui.press('Enter');
    await tui.waitFor((screen) => !screen.includes('tui-shell-5'));
    tui.typeText('hello in the new thread');
    await tui.waitFor('› hello in the new thread');
    tui.press('Enter');
    const fresh = await tui.waitFor('I see you ran it.');
    saveArtifact('new-thread-screen.txt', fresh);
    const request = mock.requests.find((r) => r.body.includes('hello in the new thread'))!;
    assert.equal((request.json as Json).model, 'yoke-mock-model');
    assert.equal(((request.json as Json).reasoning as Json | undefined)?.effort, 'high');

    tui.typeText('/quit');
    await tui.waitFor('exit Codex');
    tui.press('Enter');
    assert.equal(await tui.waitForExit(), 0);
    // What this session exercises never fails (the TUI also asks for methods Yoke lacks, and
    // reuses request ids: each answer goes with the last request of its id).
    const methodOf = new Map<unknown, string>();
    const failed: string[] = [];
    for (const { dir, message } of recorder.transcript) {
      if (dir === 'c2s' && message.method) methodOf.set(message.id, String(message.method));
      const method = methodOf.get(message.id) ?? '';
      if (dir === 's2c' && message.error && /^(thread|turn|config)\//.test(method))
        failed.push(`${method}: ${JSON.stringify(message.error)}`);
    }
    assert.deepEqual(failed, [], 'no thread, turn or config request failed');
    const { failures } = schema.check('codex-tui-commands', recorder.transcript, {
      serverOnly: true,
    });
    assert.deepEqual(failures, []);
  },
);
