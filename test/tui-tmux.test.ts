// The real `yoke` terminal UI in a real terminal: tmux runs the built binary in an 80x24 pane
// against the mock model; the test types with send-keys and reads the screen with
// capture-pane (polled, bounded: a terminal has no "text appeared" event).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startWsServer } from './support/codex-driver.ts';
import { runYoke, tempDir, tempRepo, YOKE_BIN, yokeEnv } from './support/cli.ts';
import { damage, storeWithData } from './support/damaged-store.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// CI installs tmux (.ci/run): without it these tests fail, they are never skipped.
const skip = false;

test('tmux is installed (apt-get install tmux)', () => {
  assert.ok(hasTmux, 'tmux is not installed: apt-get install tmux');
});
const ARTIFACTS = join('test-artifacts', 'tui');

let sockets = 0;

/** A private tmux server (its own socket) with one 80x24 pane running `argv`. */
function startTmux(t: TestContext, argv: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const socket = `yoke-test-${process.pid}-${sockets++}`;
  const dir = tempDir('tmux', t);
  const conf = join(dir, 'tmux.conf');
  // No status bar: the pane gets all 24 rows.
  writeFileSync(conf, 'set -g status off\n');
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket, '-f', conf, ...args], { encoding: 'utf8' });
  // `env -i`: the pane sees exactly this environment (no CI variables from the test runner,
  // which would switch Ink to its CI mode).
  const vars = Object.entries({ ...env, TERM: 'xterm-256color', LANG: 'C.UTF-8' })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  // After yoke exits, the pane prints its status and stays open (cat waits on the keyboard),
  // so what yoke printed last can still be read.
  const yoke = ['env', '-i', ...vars, process.execPath, YOKE_BIN, ...argv].map(shellQuote);
  const command = `${yoke.join(' ')}; echo "yoke exited with $?"; exec cat`;
  tmux('new-session', '-d', '-s', 'tui', '-x', '80', '-y', '24', '-c', cwd, command);
  t.after(() => {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
  });
  const screen = () => tmux('capture-pane', '-p', '-t', 'tui');
  const waitFor = async (what: string | RegExp, timeoutMs = 20_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shown = screen();
      if (typeof what === 'string' ? shown.includes(what) : what.test(shown)) return shown;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${String(what)} on screen:\n${shown}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const waitForExit = async (): Promise<number> =>
    Number(/yoke exited with (\d+)/.exec(await waitFor(/yoke exited with \d+/))![1]);
  return {
    screen,
    /** The screen with its colours (SGR escape sequences) kept. */
    colours: () => tmux('capture-pane', '-p', '-e', '-t', 'tui'),
    waitFor,
    waitForExit,
    typeText: (value: string) => tmux('send-keys', '-t', 'tui', '-l', value),
    /**
     * Types `value` and presses Enter once the prompt shows it: text and Enter that reach the
     * UI in one read are taken as a paste, and the Enter would not submit.
     */
    submit: async (value: string, shown: string | RegExp = value) => {
      tmux('send-keys', '-t', 'tui', '-l', value);
      await waitFor(shown);
      tmux('send-keys', '-t', 'tui', 'Enter');
    },
    press: (...keys: string[]) => tmux('send-keys', '-t', 'tui', ...keys),
  };
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function saveArtifact(name: string, screen: string): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, name), screen);
}

test(
  'yoke in a terminal: prompt, approve with a key, answer; then resume --last',
  { skip },
  async (t) => {
    const repo = tempRepo({ 'README.md': '# demo\n' }, t);
    const home = tempDir('home', t);
    const mock = await startMockModel([
      toolCall('shell', { command: 'touch approved.txt && echo approved-and-ran' }),
      text('Final answer: the file is there.'),
    ]);
    t.after(() => mock.close());
    const env = yokeEnv(mock.url, home);

    const tui = startTmux(t, ['-c', 'approval_policy="untrusted"'], env, repo);
    await tui.waitFor('/help for commands');
    await tui.submit('make the file', '> make the file');
    const asked = await tui.waitFor('Run this command?');
    assert.match(asked, /\$ touch approved\.txt && echo approved-and-ran/);
    assert.match(asked, /\[y\] yes/);
    assert.equal(existsSync(join(repo, 'approved.txt')), false);
    tui.press('y');
    const final = await tui.waitFor('Final answer: the file is there.');
    saveArtifact('final-screen.txt', final);
    assert.equal(existsSync(join(repo, 'approved.txt')), true);

    const rows = final.replace(/\n$/, '').split('\n');
    assert.ok(rows.length <= 24, 'fits the pane');
    for (const row of rows) assert.ok(row.length <= 80, `fits 80 columns: ${row}`);
    assert.match(final, /> make the file/);
    assert.match(final, /approved-and-ran\n {2}exit 0/);
    // Status line at the bottom: model, sandbox, approvals, context, cached.
    const status = rows.filter((r) => r.trim()).at(-1)!;
    assert.match(
      status,
      /^gpt-5\.5 \| .*workspace-write \| .*untrusted \| context \S+ .*\| cached \S+/,
    );

    await tui.waitFor('\u2500\u2500 /help for commands');
    tui.press('C-c');
    await tui.waitFor('press Ctrl-C again to quit');
    tui.press('C-c');
    assert.equal(await tui.waitForExit(), 0);
    // Back on the normal screen, yoke says how to come back.
    const after = await tui.waitFor(/To continue this thread: yoke resume \S+/);
    const threadId = /yoke resume (\S+)/.exec(after)![1]!;

    const resumed = startTmux(t, ['resume', '--last'], env, repo);
    const shown = await resumed.waitFor('Final answer: the file is there.');
    saveArtifact('resumed-screen.txt', shown);
    assert.match(shown, /> make the file/);
    assert.match(shown, new RegExp(`resumed thread ${threadId}`));
    resumed.press('C-c');
    await resumed.waitFor('press Ctrl-C again to quit');
    resumed.press('C-c');
    assert.equal(await resumed.waitForExit(), 0);
  },
);

test(
  'at 80x24: the start banner, then the slash popup narrows, Tab completes',
  { skip },
  async (t) => {
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    const mock = await startMockModel([text('unused')]);
    t.after(() => mock.close());
    const tui = startTmux(t, [], yokeEnv(mock.url, home), repo);
    const banner = await tui.waitFor('key        OPENAI_API_KEY is set');
    saveArtifact('banner-screen.txt', banner);
    assert.match(banner, /^Yoke \S+ \| \/help for commands/m);
    assert.match(banner, /^ {2}model {6}gpt-5\.5 \(provider openai\)$/m);
    assert.ok(banner.includes(`  cwd        ${repo}`), banner);
    assert.match(banner, /^ {2}sandbox {4}(workspace-write|danger-full-access|read-only)$/m);
    assert.match(banner, /^ {2}approvals {2}\S+$/m);
    const fits = (screen: string) => {
      const rows = screen.replace(/\n$/, '').split('\n');
      assert.ok(rows.length <= 24, 'fits the pane');
      for (const row of rows) assert.ok(row.length <= 80, `fits 80 columns: ${row}`);
    };
    fits(banner);

    tui.typeText('/');
    const popup = await tui.waitFor('Tab completes, Enter runs');
    saveArtifact('slash-popup-screen.txt', popup);
    fits(popup);
    assert.match(popup, /^> \/model \[NAME\] +use model NAME/m);
    assert.match(popup, /^ {2}\/resume \[ID\] /m);
    tui.typeText('ap');
    await tui.waitFor(/^> \/approvals \[MODE\]/m);
    assert.doesNotMatch(tui.screen(), /\/resume/);
    tui.press('Tab');
    await tui.waitFor(/^> \/approvals *$/m);
    await tui.submit('never', /^> \/approvals never/m);
    await tui.waitFor('- approvals never from the next turn');
    tui.press('C-c');
    await tui.waitFor('press Ctrl-C again to quit');
    tui.press('C-c');
    assert.equal(await tui.waitForExit(), 0);
  },
);

test('at 80x24: an answer in markdown is drawn styled, its code coloured', { skip }, async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const answer = [
    '## Done',
    '',
    'Changed **two** files; see `parse()`.',
    '',
    '- first',
    '- second',
    '',
    '```ts',
    'const answer = 42;',
    '```',
  ].join('\n');
  const mock = await startMockModel([text(answer)]);
  t.after(() => mock.close());
  const tui = startTmux(t, [], yokeEnv(mock.url, home), repo);
  await tui.waitFor('\u2500\u2500 /help for commands');
  tui.typeText('x');
  // Keys typed before the UI reads the keyboard would reach the terminal, not the prompt.
  await tui.waitFor(/^> x/m);
  await tui.submit('plain', /^> xplain/m);
  const shown = await tui.waitFor(/^ {2}const answer = 42;$/m);
  await tui.waitFor('\u2500\u2500 /help for commands');
  saveArtifact('markdown-screen.txt', tui.screen());
  assert.match(shown, /^Done$/m);
  assert.match(shown, /^Changed two files; see parse\(\)\.$/m);
  assert.match(shown, /^- first\n- second$/m);
  assert.doesNotMatch(shown, /\*\*|```|##/);
  const colours = tui.colours();
  // SGR codes: 1 bold, 35 magenta (a keyword), 36 cyan (inline code), 33 yellow (a number).
  const sgr = String.raw`\x1b\[[0-9;]*`;
  assert.match(colours, new RegExp(`${sgr}35m(${sgr}m)*const`), 'the keyword is coloured');
  assert.match(colours, new RegExp(`${sgr}33m(${sgr}m)*42`), 'the number is coloured');
  assert.match(colours, new RegExp(`${sgr}36m(${sgr}m)*parse\\(\\)`), 'inline code is coloured');
  assert.match(colours, new RegExp(`${sgr}1m(${sgr}m)*two`), 'bold is bold');
});

test('yoke --remote attaches the UI to a running App Server', { skip }, async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const mock = await startMockModel([text('Hello from the remote server.')]);
  t.after(() => mock.close());
  const server = await startWsServer(yokeEnv(mock.url, home), repo);
  t.after(() => server.stop());

  // No --auth-token-file: the UI finds the token the server wrote in the same YOKE_HOME.
  const env = { PATH: process.env.PATH, HOME: home, YOKE_HOME: home };
  const tui = startTmux(t, ['--remote', server.url], env, repo);
  const ready = await tui.waitFor('/help for commands');
  assert.match(ready, new RegExp(server.url.replace(/[.]/g, '\\.')), 'the status line names it');
  await tui.submit('hi', /^> hi/m);
  const answered = await tui.waitFor('Hello from the remote server.');
  saveArtifact('remote-screen.txt', answered);
  await tui.waitFor('\u2500\u2500 /help for commands');
  tui.press('C-c');
  await tui.waitFor('press Ctrl-C again to quit');
  tui.press('C-c');
  assert.equal(await tui.waitForExit(), 0);
});

test('a damaged store: the UI prints one line, draws nothing and exits 1', { skip }, async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  damage(storeWithData(home, 3), 'empty');
  const env = { PATH: process.env.PATH, HOME: home, ...yokeEnv('http://127.0.0.1:9/v1', home) };
  const tui = startTmux(t, [], env, repo);
  assert.equal(await tui.waitForExit(), 1);
  const screen = tui.screen();
  assert.match(screen, /^yoke: the Yoke store \S+yoke\.db is damaged: the file is empty/m);
  assert.doesNotMatch(screen, /\/help for commands/);
});

test('without a terminal, yoke says to use yoke exec and exits 2', async (t) => {
  const r = await runYoke([], { cwd: tempDir('cwd', t), env: { PATH: process.env.PATH } });
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    'yoke: the interactive UI needs a terminal; use `yoke exec` for scripts\n',
  );
  const resume = await runYoke(['resume', '--last'], { cwd: tempDir('cwd', t), env: {} });
  assert.equal(resume.code, 2);
});

test('with CI set (Ink would draw nothing), yoke says so and exits 2', { skip }, async (t) => {
  const repo = tempRepo({}, t);
  const home = tempDir('home', t);
  const tui = startTmux(
    t,
    [],
    { PATH: process.env.PATH, HOME: home, YOKE_HOME: home, CI: 'true' },
    repo,
  );
  assert.equal(await tui.waitForExit(), 2);
  assert.match(tui.screen(), /yoke: CI is set, and the terminal UI cannot draw while it is/);
});
