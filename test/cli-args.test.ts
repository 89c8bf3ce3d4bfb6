// Command lines: one option table per command, parsed strictly by node:util parseArgs; the
// same table renders --help. Unknown options are an error with exit status 2 for every
// command, and every exec option does what its help says.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { command, helpText, parseCommand, type OptionSpec } from '../src/surfaces/cli/args.ts';
import { EXEC } from '../src/surfaces/cli/exec-options.ts';
import { CLI_VERSION } from '../src/runtime/version.ts';
import { runYoke, tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';

const SPEC = command({
  name: 'demo',
  usage: ['yoke demo [OPTIONS] ARG'],
  options: {
    model: { type: 'string', short: 'm', value: 'MODEL', help: 'the model' },
    json: { type: 'boolean', aliases: ['experimental-json'], help: 'JSON' },
    mode: { type: 'string', value: 'M', choices: ['a', 'b'], help: 'a | b' },
    dir: { type: 'string', value: 'DIR', multiple: true, help: 'a directory' },
  },
});

const usage = (argv: string[]) => {
  let message = '';
  assert.throws(
    () => parseCommand(SPEC, argv),
    (err: Error & { code?: string }) => {
      message = err.message;
      return err.code === 'usage';
    },
  );
  return message;
};

describe('parseCommand', () => {
  it('parses values, switches, repeats, aliases and positionals in any order', () => {
    const parsed = parseCommand(SPEC, [
      'first',
      '-m',
      'gpt',
      '--experimental-json',
      '--dir=a',
      '--dir',
      'b',
      '--mode',
      'b',
      '--',
      '--not-an-option',
    ]);
    assert.deepEqual(parsed, {
      values: { model: 'gpt', json: true, dir: ['a', 'b'], mode: 'b' },
      positionals: ['first', '--not-an-option'],
      help: false,
    });
    assert.equal(parseCommand(SPEC, ['-h']).help, true);
    assert.equal(parseCommand(SPEC, ['-mgpt']).values.model, 'gpt');
  });

  it('refuses near-misses instead of guessing: --m, -model, --mod', () => {
    assert.match(usage(['--m', 'x']), /unknown option --m for yoke demo; did you mean --model\?/);
    assert.match(usage(['-model', 'x']), /unknown option -model; did you mean --model\?/);
    assert.match(usage(['--mod', 'x']), /unknown option --mod .*did you mean --model\?/);
    assert.match(usage(['-json']), /unknown option -json; did you mean --json\?/);
    assert.match(
      usage(['--bogus']),
      /^unknown option --bogus for yoke demo \(see `yoke demo --help`\)$/,
    );
  });

  it('missing values, values for switches and values outside choices', () => {
    assert.match(usage(['--model']), /--model needs a value \(MODEL\)/);
    assert.match(usage(['--model', '--json']), /--model needs a value/);
    assert.match(usage(['--json=yes']), /--json takes no value/);
    assert.equal(usage(['--mode', 'c']), '--mode must be one of a, b, not "c"');
  });

  it('--help comes from the same table', () => {
    const help = helpText(SPEC);
    assert.match(help, /^Usage: yoke demo \[OPTIONS\] ARG\n/);
    assert.match(help, /\n {2}-m, --model MODEL +the model\n/);
    assert.match(help, /\n {6}--dir DIR +a directory \(repeatable\)\n/);
    assert.match(help, /\n {2}-h, --help +show this help\n$/);
  });
});

describe('every command', () => {
  // Each command and subcommand, as typed after `yoke`.
  const commands = [
    [],
    ['resume'],
    ['exec'],
    ['exec', 'resume'],
    ['app-server'],
    ['app-server', 'generate-json-schema'],
    ['serve'],
    ['approve'],
    ...['submit', 'list', 'show', 'logs', 'cancel', 'retry', 'apply'].map((sub) => ['task', sub]),
  ];

  it('refuses an unknown option with exit status 2 and one line, and has --help', async (t) => {
    const home = tempDir('home', t);
    const env = { PATH: process.env.PATH, HOME: home, YOKE_HOME: home };
    const cwd = tempRepo({}, t);
    for (const words of commands) {
      const bad = await runYoke([...words, '--bogus-option'], { cwd, env });
      const shown = `yoke ${words.join(' ')}`;
      assert.equal(bad.code, 2, `${shown}: ${bad.stderr}`);
      assert.match(bad.stderr, /^yoke: unknown option --bogus-option for yoke.*\n$/, shown);
      if (words.length === 0) continue; // `yoke --help` is the overview; `yoke resume --help` the UI's
      const help = await runYoke([...words, '--help'], { cwd, env });
      assert.equal(help.code, 0, `${shown} --help: ${help.stderr}`);
      assert.match(help.stdout, /^Usage: yoke/, shown);
      assert.match(help.stdout, /\n {2}-h, --help +show this help\n/, shown);
    }
    assert.equal(existsSync(join(home, 'serve.json')), false, 'no daemon was started');
  });

  it('--version and -V print the version (from the small start-up bundle), nothing else', async (t) => {
    const home = tempDir('home', t);
    const env = { PATH: process.env.PATH, HOME: home, YOKE_HOME: home };
    for (const flag of ['--version', '-V']) {
      const r = await runYoke([flag], { cwd: '/', env });
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, `yoke ${CLI_VERSION}\n`, ''], flag);
    }
    assert.deepEqual(readdirSync(home), [], 'nothing was written');
  });

  it("README's exec table lists every exec option", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = readme.slice(
      readme.indexOf('## `yoke exec`'),
      readme.indexOf('### What the agent'),
    );
    for (const [name, option] of Object.entries<OptionSpec>(EXEC.options)) {
      assert.ok(table.includes(`--${name}`), `README's exec table names --${name}`);
      if (option.short)
        assert.ok(table.includes(`-${option.short}, --${name}`), `-${option.short}`);
    }
  });
});

describe('exec options that used to be ignored', () => {
  it('--add-dir makes another directory writable in the sandbox', async (t) => {
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    const extra = tempDir('extra', t);
    const mock = await startMockModel([
      toolCall('shell', { command: `touch ${extra}/from-sandbox` }),
      text('done'),
    ]);
    t.after(() => mock.close());
    const env = yokeEnv(mock.url, home);
    const r = await runYoke(['exec', '--add-dir', extra, 'write there'], { cwd: repo, env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(extra, 'from-sandbox')), r.stderr);
  });

  it('--full-auto runs sandboxed with workspace writes, whatever sandbox_mode says', async (t) => {
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    const mock = await startMockModel([
      toolCall('shell', { command: 'touch made-here' }),
      text('done'),
    ]);
    t.after(() => mock.close());
    const env = yokeEnv(mock.url, home);
    const args = ['exec', '-c', 'sandbox_mode="read-only"', '--full-auto', 'write'];
    const r = await runYoke(args, { cwd: repo, env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(repo, 'made-here')), r.stderr);
    const both = await runYoke(['exec', '--full-auto', '-s', 'read-only', 'x'], { cwd: repo, env });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--full-auto is --sandbox workspace-write/);
  });

  it('--color always colours stderr even when it is not a terminal; never does not', async (t) => {
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    const mock = await startMockModel([text('one'), text('two')]);
    t.after(() => mock.close());
    const env = yokeEnv(mock.url, home);
    const always = await runYoke(['exec', '--color', 'always', 'hi'], { cwd: repo, env });
    assert.equal(always.code, 0, always.stderr);
    assert.ok(always.stderr.includes('\x1b['), always.stderr);
    const never = await runYoke(['exec', '--color=never', 'hi'], { cwd: repo, env });
    assert.equal(never.code, 0, never.stderr);
    assert.ok(!never.stderr.includes('\x1b['), never.stderr);
  });
});
