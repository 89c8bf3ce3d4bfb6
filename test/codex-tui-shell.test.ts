// The real Codex TUI (@openai/codex 0.169.0) runs `!cmd` against `yoke app-server --listen`:
// it sends thread/shellCommand, shows the command and its output, and the model's next turn
// is told what the user ran. Every message Yoke sends validates against Codex's own schema.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startWsServer, type Json } from './support/codex-driver.ts';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { cacheTempDir, codexBinary, codexSchemaDir } from './support/codex-package.ts';
import { loadCodexSchema } from './support/codex-schema.ts';
import { startMockModel, text, type RecordedRequest } from './support/mock-model.ts';
import { startPane } from './support/tmux-pane.ts';
import { startWsRecorder } from './support/ws-recorder.ts';

const ARTIFACTS = join('test-artifacts', 'codex-tui-shell');

function saveArtifact(name: string, content: string): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, name), content);
}

test(
  'the real Codex TUI runs !cmd through thread/shellCommand',
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

    tui.typeText('/quit');
    await tui.waitFor('exit Codex');
    tui.press('Enter');
    assert.equal(await tui.waitForExit(), 0);
    const errors = recorder.transcript.filter((r) => r.dir === 's2c' && r.message.error);
    assert.deepEqual(errors, [], 'no request failed');
    const { failures } = schema.check('codex-tui-shell', recorder.transcript, { serverOnly: true });
    assert.deepEqual(failures, []);
  },
);
