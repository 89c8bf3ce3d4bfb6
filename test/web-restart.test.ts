// `yoke serve` restarted under an open web page: the daemon takes the same port again (kept in
// YOKE_HOME/serve.port) and the browser's session cookie is signed with a key kept there too, so
// the page reconnects by itself; while the daemon is down the page says so and what to run.
// `yoke web` prints a fresh login link for the running daemon. When the remembered port is
// taken, the daemon listens on another. A daemon without the key its provider needs shows a
// banner saying so.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, watch } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { runYoke, tempDir, yokeEnv } from './support/cli.ts';
import { startMockModel, text, type MockModel } from './support/mock-model.ts';
import { launchChromium, startServe, type Serve } from './support/web.ts';

let mock: MockModel;
let browser: Browser;
let home: string;
let serve: Serve | null = null;
const cleanups: (() => void)[] = [];

before(async () => {
  mock = await startMockModel(() => text('hi'));
  home = tempDir('web-restart-home', { after: (fn) => cleanups.push(fn) });
  const launched = await launchChromium();
  assert.ok(launched, 'no /usr/bin/chromium: apt-get install chromium');
  browser = launched;
});

after(async () => {
  await browser?.close();
  await serve?.stop();
  await mock?.close();
  for (const fn of cleanups) fn();
});

const port = (s: Serve) => Number(new URL(s.base).port);
const connection = (p: Page, state: string) =>
  p.locator('[data-testid=connection]', { hasText: state }).waitFor({ timeout: 20_000 });

test('a restarted daemon keeps its port and the sessions: the open page reconnects by itself', async () => {
  const env = yokeEnv(mock.url, home);
  serve = await startServe(env, home);
  const first = port(serve);
  assert.equal(readFileSync(join(home, 'serve.port'), 'utf8').trim(), String(first));
  const page = await (await browser.newContext()).newPage();
  await page.goto(serve.loginUrl);
  await connection(page, 'connected');

  await serve.stop();
  serve = null;
  await connection(page, 'reconnecting');
  const why = page.getByTestId('connection-problem');
  await why.waitFor();
  assert.match((await why.textContent())!, /yoke serve is not answering at 127\.0\.0\.1:\d+/);
  assert.match((await why.textContent())!, /reconnects by itself/);

  serve = await startServe(env, home);
  assert.equal(port(serve), first, 'the same port as before');
  await connection(page, 'connected');
  assert.equal(await page.getByTestId('connection-problem').count(), 0);

  // `yoke web`: a new link for the running daemon, good once.
  const web = await runYoke(['web', '--no-open'], { cwd: home, env });
  assert.equal(web.code, 0, web.stderr);
  const link = web.stdout.trim();
  assert.match(link, new RegExp(`^http://127\\.0\\.0\\.1:${first}/login\\?token=\\S+$`));
  const other = await (await browser.newContext()).newPage();
  await other.goto(link);
  await connection(other, 'connected');
  const again = await (await browser.newContext()).newPage();
  assert.equal((await again.goto(link))?.status(), 401);
  assert.match(await again.content(), /yoke web/);
  // Without the bearer token nobody gets a link.
  assert.equal((await fetch(`${serve.base}/login-link`)).status, 401);
  for (const p of [page, other, again]) await p.context().close();
});

test('the remembered port taken by another program: the daemon listens elsewhere', async (t) => {
  await serve?.stop();
  serve = null;
  const remembered = Number(readFileSync(join(home, 'serve.port'), 'utf8'));
  const sockets = new Set<Socket>();
  const squatter: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => squatter.listen(remembered, '127.0.0.1', resolve));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
  });
  // No API key and OpenAI's own endpoint: the page says why nothing will work.
  const env = yokeEnv(mock.url, home);
  delete env.OPENAI_API_KEY;
  delete env.OPENAI_BASE_URL;
  serve = await startServe(env, home);
  assert.notEqual(port(serve), remembered);
  assert.match(serve.stderr(), /port \d+ \(the last one\) is taken now/);
  assert.equal(readFileSync(join(home, 'serve.port'), 'utf8').trim(), String(port(serve)));
  const page = await (await browser.newContext()).newPage();
  await page.goto(serve.loginUrl);
  await connection(page, 'connected');
  const banner = page.getByTestId('credentials-banner');
  await banner.waitFor();
  assert.match((await banner.textContent())!, /no API key .*"openai": OPENAI_API_KEY is not set/);
});

test('yoke web with no daemon running starts one in the background and prints its link', async (t) => {
  await serve?.stop();
  serve = null;
  const env = yokeEnv(mock.url, home);
  const web = await runYoke(['web', '--no-open'], { cwd: home, env });
  t.after(() => stopBackgroundDaemon(home));
  assert.equal(web.code, 0, web.stderr);
  assert.match(web.stderr, /started the task daemon \(pid \d+\)/);
  const link = web.stdout.trim();
  assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/login\?token=\S+$/);
  const login = await fetch(link, { redirect: 'manual' });
  assert.equal(login.status, 303);
  assert.match(login.headers.get('set-cookie') ?? '', /^yoke-session-\d+=/);
});

/** SIGTERM to the daemon `yoke web` started (not our child), then wait for its state to go. */
async function stopBackgroundDaemon(dir: string): Promise<void> {
  const info = join(dir, 'serve.json');
  if (!existsSync(info)) return;
  const gone = new Promise<void>((resolve) => {
    const watcher = watch(dir, () => {
      if (!existsSync(info)) {
        watcher.close();
        resolve();
      }
    });
  });
  process.kill((JSON.parse(readFileSync(info, 'utf8')) as { pid: number }).pid, 'SIGTERM');
  await gone;
}
