// command/exec/write, command/exec/resize and command/exec/terminate over a spawned
// `yoke app-server` (stdio), in the configured sandbox (bubblewrap, workspace-write): stdin
// written in base64 reaches the command as it runs, closeStdin ends it; with tty the command
// runs on a terminal (yoke-pty) that resize sizes; terminate kills the command, whose answer is
// exit code 137. Every message validates against Codex's own schema.
// Process ids belong to the connection that started them, as in Codex.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { CodexDriver, startWsServer, type Json } from './support/codex-driver.ts';
import { codexSchemaDir } from './support/codex-package.ts';
import { loadCodexSchema } from './support/codex-schema.ts';
import { startMockModel } from './support/mock-model.ts';

async function setUp(t: TestContext) {
  const mock = await startMockModel([]);
  t.after(() => mock.close());
  const repo = tempRepo({ 'a.txt': 'a\n' }, t);
  const home = tempDir('home', t);
  const { driver } = CodexDriver.stdio(yokeEnv(mock.url, home), repo);
  t.after(() => driver.close());
  await driver.initialize();
  return { driver, repo };
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** What a streamed command has printed so far. */
function deltas(driver: CodexDriver, processId: string): string {
  return driver.notifications
    .filter((n) => n.method === 'command/exec/outputDelta')
    .map((n) => n.params as Json)
    .filter((p) => p.processId === processId)
    .map((p) => Buffer.from(String(p.deltaBase64), 'base64').toString())
    .join('');
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => assert.fail('not refused'),
    (e: Error & { rpc: Json }) => {
      assert.equal(e.rpc.code, -32602);
      return e.message;
    },
  );
}

test(
  'command/exec/write feeds a running command’s stdin; closeStdin ends it',
  { timeout: 600_000 },
  async (t) => {
    const { driver, repo } = await setUp(t);
    // Streamed both ways: cat echoes each line as it gets it.
    const cat = driver.request('command/exec', {
      command: ['cat'],
      cwd: repo,
      processId: 'cat-1',
      streamStdin: true,
      streamStdoutStderr: true,
    });
    assert.deepEqual(
      await driver.request('command/exec/write', {
        processId: 'cat-1',
        deltaBase64: b64('hello\n'),
      }),
      {},
    );
    await driver.waitFor(
      'command/exec/outputDelta',
      (p) =>
        p.processId === 'cat-1' && Buffer.from(String(p.deltaBase64), 'base64').includes('hello'),
    );
    await driver.request('command/exec/write', { processId: 'cat-1', deltaBase64: b64('bye\n') });
    await driver.request('command/exec/write', { processId: 'cat-1', closeStdin: true });
    assert.deepEqual(await cat, { exitCode: 0, stdout: '', stderr: '' });
    await driver.waitFor(
      'command/exec/outputDelta',
      (p) =>
        p.processId === 'cat-1' && Buffer.from(String(p.deltaBase64), 'base64').includes('bye'),
    );

    // Buffered output, stdin written and closed in one call (bytes, not text: base64).
    const wc = driver.request('command/exec', {
      command: ['wc', '-c'],
      cwd: repo,
      processId: 'wc-1',
      streamStdin: true,
    });
    await driver.request('command/exec/write', {
      processId: 'wc-1',
      deltaBase64: Buffer.from([0, 1, 2, 255, 10]).toString('base64'),
      closeStdin: true,
    });
    const counted = await wc;
    assert.equal(counted.exitCode, 0);
    assert.equal(String(counted.stdout).trim(), '5');
    assert.match(
      await refusal(driver.request('command/exec/write', { processId: 'wc-1', closeStdin: true })),
      /no running command wc-1/,
    );

    const schema = loadCodexSchema(process.env.CODEX_SCHEMA_DIR || (await codexSchemaDir()));
    const { failures, checked } = schema.check('exec-stdin', driver.transcript);
    assert.deepEqual(failures, []);
    assert.ok(checked > 10);
  },
);

test(
  'tty: a terminal of the asked size in the sandbox; resize reaches it; input is typed',
  { timeout: 600_000 },
  async (t) => {
    const { driver, repo } = await setUp(t);
    const shell = driver.request('command/exec', {
      command: ['sh', '-c', 'tty; stty size; read line; stty size; echo "got $line"'],
      cwd: repo,
      processId: 'tty-1',
      tty: true,
      size: { rows: 30, cols: 100 },
      streamStdin: true,
      streamStdoutStderr: true,
    });
    // The first size is printed before the command waits for its line.
    await driver.waitFor('command/exec/outputDelta', () => /30 100/.test(deltas(driver, 'tty-1')));
    assert.deepEqual(
      await driver.request('command/exec/resize', {
        processId: 'tty-1',
        size: { rows: 50, cols: 120 },
      }),
      {},
    );
    // The resize is applied before this input is read: both travel in order on one pipe.
    await driver.request('command/exec/write', { processId: 'tty-1', deltaBase64: b64('hi\n') });
    assert.deepEqual(await shell, { exitCode: 0, stdout: '', stderr: '' });
    const out = deltas(driver, 'tty-1');
    assert.match(out, /^\/dev\/pts\/\d+\r$/m, 'a terminal of its own');
    assert.match(out, /30 100\r\n[\s\S]*50 120\r\n[\s\S]*got hi\r\n/);

    // Buffered: the output is the answer's stdout; stdin and stdout are the terminal.
    const onTerminal = await driver.request('command/exec', {
      command: ['sh', '-c', 'test -t 0 && test -t 1 && echo on-a-terminal'],
      cwd: repo,
      tty: true,
    });
    assert.equal(onTerminal.exitCode, 0);
    assert.match(String(onTerminal.stdout), /on-a-terminal\r\n/);

    // The sandbox is the same on a terminal: outside the workspace is read-only.
    const outside = await driver.request('command/exec', {
      command: ['sh', '-c', 'touch /etc/yoke-tty-probe'],
      cwd: repo,
      tty: true,
    });
    assert.notEqual(outside.exitCode, 0);
    assert.match(String(outside.stdout), /Read-only file system/);

    // closeStdin types the terminal's EOF: cat ends.
    const cat = driver.request('command/exec', {
      command: ['cat'],
      cwd: repo,
      processId: 'tty-cat',
      tty: true,
      streamStdin: true,
    });
    await driver.request('command/exec/write', {
      processId: 'tty-cat',
      deltaBase64: b64('typed\n'),
      closeStdin: true,
    });
    const typed = await cat;
    assert.equal(typed.exitCode, 0);
    assert.match(String(typed.stdout), /typed\r\n/);

    const schema = loadCodexSchema(process.env.CODEX_SCHEMA_DIR || (await codexSchemaDir()));
    assert.deepEqual(schema.check('exec-tty', driver.transcript).failures, []);
  },
);

test(
  'size needs tty, resize needs a terminal, write needs streamStdin; terminate kills',
  { timeout: 600_000 },
  async (t) => {
    const { driver, repo } = await setUp(t);
    assert.match(
      await refusal(
        driver.request('command/exec', {
          command: ['true'],
          cwd: repo,
          size: { rows: 10, cols: 10 },
        }),
      ),
      /size is for a terminal \(tty\)/,
    );
    assert.match(
      await refusal(
        driver.request('command/exec', {
          command: ['true'],
          cwd: repo,
          tty: true,
          size: { rows: 0, cols: 80 },
        }),
      ),
      /rows and cols must be whole numbers from 1 to 10000/,
    );
    const sleeper = driver.request('command/exec', {
      command: ['sleep', '60'],
      cwd: repo,
      processId: 'sleep-1',
      streamStdoutStderr: true,
    });
    // The command is registered once command/exec is read; a write right after waits for it.
    assert.match(
      await refusal(
        driver.request('command/exec/write', { processId: 'sleep-1', deltaBase64: b64('x') }),
      ),
      /started without streamStdin/,
    );
    assert.match(
      await refusal(
        driver.request('command/exec/resize', {
          processId: 'sleep-1',
          size: { rows: 40, cols: 120 },
        }),
      ),
      /started without tty; it has no terminal to resize/,
    );
    assert.match(
      await refusal(
        driver.request('command/exec/resize', { processId: 'nope', size: { rows: 1, cols: 1 } }),
      ),
      /no running command nope/,
    );
    assert.deepEqual(await driver.request('command/exec/terminate', { processId: 'sleep-1' }), {});
    assert.deepEqual(await sleeper, { exitCode: 137, stdout: '', stderr: '' });

    // A command on a terminal is terminated the same way.
    const tty = driver.request('command/exec', {
      command: ['sleep', '60'],
      cwd: repo,
      processId: 'tty-sleep',
      tty: true,
    });
    await driver.request('command/exec/resize', {
      processId: 'tty-sleep',
      size: { rows: 40, cols: 100 },
    });
    await driver.request('command/exec/terminate', { processId: 'tty-sleep' });
    assert.equal((await tty).exitCode, 137);

    // A command fed by stdin is terminated the same way, its stdin closed with it.
    const cat = driver.request('command/exec', {
      command: ['cat'],
      cwd: repo,
      processId: 'cat-2',
      streamStdin: true,
    });
    await driver.request('command/exec/write', { processId: 'cat-2', deltaBase64: b64('x\n') });
    await driver.request('command/exec/terminate', { processId: 'cat-2' });
    assert.equal((await cat).exitCode, 137);

    const schema = loadCodexSchema(process.env.CODEX_SCHEMA_DIR || (await codexSchemaDir()));
    assert.deepEqual(schema.check('exec-resize', driver.transcript).failures, []);
  },
);

test(
  'process ids belong to their connection: another client cannot write to or stop them',
  { timeout: 600_000 },
  async (t) => {
    const mock = await startMockModel([]);
    t.after(() => mock.close());
    const repo = tempRepo({ 'a.txt': 'a\n' }, t);
    const server = await startWsServer(yokeEnv(mock.url, tempDir('home', t)), repo);
    t.after(() => server.stop());
    const [a, b] = [await server.connect(), await server.connect()];
    t.after(() => a.close());
    t.after(() => b.close());
    await a.initialize();
    await b.initialize();
    const cat = a.request('command/exec', {
      command: ['cat'],
      cwd: repo,
      processId: 'shared-name',
      streamStdin: true,
    });
    // Once a's command runs (its first write is answered), b cannot reach it.
    await a.request('command/exec/write', {
      processId: 'shared-name',
      deltaBase64: b64('from a\n'),
    });
    for (const [method, params] of [
      ['command/exec/write', { processId: 'shared-name', deltaBase64: b64('x') }],
      ['command/exec/terminate', { processId: 'shared-name' }],
    ] as const)
      assert.match(await refusal(b.request(method, params)), /no running command shared-name/);
    // The same id on the other connection is its own command.
    const own = b.request('command/exec', {
      command: ['cat'],
      cwd: repo,
      processId: 'shared-name',
      streamStdin: true,
    });
    await b.request('command/exec/write', {
      processId: 'shared-name',
      deltaBase64: b64('from b\n'),
      closeStdin: true,
    });
    assert.equal((await own).stdout, 'from b\n');
    await a.request('command/exec/write', { processId: 'shared-name', closeStdin: true });
    assert.equal((await cat).stdout, 'from a\n');
  },
);
