// The web page end to end: the real `yoke serve` against the scripted mock model, driven in
// headless Chromium. Logging in with the printed link, refusing everything without it,
// submitting a task and watching it finish on the board, its diff, and approving a command
// from the page while a terminal client watches the same thread.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { tempDir, yokeEnv } from './support/cli.ts';
import { CodexDriver } from './support/codex-driver.ts';
import { startMockModel, type MockModel } from './support/mock-model.ts';
import { agentScript, shell, taskRepo, writeFilePatch } from './support/task-fixtures.ts';
import { ARTIFACTS, launchChromium, startServe, upgradeStatus, type Serve } from './support/web.ts';

let mock: MockModel;
let serve: Serve;
let browser: Browser | null;
let repo: string;
/** The page logged in with the one-time link (its context holds the session cookie). */
let page: Page;
const cleanups: (() => void)[] = [];

before(async () => {
  mock = await startMockModel(
    agentScript((prompt) => {
      if (/write hello\.txt/.test(prompt)) return writeFilePatch('hello.txt', 'hello from yoke');
      if (/approval please/.test(prompt)) return shell('printf approved > approved.txt');
      throw new Error(`unexpected prompt: ${prompt}`);
    }),
  );
  const home = tempDir('web-home', { after: (fn) => cleanups.push(fn) });
  repo = taskRepo({ 'README.md': '# demo\n' }, 'checks = ["test -f hello.txt"]\n', {
    after: (fn) => cleanups.push(fn),
  });
  serve = await startServe(yokeEnv(mock.url, home), home);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await mock?.close();
  for (const fn of cleanups) fn();
});

const shot = (p: Page, name: string) =>
  p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

test('without the login link nothing is served: 401 for the page, the upgrade refused', async () => {
  const page401 = await fetch(`${serve.base}/`);
  assert.equal(page401.status, 401);
  assert.match(await page401.text(), /log in with the link printed by yoke serve/i);
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(
    readFileSync('web/dist/index.html', 'utf8'),
  )![1]!;
  assert.equal((await fetch(`${serve.base}${asset}`)).status, 401, 'scripts need the cookie too');
  assert.equal((await fetch(`${serve.base}/login?token=wrong`)).status, 401);
  // The browser's WebSocket, from the page's own origin but with no cookie: refused.
  assert.equal(await upgradeStatus(`${serve.wsUrl}/rpc`, { Origin: serve.base }), 401);
  assert.equal(
    await upgradeStatus(`${serve.wsUrl}/rpc`, { Cookie: `yoke-session-${port()}=guess` }),
    401,
  );
  // The daemon's bearer token (terminal clients) is accepted for both.
  const auth = { Authorization: `Bearer ${serve.bearer}` };
  assert.equal((await fetch(`${serve.base}${asset}`, { headers: auth })).status, 200);
  assert.equal(await upgradeStatus(`${serve.wsUrl}/rpc`, auth), 101);
  // No way out of web/dist.
  for (const path of ['/..%2fpackage.json', '/assets/..%2F..%2Fpackage.json', '/%2e%2e/x']) {
    assert.equal((await fetch(`${serve.base}${path}`, { headers: auth })).status, 404, path);
  }
});

test('logging in with the link sets an HttpOnly SameSite=Strict cookie; the link is spent', async () => {
  // CI installs chromium (.ci/run): a missing browser is a failure, never a silent skip.
  assert.ok(browser, 'no /usr/bin/chromium: apt-get install chromium');
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  page = await context.newPage();
  await page.goto(serve.loginUrl);
  assert.equal(new URL(page.url()).pathname, '/');
  await page.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor();
  const [cookie] = await context.cookies();
  assert.equal(cookie?.httpOnly, true);
  assert.equal(cookie?.sameSite, 'Strict');
  assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read it');
  // A second browser gets nothing from the same link.
  const other = await browser.newContext();
  const response = await (await other.newPage()).goto(serve.loginUrl);
  assert.equal(response?.status(), 401);
  assert.match(await response!.text(), /already used/);
  await other.close();
});

test('submit a task from the page, watch it finish on the board, open its diff', async () => {
  assert.ok(browser, 'no /usr/bin/chromium: apt-get install chromium');
  await page.goto(`${serve.base}/#/`);
  const form = page.getByTestId('submit-form');
  await form.locator('textarea[name=prompt]').fill('write hello.txt with a greeting');
  await form.locator('input[name=repo]').fill(repo);
  await form.locator('textarea[name=checks]').fill('grep -q hello hello.txt');
  await form.getByRole('button', { name: 'Submit task' }).click();

  const done = page.locator('[data-column=done] [data-testid=task-card][data-status=succeeded]');
  await done.waitFor({ timeout: 30_000 });
  await shot(page, 'board');
  const taskId = await done.getAttribute('data-task-id');
  assert.ok(taskId);

  await done.click();
  const view = page.locator('[data-testid=task-view][data-status=succeeded]');
  await view.waitFor();
  await page.locator('[data-testid=task-diff] .dl-add', { hasText: '+hello from yoke' }).waitFor();
  assert.equal(await page.getByTestId('apply-hint').textContent(), `yoke task apply ${taskId}`);
  assert.equal(await page.getByTestId('task-branch').textContent(), `yoke/${taskId}`);
  const nodes = await page.locator('[data-testid=task-nodes] tbody tr').allTextContents();
  assert.ok(
    nodes.some((row) => /implement.*agent.*succeeded/.test(row)),
    nodes.join('\n'),
  );
  const checks = await page.getByTestId('task-checks').textContent();
  assert.match(checks ?? '', /passed.*test -f hello\.txt/);
  assert.match(checks ?? '', /passed.*grep -q hello hello\.txt/);
  await shot(page, 'task');
});

test('approve a command from the page while a terminal client watches the same thread', async (t) => {
  assert.ok(browser, 'no /usr/bin/chromium: apt-get install chromium');
  const terminal = await CodexDriver.ws(serve.wsUrl, { Authorization: `Bearer ${serve.bearer}` });
  t.after(() => terminal.close());
  await terminal.initialize('terminal');
  const { thread } = await terminal.request('thread/start', {
    cwd: repo,
    approvalPolicy: 'untrusted',
  });
  const threadId = (thread as { id: string }).id;
  const asked = terminal.nextServerRequest('item/commandExecution/requestApproval');
  await terminal.request('turn/start', {
    threadId,
    input: [{ type: 'text', text: 'approval please' }],
  });
  await asked; // the terminal sees the question too, and leaves it to the page

  // Two tabs watch the thread; the approval shows in both.
  const second = await page.context().newPage();
  for (const p of [page, second]) {
    await p.goto(`${serve.base}/#/thread/${threadId}`);
    await p.getByTestId('approval').waitFor();
  }
  assert.match(
    (await page.getByTestId('approval').textContent()) ?? '',
    /printf approved > approved\.txt/,
  );
  await shot(page, 'approval');

  const resolved = terminal.waitFor('serverRequest/resolved', (p) => p.threadId === threadId);
  await page.getByTestId('approval-accept').click();
  await resolved;
  await second.getByTestId('approval').waitFor({ state: 'detached' });
  // The command ran and streamed; the turn ended with the agent's message, in both tabs.
  for (const p of [page, second]) {
    await p.locator('[data-testid=item-command] .badge.completed').waitFor();
    await p.locator('[data-testid=item-agent]', { hasText: 'done:' }).waitFor();
  }
  assert.equal(readFileSync(join(repo, 'approved.txt'), 'utf8'), 'approved');
  await terminal.waitFor('turn/completed', (p) => p.threadId === threadId);
  // Token use and cache hits, from thread/tokenUsage/updated.
  assert.match((await page.getByTestId('cache-share').textContent()) ?? '', /^\d+%$/);
  await shot(page, 'thread');
  await second.close();
  assert.ok(existsSync(join(ARTIFACTS, 'thread.png')));
});

test('a task that waits for approval: its column, then Accept on the board lets it finish', async () => {
  assert.ok(browser, 'no /usr/bin/chromium: apt-get install chromium');
  const guarded = taskRepo(
    { 'README.md': '# guarded\n' },
    'approval_policy = "untrusted"\nchecks = ["test -f approved.txt"]\n',
    { after: (fn) => cleanups.push(fn) },
  );
  await page.goto(`${serve.base}/#/`);
  const form = page.getByTestId('submit-form');
  await form.locator('textarea[name=prompt]').fill('approval please, as a task');
  await form.locator('input[name=repo]').fill(guarded);
  await form.locator('textarea[name=checks]').fill('');
  await form.getByRole('button', { name: 'Submit task' }).click();

  // The page follows the threads of active tasks, so the question reaches the board.
  const waiting = page.locator('[data-column=waiting] [data-testid=task-card]');
  await waiting.waitFor();
  const taskId = await waiting.getAttribute('data-task-id');
  await page.getByTestId('approvals').getByTestId('approval').waitFor();
  await shot(page, 'board-waiting');
  await page.getByTestId('approvals').getByTestId('approval-accept').click();
  await page
    .locator(`[data-column=done] [data-task-id="${taskId}"][data-status=succeeded]`)
    .waitFor();
  assert.equal(await page.getByTestId('approvals').count(), 0);
});

function port(): string {
  return new URL(serve.base).port;
}
