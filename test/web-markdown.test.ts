// The model's markdown on the web page, in headless Chromium against the real `yoke serve`:
// lists, code fences, links and emphasis render as HTML; hostile HTML from the model (an
// `<img onerror>`, a `javascript:` link, a `<script>`) never reaches the DOM as markup; the
// task result keeps its paragraphs; and the page loads without a CSP violation (zod jitless).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { tempDir, yokeEnv } from './support/cli.ts';
import { CodexDriver } from './support/codex-driver.ts';
import { reasoning, startMockModel, step, text, type MockModel } from './support/mock-model.ts';
import {
  afterToolOutput,
  lastUserText,
  taskRepo,
  writeFilePatch,
} from './support/task-fixtures.ts';
import { launchChromium, startServe, type Serve } from './support/web.ts';

const ANSWER = [
  'Here is **the plan**:',
  '',
  '- first item',
  '- second item with `code`',
  '',
  '1. one',
  '2. two',
  '',
  '```ts',
  'const x = 1 < 2;',
  '```',
  '',
  'See [the docs](https://example.com/docs) or [this](javascript:window.__pwned=2).',
  '',
  '<img src=x onerror="window.__pwned=1"> and <script>window.__pwned=3</script>',
  '',
  '![pixel](https://example.com/p.png)',
].join('\n');

const SUMMARY = 'Wrote the file.\n\nIt has:\n\n- a greeting\n- nothing else';

let mock: MockModel;
let serve: Serve;
let browser: Browser | null;
let page: Page;
let repo: string;
const csp: string[] = [];
const cleanups: (() => void)[] = [];

before(async () => {
  mock = await startMockModel((request) => {
    const prompt = lastUserText(request);
    if (/markdown please/.test(prompt)) return step(reasoning('Thinking **hard**'), text(ANSWER));
    if (afterToolOutput(request)) return text(SUMMARY);
    if (/write hello\.txt/.test(prompt)) return writeFilePatch('hello.txt', 'hello');
    throw new Error(`unexpected prompt: ${prompt}`);
  });
  const home = tempDir('web-md-home', { after: (fn) => cleanups.push(fn) });
  repo = taskRepo({ 'README.md': '# md\n' }, null, { after: (fn) => cleanups.push(fn) });
  serve = await startServe(yokeEnv(mock.url, home), home);
  browser = await launchChromium();
  assert.ok(browser, 'no /usr/bin/chromium: apt-get install chromium');
  page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  page.on('console', (m) => {
    if (/Content Security Policy|unsafe-eval/i.test(m.text())) csp.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.warn(`Content Security Policy violation: ${e.violatedDirective} ${e.sourceFile}`);
    });
  });
  await page.goto(serve.loginUrl);
  await page.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor();
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await mock?.close();
  for (const fn of cleanups) fn();
});

test('agent messages and reasoning render as markdown; hostile HTML stays text', async (t) => {
  const client = await CodexDriver.ws(serve.wsUrl, { Authorization: `Bearer ${serve.bearer}` });
  t.after(() => client.close());
  await client.initialize('md-test');
  const { thread } = await client.request('thread/start', { cwd: repo });
  const threadId = (thread as { id: string }).id;
  const done = client.waitFor('turn/completed', (p) => p.threadId === threadId);
  await client.request('turn/start', {
    threadId,
    input: [{ type: 'text', text: 'markdown please' }],
  });
  await done;

  await page.goto(`${serve.base}/#/thread/${threadId}`);
  const md = page.getByTestId('agent-text');
  await md.locator('pre code').waitFor();
  assert.deepEqual(await md.locator('ul > li').allTextContents(), [
    'first item',
    'second item with code',
  ]);
  assert.deepEqual(await md.locator('ol > li').allTextContents(), ['one', 'two']);
  assert.equal(await md.locator('strong').textContent(), 'the plan');
  assert.equal(await md.locator('pre code').textContent(), 'const x = 1 < 2;\n');
  assert.match((await md.locator('pre code').getAttribute('class')) ?? '', /language-ts/);
  const docs = md.locator('a', { hasText: 'the docs' });
  assert.equal(await docs.getAttribute('href'), 'https://example.com/docs');
  assert.equal(await docs.getAttribute('target'), '_blank');
  assert.equal(await docs.getAttribute('rel'), 'noopener noreferrer nofollow');
  // The javascript: link keeps its text, loses its URL.
  assert.equal(await md.locator('a', { hasText: 'this' }).getAttribute('href'), null);
  // No image, no script, no handler: the raw HTML is shown as the text the model wrote.
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.locator('main script').count(), 0);
  assert.equal(await page.locator('main [onerror]').count(), 0);
  const shown = (await md.textContent()) ?? '';
  assert.match(shown, /<img src=x onerror="window.__pwned=1">/);
  assert.match(shown, /image: pixel/);
  assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
  // Reasoning too.
  assert.equal(await page.locator('.item.reasoning strong').textContent(), 'hard');
  assert.deepEqual(csp, [], 'no CSP violation while loading and rendering');
});

test("a task's result keeps its paragraphs and list", async () => {
  await page.goto(`${serve.base}/#/`);
  const form = page.getByTestId('submit-form');
  await form.locator('textarea[name=prompt]').fill('write hello.txt please');
  await form.locator('input[name=repo]').fill(repo);
  await form.getByRole('button', { name: 'Submit task' }).click();
  const card = page.locator('[data-column=done] [data-testid=task-card]');
  await card.waitFor({ timeout: 30_000 });
  await card.click();
  const summary = page.getByTestId('task-summary');
  await summary.waitFor();
  assert.deepEqual(await summary.locator('p').allTextContents(), ['Wrote the file.', 'It has:']);
  assert.deepEqual(await summary.locator('li').allTextContents(), ['a greeting', 'nothing else']);
  assert.deepEqual(csp, []);
});
