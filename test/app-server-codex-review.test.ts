// review/start over an App Server connection, on real git repositories: the diff of each target
// reaches the model, the review turn's items come in Codex's order (enteredReviewMode first,
// then exitedReviewMode with the review and an agentMessage with the same text), thread/read
// shows them, a detached review runs on a fork, and what git cannot show is a clear JSON-RPC
// error. The reviewer's JSON findings become Codex's review text — bare, fenced or amid prose;
// an answer that is not the JSON (or is broken JSON) is the review as it stands; and every
// message of a review over `yoke app-server` validates against Codex's own schema.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { YokeClient } from '../src/client/client.ts';
import type { ThreadItem } from '../src/protocol/items.ts';
import type { ServerNotification } from '../src/protocol/methods.ts';
import { loadConfig } from '../src/runtime/config.ts';
import { startAppServerHost } from '../src/surfaces/app-server-host.ts';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { CodexDriver, type Json } from './support/codex-driver.ts';
import { codexSchemaDir } from './support/codex-package.ts';
import { loadCodexSchema } from './support/codex-schema.ts';
import {
  hang,
  startMockModel,
  step,
  text,
  toolCall,
  type MockScript,
} from './support/mock-model.ts';

async function setUp(t: TestContext, script: MockScript, files: Record<string, string> = {}) {
  const mock = await startMockModel(script);
  t.after(() => mock.close());
  const repo = tempRepo({ 'a.txt': 'alpha\n', ...files }, t);
  const home = tempDir('home', t);
  const env = { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' };
  const config = loadConfig({ env, cwd: repo, overrides: ['command_timeout_ms=20000'] });
  const host = startAppServerHost({ config });
  t.after(() => host.close());
  const client = await host.connect(
    { name: 'codex_review_test', version: '0' },
    { validate: true },
  );
  return { client, repo, mock, home };
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

/** Every notification of `threadId` until its turn/completed. */
function recordTurn(client: YokeClient, threadId: string): Promise<ServerNotification[]> {
  return new Promise((resolve) => {
    const seen: ServerNotification[] = [];
    const off = client.onNotification('*', (n) => {
      const params = n.params as { threadId?: string; thread?: { id: string } };
      if ((params.threadId ?? params.thread?.id) !== threadId) return;
      seen.push(n);
      if (n.method === 'turn/completed') {
        off();
        resolve(seen);
      }
    });
  });
}

/** The user text of the model's last request (the review request). */
function lastUserText(json: unknown): string {
  const input = (json as { input: { role?: string; content?: { text?: string }[] }[] }).input;
  const user = input.filter((i) => i.role === 'user').at(-1);
  return (user?.content ?? []).map((c) => c.text ?? '').join('');
}

const completedItems = (seen: ServerNotification[]): ThreadItem[] =>
  seen.flatMap((n) => (n.method === 'item/completed' ? [n.params.item] : []));

test(
  'review/start uncommittedChanges: the working tree diff reaches the model; items in order; stored',
  { timeout: 60_000 },
  async (t) => {
    const review = '- **[P1] Greeting lost** — a.txt:1: alpha became beta.\n\nVerdict: incorrect.';
    const { client, repo, mock } = await setUp(t, [text(review)]);
    writeFileSync(join(repo, 'a.txt'), 'beta\n');
    writeFileSync(join(repo, 'new-file.txt'), 'untracked content\n');
    const { thread } = await client.request('thread/start', { cwd: repo });
    const turnDone = recordTurn(client, thread.id);
    const started = await client.request('review/start', {
      threadId: thread.id,
      target: { type: 'uncommittedChanges' },
    });
    assert.equal(started.reviewThreadId, thread.id, 'inline: the review runs on the thread');
    assert.equal(started.turn.status, 'inProgress');
    const seen = await turnDone;

    const prompt = lastUserText(mock.requests[0]!.json);
    assert.match(prompt, /-alpha\n\+beta/, 'the unstaged change is in the request');
    assert.match(prompt, /\+\+\+ b\/new-file\.txt\n@@ -0,0 \+1 @@\n\+untracked content/);
    assert.match(prompt, /Do not modify any file/, "Yoke's review instructions come with it");
    assert.match(prompt, /"overall_correctness": "patch is correct" \| "patch is incorrect"/);
    assert.match(prompt, /"absolute_file_path"/, 'the JSON shape of the answer is asked for');
    assert.ok(
      prompt.includes(
        `relative to the repository's root, ${git(repo, 'rev-parse', '--show-toplevel')}.`,
      ),
      'the model is told where the diff’s paths are',
    );

    const methods = seen.map((n) => n.method);
    assert.equal(methods[0], 'thread/status/changed');
    assert.equal(methods[1], 'turn/started');
    assert.ok(
      !methods.includes('item/agentMessage/delta'),
      'the reviewer’s answer is not streamed',
    );
    const items = completedItems(seen);
    assert.deepEqual(
      items.map((i) => i.type),
      ['enteredReviewMode', 'exitedReviewMode', 'agentMessage'],
    );
    assert.deepEqual(items[0], {
      type: 'enteredReviewMode',
      id: items[0]!.id,
      review: 'current changes',
    });
    // Not JSON: the answer is the review as it stands, and the turn's last message.
    assert.equal((items[1] as { review: string }).review, review);
    assert.equal((items[2] as { text: string }).text, review);
    const end = seen.at(-1)!;
    assert.equal(end.method, 'turn/completed');
    assert.equal(end.method === 'turn/completed' && end.params.turn.status, 'completed');
    assert.ok(
      methods.indexOf('item/started') < methods.indexOf('item/completed'),
      'each item starts before it completes',
    );

    const read = await client.request('thread/read', { threadId: thread.id, includeTurns: true });
    assert.equal(read.thread.turns.length, 1);
    assert.deepEqual(
      read.thread.turns[0]!.items.map((i) => i.type),
      ['enteredReviewMode', 'exitedReviewMode', 'agentMessage'],
    );
    assert.deepEqual(read.thread.turns[0]!.items, items, 'stored as they were told');
  },
);

test(
  'review/start commit and baseBranch: each diff is git’s, with Codex’s descriptions',
  { timeout: 60_000 },
  async (t) => {
    const { client, repo, mock } = await setUp(t, [text('commit ok'), text('branch ok')]);
    git(repo, 'checkout', '-q', '-b', 'feature');
    writeFileSync(join(repo, 'b.txt'), 'bravo\n');
    git(repo, 'add', 'b.txt');
    git(repo, 'commit', '-q', '-m', 'add bravo');
    const sha = git(repo, 'rev-parse', 'HEAD');
    writeFileSync(join(repo, 'a.txt'), 'alpha edited\n');
    const { thread } = await client.request('thread/start', { cwd: repo });

    let done = recordTurn(client, thread.id);
    await client.request('review/start', {
      threadId: thread.id,
      target: { type: 'commit', sha, title: 'add bravo' },
    });
    let items = completedItems(await done);
    assert.deepEqual(items[0], {
      type: 'enteredReviewMode',
      id: items[0]!.id,
      review: `commit ${sha.slice(0, 7)}: add bravo`,
    });
    let prompt = lastUserText(mock.requests[0]!.json);
    assert.match(prompt, new RegExp(`commit ${sha}`));
    assert.match(prompt, /\+\+\+ b\/b\.txt\n@@ -0,0 \+1 @@\n\+bravo/);
    assert.doesNotMatch(prompt, /alpha edited/, 'a commit review shows that commit only');

    done = recordTurn(client, thread.id);
    await client.request('review/start', {
      threadId: thread.id,
      target: { type: 'baseBranch', branch: 'main' },
    });
    items = completedItems(await done);
    assert.equal((items[0] as { review: string }).review, "changes against 'main'");
    assert.equal((items.at(-2) as { review: string }).review, 'branch ok');
    prompt = lastUserText(mock.requests[1]!.json);
    assert.match(prompt, new RegExp(`merge base ${git(repo, 'merge-base', 'HEAD', 'main')}`));
    assert.match(prompt, /\+bravo/, 'the branch’s commit');
    assert.match(prompt, /\+alpha edited/, 'and the working tree on top of it');
  },
);

test(
  'review/start detached: the review runs on a fork announced with thread/started',
  { timeout: 60_000 },
  async (t) => {
    const { client, repo } = await setUp(t, [text('first answer'), text('custom review')]);
    const { thread } = await client.request('thread/start', { cwd: repo });
    const first = recordTurn(client, thread.id);
    await client.request('turn/start', {
      threadId: thread.id,
      input: [{ type: 'text', text: 'hello', text_elements: [] }],
    });
    await first;
    // The review thread's id comes with the reply; its notifications follow it.
    const all: ServerNotification[] = [];
    let reviewThreadId = '';
    const reviewDone = new Promise<void>((resolve) => {
      client.onNotification('*', (n) => {
        all.push(n);
        const p = n.params as { threadId?: string };
        if (n.method === 'turn/completed' && p.threadId === reviewThreadId) resolve();
      });
    });
    const started = await client.request('review/start', {
      threadId: thread.id,
      target: { type: 'custom', instructions: '  Check the error handling.  ' },
      delivery: 'detached',
    });
    reviewThreadId = started.reviewThreadId;
    assert.notEqual(reviewThreadId, thread.id);
    await reviewDone;
    const announced = all.find((n) => n.method === 'thread/started');
    assert.equal(
      announced?.method === 'thread/started' && announced.params.thread.id,
      reviewThreadId,
    );
    assert.ok(
      all.indexOf(announced!) < all.findIndex((n) => n.method === 'turn/started'),
      'thread/started before the review turn',
    );
    const items = completedItems(
      all.filter((n) => (n.params as { threadId?: string }).threadId === reviewThreadId),
    );
    assert.deepEqual(
      items.map((i) => i.type),
      ['enteredReviewMode', 'exitedReviewMode', 'agentMessage'],
    );
    assert.equal((items[0] as { review: string }).review, 'Check the error handling.');
    const fork = await client.request('thread/read', {
      threadId: reviewThreadId,
      includeTurns: true,
    });
    assert.equal(fork.thread.forkedFromId, thread.id);
    assert.equal(fork.thread.turns.length, 2, 'the parent’s turn, then the review');
    const parent = await client.request('thread/read', { threadId: thread.id, includeTurns: true });
    assert.equal(parent.thread.turns.length, 1, 'the parent thread is left as it was');
  },
);

test(
  'review/start errors: not a git repository, unknown commit or branch, empty instructions',
  { timeout: 60_000 },
  async (t) => {
    const { client, repo, mock } = await setUp(t, []);
    const plain = tempDir('plain', t);
    const { thread } = await client.request('thread/start', { cwd: repo });
    const { thread: outside } = await client.request('thread/start', { cwd: plain });
    const refused = async (threadId: string, target: unknown, message: RegExp) => {
      await assert.rejects(
        client.request('review/start', { threadId, target } as never),
        (err: { rpcCode?: number; message: string }) => {
          assert.equal(err.rpcCode, -32602, err.message);
          assert.match(err.message, message);
          return true;
        },
      );
    };
    await refused(outside.id, { type: 'uncommittedChanges' }, /is not in a git repository/);
    await refused(thread.id, { type: 'commit', sha: 'deadbeef' }, /no commit "deadbeef"/);
    await refused(thread.id, { type: 'commit', sha: '--output=x' }, /no commit "--output=x"/);
    await refused(thread.id, { type: 'baseBranch', branch: 'nope' }, /no branch "nope"/);
    await refused(thread.id, { type: 'custom', instructions: '   ' }, /instructions are empty/);
    await assert.rejects(
      client.request('review/start', {
        threadId: 'no-such-thread',
        target: { type: 'uncommittedChanges' },
      }),
      /no thread/,
    );
    assert.equal(mock.requests.length, 0, 'nothing reached the model');
    const read = await client.request('thread/read', { threadId: thread.id, includeTurns: true });
    assert.equal(read.thread.turns.length, 0, 'a refused review leaves no turn behind');
  },
);

/** A reviewer's answer in Codex's JSON shape, about two files of `root`. */
function findingsJson(root: string) {
  return {
    findings: [
      {
        title: '[P1] Keep the greeting',
        body: '`a.txt` now says beta, so every caller\nthat greets gets the wrong word.',
        confidence_score: 0.8,
        priority: 1,
        code_location: {
          absolute_file_path: `${root}/a.txt`,
          line_range: { start: 1, end: 1 },
        },
      },
      {
        title: 'Cover the new file with a test',
        body: 'Nothing reads `new-file.txt`.',
        confidence_score: 0.4,
        priority: 3,
        code_location: {
          absolute_file_path: `${root}/new-file.txt`,
          line_range: { start: 1, end: 2 },
        },
      },
    ],
    overall_correctness: 'patch is incorrect',
    overall_explanation: 'The greeting changed by mistake.',
    overall_confidence_score: 0.7,
  };
}

/** What Codex shows for findingsJson: explanation, verdict, then the findings block. */
const renderedFindings = (root: string) =>
  [
    'The greeting changed by mistake.',
    '',
    'Verdict: patch is incorrect',
    '',
    'Full review comments:',
    '',
    `- [P1] Keep the greeting — ${root}/a.txt:1-1`,
    '  `a.txt` now says beta, so every caller',
    '  that greets gets the wrong word.',
    '',
    `- [P3] Cover the new file with a test — ${root}/new-file.txt:1-2`,
    '  Nothing reads `new-file.txt`.',
  ].join('\n');

/** Runs an uncommitted-changes review; its exitedReviewMode and last agentMessage texts. */
async function reviewOnce(client: YokeClient, repo: string) {
  const { thread } = await client.request('thread/start', { cwd: repo });
  const done = recordTurn(client, thread.id);
  await client.request('review/start', {
    threadId: thread.id,
    target: { type: 'uncommittedChanges' },
  });
  const seen = await done;
  const items = completedItems(seen);
  const exited = items.find((i) => i.type === 'exitedReviewMode') as { review: string };
  const last = items.at(-1) as { type: string; text: string };
  assert.equal(last.type, 'agentMessage', 'the review is the turn’s last message');
  assert.equal(last.text, exited.review);
  const end = seen.at(-1)!;
  assert.equal(end.method === 'turn/completed' && end.params.turn.status, 'completed');
  return { review: exited.review, items };
}

test(
  'review/start: the reviewer’s JSON findings become Codex’s review text',
  { timeout: 60_000 },
  async (t) => {
    const root = '/work/project';
    const answer = JSON.stringify(findingsJson(root), null, 2);
    const { client, repo } = await setUp(t, [text(answer)]);
    writeFileSync(join(repo, 'a.txt'), 'beta\n');
    const { review, items } = await reviewOnce(client, repo);
    assert.equal(review, renderedFindings(root));
    assert.ok(
      items.every((i) => i.type !== 'agentMessage' || !i.text.includes('"findings"')),
      'the JSON itself is not shown',
    );
  },
);

test(
  'review/start: JSON in a ```json fence amid prose, or after a tool call, is read too',
  { timeout: 60_000 },
  async (t) => {
    const root = '/work/project';
    const json = JSON.stringify(findingsJson(root));
    const fenced = `Here is my review of the change.\n\n\`\`\`json\n${json}\n\`\`\`\n\nThat is all.`;
    const prose = `My review: ${json} (end of review {sic})`;
    const oneFinding = {
      findings: [
        {
          title: 'Handle the empty file',
          body: 'It crashes.',
          priority: 0,
          code_location: { absolute_file_path: `${root}/b.txt`, line_range: { start: 3 } },
        },
      ],
      overall_correctness: 'patch is incorrect',
    };
    const { client, repo, mock } = await setUp(t, [
      text(fenced),
      text(prose),
      step(text('Let me look at the status first.'), toolCall('shell', { command: 'git status' })),
      text(JSON.stringify(oneFinding)),
      text('{"findings": [], "overall_correctness": "patch is correct"}'),
    ]);
    writeFileSync(join(repo, 'a.txt'), 'beta\n');
    assert.equal((await reviewOnce(client, repo)).review, renderedFindings(root));
    assert.equal((await reviewOnce(client, repo)).review, renderedFindings(root));

    const { review, items } = await reviewOnce(client, repo);
    assert.equal(
      review,
      [
        'Verdict: patch is incorrect',
        '',
        'Review comment:',
        '',
        `- [P0] Handle the empty file — ${root}/b.txt:3-3`,
        '  It crashes.',
      ].join('\n'),
      'one finding: Codex’s singular header; the priority tags an untagged title',
    );
    assert.deepEqual(
      items.map((i) => i.type),
      ['enteredReviewMode', 'commandExecution', 'exitedReviewMode', 'agentMessage'],
      'the reviewer’s words on the way are not shown either',
    );
    assert.equal(mock.requests.length, 4, 'the tool call’s result went back to the reviewer');

    assert.equal((await reviewOnce(client, repo)).review, 'Verdict: patch is correct');
  },
);

test(
  'review/start: an answer that is not the JSON, or broken JSON, is the review as it stands',
  { timeout: 60_000 },
  async (t) => {
    const truncated = JSON.stringify(findingsJson('/p')).slice(0, 120);
    const wrongShape =
      '{"findings": [{"body": "no title"}], "overall_correctness": "patch is correct"}';
    const { client, repo } = await setUp(t, [
      text('  The change looks fine to me; no issues.  '),
      text(truncated),
      text(wrongShape),
      text('{"unrelated": true}'),
    ]);
    writeFileSync(join(repo, 'a.txt'), 'beta\n');
    assert.equal(
      (await reviewOnce(client, repo)).review,
      'The change looks fine to me; no issues.',
    );
    assert.equal((await reviewOnce(client, repo)).review, truncated);
    assert.equal((await reviewOnce(client, repo)).review, wrongShape);
    assert.equal((await reviewOnce(client, repo)).review, '{"unrelated": true}');
  },
);

test(
  'review/start over `yoke app-server`: every message validates against Codex’s schema',
  { timeout: 300_000 },
  async (t) => {
    const root = '/work/project';
    const mock = await startMockModel([
      step(toolCall('shell', { command: 'git status --short' })),
      text(`\`\`\`json\n${JSON.stringify(findingsJson(root))}\n\`\`\``),
      text('not JSON at all'),
    ]);
    t.after(() => mock.close());
    const repo = tempRepo({ 'a.txt': 'alpha\n' }, t);
    writeFileSync(join(repo, 'a.txt'), 'beta\n');
    const home = tempDir('home', t);
    const { driver } = CodexDriver.stdio(yokeEnv(mock.url, home), repo, [
      '-c',
      'command_timeout_ms=20000',
    ]);
    t.after(() => driver.close());
    await driver.initialize();
    const { thread } = (await driver.request('thread/start', { cwd: repo })) as {
      thread: { id: string };
    };
    const review = async () => {
      const { turn } = (await driver.request('review/start', {
        threadId: thread.id,
        target: { type: 'uncommittedChanges' },
        delivery: 'inline',
      })) as { turn: { id: string } };
      await driver.waitFor('turn/completed', (p) => (p.turn as Json).id === turn.id);
      return driver.notifications
        .filter((n) => n.method === 'item/completed')
        .map((n) => n.params as { item: Json; turnId: string })
        .filter((p) => p.turnId === turn.id)
        .map((p) => p.item);
    };
    const first = await review();
    assert.deepEqual(
      first.map((i) => i.type),
      ['enteredReviewMode', 'commandExecution', 'exitedReviewMode', 'agentMessage'],
    );
    assert.equal(first[2]!.review, renderedFindings(root));
    const second = await review();
    assert.equal(second.at(-2)!.review, 'not JSON at all');

    const schema = loadCodexSchema(process.env.CODEX_SCHEMA_DIR || (await codexSchemaDir()));
    const { checked, failures } = schema.check('review', driver.transcript);
    assert.deepEqual(failures, []);
    assert.ok(checked > 20, `checked ${checked} messages`);
  },
);

test(
  'review/start interrupted: the review says so, and the reviewer’s half answer is not shown',
  { timeout: 60_000 },
  async (t) => {
    const { client, repo, mock } = await setUp(t, [
      hang(text('{"findings": [{"title": "half')),
      step(text('Let me run the tests first.'), toolCall('shell', { command: 'sleep 30' })),
    ]);
    writeFileSync(join(repo, 'a.txt'), 'beta\n');
    const { thread } = await client.request('thread/start', { cwd: repo });
    const done = recordTurn(client, thread.id);
    const { turn } = await client.request('review/start', {
      threadId: thread.id,
      target: { type: 'uncommittedChanges' },
    });
    await mock.waitForRequests(1);
    await client.request('turn/interrupt', { threadId: thread.id, turnId: turn.id });
    const seen = await done;
    const end = seen.at(-1)!;
    assert.equal(end.method === 'turn/completed' && end.params.turn.status, 'interrupted');
    const items = completedItems(seen);
    assert.deepEqual(
      items.map((i) => i.type),
      ['enteredReviewMode', 'exitedReviewMode', 'agentMessage'],
    );
    const said = 'The review was interrupted before it was finished.';
    assert.equal((items[1] as { review: string }).review, said);
    assert.equal((items[2] as { text: string }).text, said);
    const read = await client.request('thread/read', { threadId: thread.id, includeTurns: true });
    assert.deepEqual(read.thread.turns[0]!.items, items, 'stored as they were told');

    // Cut short after the reviewer said something: still "interrupted", not its words.
    const running = new Promise<void>((resolve) => {
      const off = client.onNotification('item/started', (n) => {
        if (n.item.type !== 'commandExecution') return;
        off();
        resolve();
      });
    });
    const again = recordTurn(client, thread.id);
    const second = await client.request('review/start', {
      threadId: thread.id,
      target: { type: 'uncommittedChanges' },
    });
    await running;
    await client.request('turn/interrupt', { threadId: thread.id, turnId: second.turn.id });
    const cut = completedItems(await again);
    assert.deepEqual(
      cut.map((i) => i.type),
      ['enteredReviewMode', 'commandExecution', 'exitedReviewMode', 'agentMessage'],
    );
    assert.equal((cut[2] as { review: string }).review, said);
  },
);
