// `yoke task` as people use it day to day, against a real `yoke serve`: `submit -m MODEL`;
// `apply` run again and again on a clean tree (no EPIPE crash), and a second apply that says
// the changes are in already; `logs -f` printing the agent's words while the model still streams
// them, every line with its time, the final message once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runYoke, startYoke, tempDir, yokeEnv } from './support/cli.ts';
import {
  paced,
  startMockModel,
  text,
  type MockModel,
  type RecordedRequest,
} from './support/mock-model.ts';
import {
  afterToolOutput,
  git,
  lastUserText,
  taskRepo,
  writeFilePatch,
} from './support/task-fixtures.ts';
import { startServe, type Serve } from './support/web.ts';

const STREAMED = 'first part, second part';

let mock: MockModel;
let serve: Serve;
let env: NodeJS.ProcessEnv;
let repo: string;
const cleanups: (() => void)[] = [];
/** Gates of the slow answer: released by the test as it sees `logs -f` print. */
let subscribed!: () => void;
let firstPartSeen!: () => void;
const gates = {
  subscribed: new Promise<void>((resolve) => (subscribed = resolve)),
  firstPart: new Promise<void>((resolve) => (firstPartSeen = resolve)),
};

before(async () => {
  mock = await startMockModel((request: RecordedRequest) => {
    if (afterToolOutput(request)) return text('done');
    const prompt = lastUserText(request);
    if (/greeting/.test(prompt)) return writeFilePatch('greeting.txt', 'hello from a task');
    if (/stream slowly/.test(prompt)) {
      // created, item added, part added, delta 1, delta 2, text done, part done, item done,
      // completed: hold before the first frame until `logs -f` follows the thread, and before
      // the second delta until it printed the first.
      return paced(text(STREAMED, { chunks: ['first part, ', 'second part'] }), (index) =>
        index === 0 ? gates.subscribed : index === 4 ? gates.firstPart : undefined,
      );
    }
    throw new Error(`unexpected prompt: ${prompt}`);
  });
  const home = tempDir('task-follow-home', { after: (fn) => cleanups.push(fn) });
  repo = taskRepo({ 'README.md': '# follow\n' }, null, { after: (fn) => cleanups.push(fn) });
  env = yokeEnv(mock.url, home);
  serve = await startServe(env, home);
});

after(async () => {
  await serve?.stop();
  await mock?.close();
  for (const fn of cleanups) fn();
});

const yoke = (...args: string[]) => runYoke(args, { cwd: repo, env });

test(
  'submit -m MODEL; apply six times on a clean tree; a second apply says it is done',
  {
    timeout: 120_000,
  },
  async () => {
    const before = mock.requests.length;
    const submitted = await yoke(
      'task',
      'submit',
      'write a greeting',
      '-m',
      'other-model',
      '--wait',
    );
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.split('\n')[0]!;
    assert.match(submitted.stdout, /model: {5}other-model/);
    const models = mock.requests.slice(before).map((r) => (r.json as { model?: string }).model);
    assert.ok(models.length > 0 && models.every((m) => m === 'other-model'), models.join(', '));

    for (let i = 0; i < 6; i++) {
      git(repo, 'reset', '-q', '--hard');
      const applied = await yoke('task', 'apply', id);
      assert.equal(applied.code, 0, `run ${i + 1}: ${applied.stderr}`);
      assert.doesNotMatch(applied.stderr, /EPIPE|internal error/);
      assert.match(applied.stdout, /^applied 1 file\(s\) from yoke\//);
      assert.equal(git(repo, 'diff', '--cached', '--name-only'), 'greeting.txt');
    }
    const again = await yoke('task', 'apply', id);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already applied in .*; nothing to do/);
    assert.equal(git(repo, 'diff', '--cached', '--name-only'), 'greeting.txt');
  },
);

test(
  "logs -f prints the agent's words as they stream, each line timed, the answer once",
  {
    timeout: 120_000,
  },
  async () => {
    const submitted = await yoke('task', 'submit', 'stream slowly');
    assert.equal(submitted.code, 0, submitted.stderr);
    const id = submitted.stdout.trim();
    const follower = startYoke(['task', 'logs', id, '-f'], { cwd: repo, env });
    let out = '';
    const exited = new Promise<number | null>((resolve) => follower.on('close', resolve));
    follower.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (/streaming thread \S+ live/.test(out)) subscribed();
      // The first delta is out while the model still holds the second.
      if (out.includes('first part, ')) firstPartSeen();
    });
    assert.equal(await exited, 0);
    assert.ok(!out.includes('internal error'), out);
    const lines = out.trimEnd().split('\n');
    for (const line of lines) assert.match(line, /^\[\d\d:\d\d:\d\d\] /, line);
    // The words once, streamed (the node's one-line summary aside).
    const said = lines.filter((l) => /^\[\d\d:\d\d:\d\d\] {3}/.test(l) && l.includes(STREAMED));
    assert.equal(said.length, 1, `the answer once:\n${out}`);
    assert.match(out, /status succeeded/);
  },
);
