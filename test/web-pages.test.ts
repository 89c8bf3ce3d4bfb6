// The web page as a new user meets it, in headless Chromium against the real `yoke serve` and
// the scripted model: plain words for what items are doing (awaiting approval, applied,
// interrupted) and an approval's diff shown once; a failed task with no changes (no result,
// one sentence, the blueprint's unreached nodes greyed); live token counts; the thread page
// following the stream; the submit form's recent repositories, blueprints, model and chat; and
// no page wider than the window at 420 and 1400 px, with a screenshot of each page at both
// widths in test-artifacts/web/pages/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { tempDir, yokeEnv } from './support/cli.ts';
import { CodexDriver } from './support/codex-driver.ts';
import { startMockModel, text, type MockModel } from './support/mock-model.ts';
import { agentScript, shell, taskRepo, writeFilePatch } from './support/task-fixtures.ts';
import { ARTIFACTS, launchChromium, startServe, type Serve } from './support/web.ts';

const PAGES_DIR = join(ARTIFACTS, 'pages');
const LONG = Array.from({ length: 40 }, (_, i) => `- point ${i + 1} of a long answer`).join('\n');
const QUICK_BLUEPRINT = JSON.stringify({
  name: 'quick',
  description: 'implement, then commit',
  start: 'implement',
  nodes: {
    implement: { type: 'agent', prompt: '{{prompt}}', next: 'commit' },
    commit: { type: 'commit' },
  },
});

let mock: MockModel;
let serve: Serve;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let terminal: CodexDriver;
let okRepo: string;
let failRepo: string;
let guarded: string;
/** Pages to check for overflow at the end: name → hash. */
const pages = new Map<string, string>();
const cleanups: (() => void)[] = [];
const after_ = { after: (fn: () => void) => cleanups.push(fn) };

before(async () => {
  mock = await startMockModel(
    agentScript((prompt) => {
      if (/write hello\.txt/.test(prompt)) return writeFilePatch('hello.txt', 'hello from yoke');
      if (/approve a patch/.test(prompt)) return writeFilePatch('patched.txt', 'one\ntwo');
      if (/approval please/.test(prompt)) return shell('printf approved > approved.txt');
      if (/sleep please/.test(prompt)) return shell('sleep 30');
      if (/long answer/.test(prompt)) return text(LONG, { chunks: 8 });
      if (/give up/.test(prompt)) return text('I could not do it.');
      if (/hello chat/.test(prompt)) return text('hello from the chat');
      throw new Error(`unexpected prompt: ${prompt}`);
    }),
  );
  const home = tempDir('web-pages-home', after_);
  okRepo = taskRepo(
    { 'README.md': '# ok\n', '.yoke/blueprints/quick.json': QUICK_BLUEPRINT },
    'checks = ["test -f hello.txt"]\n',
    after_,
  );
  failRepo = taskRepo(
    { 'README.md': '# fails\n' },
    'checks = ["test -f never.txt"]\nmax_fix_rounds = 0\n',
    after_,
  );
  guarded = taskRepo(
    { 'README.md': '# guarded\n' },
    'approval_policy = "untrusted"\nchecks = ["test -f approved.txt"]\n',
    after_,
  );
  serve = await startServe(yokeEnv(mock.url, home), home);
  const launched = await launchChromium();
  assert.ok(launched, 'no /usr/bin/chromium: apt-get install chromium');
  browser = launched;
  context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  page = await context.newPage();
  await page.goto(serve.loginUrl);
  await page.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor();
  terminal = await CodexDriver.ws(serve.wsUrl, { Authorization: `Bearer ${serve.bearer}` });
  await terminal.initialize('terminal');
  mkdirSync(PAGES_DIR, { recursive: true });
});

after(async () => {
  await terminal?.close();
  await browser?.close();
  await serve?.stop();
  await mock?.close();
  for (const fn of cleanups) fn();
});

async function startThread(cwd: string, approvalPolicy: string): Promise<string> {
  const { thread } = await terminal.request('thread/start', { cwd, approvalPolicy });
  return (thread as { id: string }).id;
}

const say = (threadId: string, prompt: string) =>
  terminal.request('turn/start', { threadId, input: [{ type: 'text', text: prompt }] });

const turnDone = (threadId: string) =>
  terminal.waitFor('turn/completed', (p) => p.threadId === threadId);

const badge = (p: Page, testId: string) => p.locator(`[data-testid=${testId}] .badge`).last();

async function submitFromForm(p: Page, prompt: string, repo: string): Promise<string> {
  await p.goto(`${serve.base}/#/`);
  const form = p.getByTestId('submit-form');
  await form.locator('textarea[name=prompt]').fill(prompt);
  await form.locator('input[name=repo]').fill(repo);
  const known = new Set(
    await p
      .locator('[data-testid=task-card]')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-task-id'))),
  );
  await form.getByRole('button', { name: 'Submit task' }).click();
  const card = p.locator('[data-testid=task-card].fresh');
  await card.waitFor();
  const id = (await card.getAttribute('data-task-id'))!;
  assert.ok(!known.has(id));
  return id;
}

test('plain words: awaiting approval, applied, interrupted; an approval diff shown once', async () => {
  const threadId = await startThread(okRepo, 'untrusted');
  await page.goto(`${serve.base}/#/thread/${threadId}`);
  await page.getByTestId('thread-view').waitFor();

  const patchAsked = terminal.nextServerRequest('item/fileChange/requestApproval');
  await say(threadId, 'approve a patch');
  await patchAsked;
  await page.getByTestId('approval').waitFor();
  assert.equal(await badge(page, 'item-file-change').textContent(), 'awaiting approval');
  assert.equal(await page.getByTestId('thread-status').textContent(), 'awaiting approval');
  // The diff is in the question, not a second time in the item above it.
  assert.equal(await page.locator('[data-testid=diff]').count(), 1);
  pages.set('thread-approval', `#/thread/${threadId}`);
  await page.getByTestId('approval-accept').click();
  await turnDone(threadId);
  await page.locator('[data-testid=item-file-change] .badge', { hasText: 'applied' }).waitFor();
  assert.equal(await page.locator('[data-testid=diff]').count(), 1, 'now the item shows it');

  const commandAsked = terminal.nextServerRequest('item/commandExecution/requestApproval');
  await say(threadId, 'approval please');
  await commandAsked;
  await page.getByTestId('approval').waitFor();
  assert.equal(await badge(page, 'item-command').textContent(), 'awaiting approval');
  // The wire carries `bash -c 'printf approved > approved.txt'`; the page shows the script.
  assert.equal(
    ((await commandAsked).params as { command: string }).command,
    "bash -c 'printf approved > approved.txt'",
  );
  for (const where of ['item-command', 'approval'])
    assert.equal(
      await page.getByTestId(where).locator('.command-line').textContent(),
      '$ printf approved > approved.txt',
      where,
    );
  await page.getByTestId('approval-accept').click();
  await page.locator('[data-testid=item-command] .badge.completed').waitFor();

  // A command stopped with its turn is "interrupted", not "failed · exit -1".
  const other = await startThread(okRepo, 'never');
  await page.goto(`${serve.base}/#/thread/${other}`);
  // The page shows (and so follows) the new thread before its turn starts.
  await page.locator(`[data-testid=thread-view][data-thread-id="${other}"]`).waitFor();
  const started = terminal.waitFor(
    'item/started',
    (p) => p.threadId === other && (p.item as { type: string }).type === 'commandExecution',
  );
  const { turn } = await say(other, 'sleep please');
  await started;
  await page.locator('[data-testid=item-command] .badge', { hasText: 'running' }).waitFor();
  await terminal.request('turn/interrupt', {
    threadId: other,
    turnId: (turn as { id: string }).id,
  });
  await page.locator('[data-testid=item-command] .badge', { hasText: 'interrupted' }).waitFor();
  assert.doesNotMatch((await page.getByTestId('item-command').textContent()) ?? '', /exit -1/);
  pages.set('thread-interrupted', `#/thread/${other}`);
});

test('a failed task with no changes: no result or apply hint, one sentence, the rest greyed', async () => {
  const id = await submitFromForm(page, 'give up on this', failRepo);
  await page.locator(`[data-column=done] [data-task-id="${id}"][data-status=failed]`).waitFor({
    timeout: 30_000,
  });
  await page.goto(`${serve.base}/#/task/${id}`);
  await page.locator('[data-testid=task-view][data-status=failed]').waitFor();
  await page.getByTestId('task-error').waitFor();
  assert.equal(await page.getByTestId('task-result').count(), 0);
  assert.equal(await page.getByTestId('apply-hint').count(), 0);
  const error = (await page.getByTestId('task-error').textContent())!;
  assert.match(error, /^[A-Z].*\.$/, error);
  assert.doesNotMatch(error, /(\w+): \1 failed/, 'the node is named once');
  // The whole blueprint: the nodes it never reached are listed, greyed.
  const unreached = await page.getByTestId('node-unreached').allTextContents();
  assert.ok(
    unreached.some((row) => /^commit/.test(row) && /not reached/.test(row)),
    unreached.join('\n'),
  );
  pages.set('task-failed', `#/task/${id}`);
});

test('a task waiting for approval counts its tokens live', async () => {
  const id = await submitFromForm(page, 'approval please, as a task', guarded);
  await page.goto(`${serve.base}/#/task/${id}`);
  await page.locator('[data-testid=task-view][data-status=waiting_approval]').waitFor();
  assert.equal(await page.getByTestId('task-status').textContent(), 'awaiting approval');
  // Its agent step has not finished, yet its model requests count already: in task/read and on
  // the page.
  const { task } = await terminal.request('task/read', { taskId: id });
  const tokens = (task as { tokensUsed: number }).tokensUsed;
  assert.ok(tokens > 0, 'counted while the step runs');
  await page.waitForFunction(
    (least) =>
      Number(document.querySelector('[data-testid=task-tokens]')?.textContent?.replace(/,/g, '')) >=
      least,
    tokens,
  );
  // Before it runs, the whole blueprint is there: commit is not reached yet.
  assert.ok(
    (await page.getByTestId('node-unreached').allTextContents()).some((r) => /not yet/.test(r)),
  );
  // These two only now, while it waits (the final round sees it done).
  await screenshots(
    new Map([
      ['task-waiting', `#/task/${id}`],
      ['board-waiting', '#/'],
    ]),
  );
  await page.getByTestId('approval-accept').click();
  await page.locator('[data-testid=task-view][data-status=succeeded]').waitFor();
});

test('the thread page follows the stream at the bottom, not after the reader scrolls up', async () => {
  await page.setViewportSize({ width: 1000, height: 500 });
  const threadId = await startThread(okRepo, 'never');
  await page.goto(`${serve.base}/#/thread/${threadId}`);
  await page.getByTestId('thread-view').waitFor();
  const atBottom = () =>
    page.evaluate(() => innerHeight + scrollY >= document.documentElement.scrollHeight - 60);
  const agentItems = page.getByTestId('item-agent');

  await say(threadId, 'long answer one');
  await turnDone(threadId);
  await agentItems.nth(0).locator('li', { hasText: 'point 40 ' }).waitFor();
  await page.waitForFunction(() => innerHeight + scrollY >= document.body.scrollHeight - 60);
  assert.ok(await atBottom(), 'followed the answer down');
  assert.equal(await page.getByTestId('jump-latest').count(), 0);

  await page.evaluate(() => scrollTo(0, 0));
  await page.getByTestId('jump-latest').waitFor();
  await say(threadId, 'long answer two');
  await turnDone(threadId);
  await agentItems.nth(1).locator('li', { hasText: 'point 40 ' }).waitFor();
  assert.equal(await page.evaluate(() => scrollY), 0, 'stays where the reader is');

  await page.getByTestId('jump-latest').click();
  assert.ok(await atBottom());
  await page.getByTestId('jump-latest').waitFor({ state: 'detached' });
  await say(threadId, 'long answer three');
  await turnDone(threadId);
  await agentItems.nth(2).locator('li', { hasText: 'point 40 ' }).waitFor();
  await page.waitForFunction(() => innerHeight + scrollY >= document.body.scrollHeight - 60);
  pages.set('thread-long', `#/thread/${threadId}`);
  await page.setViewportSize({ width: 1200, height: 800 });
});

test('the submit form: recent repositories, the repository blueprints, a model, a chat', async () => {
  const id = await submitFromForm(page, 'write hello.txt please', okRepo);
  await page.locator(`[data-column=done] [data-task-id="${id}"][data-status=succeeded]`).waitFor({
    timeout: 30_000,
  });
  pages.set('task-succeeded', `#/task/${id}`);
  // Both repositories used from this browser are offered, the latest first.
  const recent = await page
    .locator('#recent-repos option')
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  assert.deepEqual(recent.slice(0, 3), [okRepo, guarded, failRepo]);
  assert.equal(await page.locator('input[name=repo]').inputValue(), okRepo);

  // The blueprint list comes from the repository: its own quick.json and the built-in ones.
  const select = page.locator('select[name=blueprint]');
  await select.locator('option[value=quick]').waitFor({ state: 'attached' });
  const options = await select
    .locator('option')
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  assert.deepEqual(options, ['', 'quick', 'default', 'pr']);

  // A model and a blueprint chosen on the form reach the task and the model server.
  const form = page.getByTestId('submit-form');
  await form.locator('textarea[name=prompt]').fill('write hello.txt with the other model');
  await select.selectOption('quick');
  await form.locator('input[name=model]').fill('other-model');
  const before = mock.requests.length;
  await form.getByRole('button', { name: 'Submit task' }).click();
  const card = page.locator(`[data-testid=task-card].fresh:not([data-task-id="${id}"])`);
  await card.waitFor();
  await page
    .locator(`[data-column=done] [data-task-id="${await card.getAttribute('data-task-id')}"]`)
    .waitFor({ timeout: 30_000 });
  const { task } = await terminal.request('task/read', {
    taskId: (await card.getAttribute('data-task-id'))!,
  });
  const submitted = task as { model: string | null; blueprint: string; status: string };
  assert.equal(submitted.model, 'other-model');
  assert.equal(submitted.blueprint, 'quick');
  const sent = mock.requests.slice(before).map((r) => (r.json as { model?: string }).model);
  assert.ok(sent.length > 0 && sent.every((m) => m === 'other-model'), sent.join(', '));

  // A plain conversation on the repository, from the same form.
  await form.locator('textarea[name=prompt]').fill('hello chat');
  await form.locator('input[name=model]').fill('');
  await page.getByTestId('start-chat').click();
  await page.locator('[data-testid=item-agent]', { hasText: 'hello from the chat' }).waitFor();
  assert.match(page.url(), /#\/thread\//);
  const view = page.getByTestId('thread-view');
  assert.match((await view.textContent()) ?? '', new RegExp(okRepo.replace(/[/.]/g, '\\$&')));
  pages.set('thread-chat', new URL(page.url()).hash);
});

test('no page is wider than the window at 420 or 1400 px (screenshots of each)', async () => {
  pages.set('board', '#/');
  pages.set('missing', '#/no/such/page');
  await screenshots(pages);
  // The page a browser without a session gets.
  for (const width of [420, 1400]) {
    const outside = await browser.newContext({ viewport: { width, height: 900 } });
    const p = await outside.newPage();
    assert.equal((await p.goto(`${serve.base}/`))?.status(), 401);
    const wide = await p.evaluate(
      () => document.documentElement.scrollWidth <= document.documentElement.clientWidth,
    );
    assert.ok(wide, `the login page overflows at ${width} px`);
    await p.screenshot({ path: join(PAGES_DIR, `login-${width}.png`), fullPage: true });
    await outside.close();
  }
});

/** Each page at both widths: no horizontal overflow, and a screenshot of each. */
async function screenshots(list: Map<string, string>): Promise<void> {
  const state = await context.storageState();
  for (const width of [420, 1400]) {
    const narrow = await browser.newContext({
      viewport: { width, height: 900 },
      storageState: state,
    });
    const p = await narrow.newPage();
    for (const [name, hash] of list) {
      await p.goto(`${serve.base}/${hash}`);
      await p.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor();
      const ready =
        name === 'board' || name.startsWith('board')
          ? '[data-testid=submit-form]'
          : name.startsWith('task')
            ? '[data-testid=task-nodes]'
            : name.startsWith('thread')
              ? '[data-testid=item-agent], [data-testid=item-command], [data-testid=approval]'
              : 'main';
      await p.locator(ready).first().waitFor();
      const sizes = await p.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
        body: document.body.scrollWidth,
      }));
      assert.ok(
        sizes.scroll <= sizes.client && sizes.body <= sizes.client,
        `${name} at ${width} px is ${sizes.scroll} px wide (window ${sizes.client} px)`,
      );
      await p.screenshot({ path: join(PAGES_DIR, `${name}-${width}.png`), fullPage: true });
    }
    await narrow.close();
  }
}
