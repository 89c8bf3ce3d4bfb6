// createWebUi on a plain HTTP server: the login link (one use), the cookie's flags, 401 for
// everything else, static files with their types and cache headers, no way out of the dist
// directory, and the auth check the WebSocket upgrade uses.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createWebUi, resolveInside, type WebUi } from '../src/server/web-ui.ts';
import { tempDir } from './support/cli.ts';

const TOKEN = 'login-token-0123456789';
const BEARER = 'bearer-token-0123456789';

async function serve(t: TestContext, options: { built?: boolean } = {}) {
  const root = tempDir('web-dist', t);
  const dist = join(root, 'dist');
  if (options.built !== false) {
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Yoke</title>');
    writeFileSync(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(dist, 'assets', 'index-abc.css'), 'body{}');
  }
  writeFileSync(join(root, 'secret.txt'), 'outside');
  const ui: WebUi = createWebUi({ distDir: dist, token: TOKEN, bearerToken: BEARER });
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    if (!ui.handle(req, res)) res.writeHead(404).end('transport 404');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { ui, base, seen };
}

const get = (url: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(url, { headers, method, redirect: 'manual' });

test('the login link works once and sets an HttpOnly, SameSite=Strict cookie', async (t) => {
  const { ui, base } = await serve(t);
  assert.equal(ui.loginPath, `/login?token=${TOKEN}`);
  const first = await get(`${base}${ui.loginPath}`);
  assert.equal(first.status, 303);
  assert.equal(first.headers.get('location'), '/');
  const cookie = first.headers.get('set-cookie')!;
  const port = new URL(base).port;
  assert.match(cookie, new RegExp(`^yoke-session-${port}=[A-Za-z0-9_-]{43}; `));
  assert.match(cookie, /; HttpOnly/);
  assert.match(cookie, /; SameSite=Strict/);
  assert.match(cookie, /; Path=\//);
  assert.equal(ui.spent, true);
  const session = cookie.split(';')[0]!;
  assert.notEqual(session.split('=')[1], TOKEN, 'the cookie is a separate secret');

  const again = await get(`${base}${ui.loginPath}`);
  assert.equal(again.status, 401);
  assert.match(await again.text(), /already used/);
  // The browser that logged in may click the link again: it just goes home.
  assert.equal((await get(`${base}${ui.loginPath}`, { Cookie: session })).status, 303);
  const page = await get(`${base}/`, { Cookie: `other=1; ${session}` });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>Yoke<\/title>/);
});

test('without the cookie or the bearer token everything is 401', async (t) => {
  const { ui, base } = await serve(t);
  for (const path of ['/', '/index.html', '/assets/index-abc.js', '/nope']) {
    const res = await get(`${base}${path}`);
    assert.equal(res.status, 401, path);
    assert.match(await res.text(), /log in with the link printed by yoke serve/i);
    assert.equal(res.headers.get('cache-control'), 'no-store');
  }
  assert.equal((await get(`${base}/login?token=wrong`)).status, 401);
  assert.equal((await get(`${base}/login`)).status, 401);
  assert.equal(ui.spent, false, 'wrong tokens do not spend the link');
  const cookieGuess = `yoke-session-${new URL(base).port}=${TOKEN}`;
  assert.equal((await get(`${base}/`, { Cookie: cookieGuess })).status, 401);
  assert.equal((await get(`${base}/`, { Authorization: `Bearer ${TOKEN}` })).status, 401);
  assert.equal((await get(`${base}/`, { Authorization: `Bearer ${BEARER}` })).status, 200);
  // A rebound DNS name (another site resolving to 127.0.0.1) is refused, even with the token.
  const rebound = await new Promise<number>((resolve, reject) => {
    const url = new URL(base);
    request(
      {
        host: url.hostname,
        port: url.port,
        path: '/',
        headers: { Host: `evil.example:${url.port}`, Authorization: `Bearer ${BEARER}` },
      },
      (res) => resolve(res.statusCode ?? 0),
    )
      .on('error', reject)
      .end();
  });
  assert.equal(rebound, 421);
  assert.equal(
    (await get(`http://localhost:${new URL(base).port}/`, { Authorization: `Bearer ${BEARER}` }))
      .status,
    200,
  );
  // /healthz belongs to the transport.
  assert.equal(await (await get(`${base}/healthz`)).text(), 'transport 404');
});

test('files: content types, cache headers, HEAD, 405, 404, and a note when not built', async (t) => {
  const { base } = await serve(t);
  const auth = { Authorization: `Bearer ${BEARER}` };
  const index = await get(`${base}/`, auth);
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(index.headers.get('cache-control'), 'private, no-cache');
  assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
  assert.match(index.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
  const js = await get(`${base}/assets/index-abc.js`, auth);
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(js.headers.get('cache-control'), 'private, max-age=31536000, immutable');
  assert.equal(await js.text(), 'console.log(1)');
  const css = await get(`${base}/assets/index-abc.css`, auth, 'HEAD');
  assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  assert.equal(css.headers.get('content-length'), '6');
  assert.equal((await get(`${base}/assets`, auth)).status, 404, 'directories are not listed');
  assert.equal((await get(`${base}/missing.js`, auth)).status, 404);
  assert.equal((await get(`${base}/`, auth, 'POST')).status, 405);

  const bare = await serve(t, { built: false });
  const res = await get(`${bare.base}/`, auth);
  assert.equal(res.status, 503);
  assert.match(await res.text(), /npm run build/);
});

test('no path leaves the dist directory', async (t) => {
  const { base } = await serve(t);
  const auth = { Authorization: `Bearer ${BEARER}` };
  for (const path of [
    '/..%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/index.html%00.js',
    '/.hidden',
    '/%E0%A4%A',
  ]) {
    const res = await get(`${base}${path}`, auth);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(await res.text(), /outside/);
  }
  const root = '/srv/dist';
  assert.equal(resolveInside(root, '/assets/a.js'), '/srv/dist/assets/a.js');
  assert.equal(resolveInside(root, '/../dist-evil/x'), null);
  assert.equal(resolveInside(root, '/'), null, 'the directory itself is not a file');
});

test('authorized() is what the WebSocket upgrade asks: cookie or bearer', async (t) => {
  const { ui, base, seen } = await serve(t);
  const login = await get(`${base}${ui.loginPath}`);
  const session = login.headers.get('set-cookie')!.split(';')[0]!;
  await get(`${base}/`, { Cookie: session });
  await get(`${base}/`, { Authorization: `Bearer ${BEARER}` });
  await get(`${base}/`, { Cookie: session.replace(/=.*/, '=wrong') });
  // Another daemon's port: the same secret under another name does not count.
  await get(`${base}/`, { Cookie: session.replace(/yoke-session-\d+/, 'yoke-session-1') });
  assert.deepEqual(
    seen.slice(-4).map((req) => ui.authorized(req)),
    [true, true, false, false],
  );
});

test('signed sessions outlive the process, for 30 days; /login-link needs the bearer', async (t) => {
  const root = tempDir('web-dist-signed', t);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Yoke</title>');
  const key = Buffer.alloc(32, 7);
  let clock = 1_800_000_000_000;
  const make = (sessionKey: Buffer) =>
    createWebUi({ distDir: root, token: TOKEN, bearerToken: BEARER, sessionKey, now: () => clock });
  let ui = make(key);
  const server = createServer((req, res) => {
    if (!ui.handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Only a terminal client with the bearer token mints a link; each works once.
  assert.equal((await get(`${base}/login-link`)).status, 401);
  const minted = await get(`${base}/login-link`, { Authorization: `Bearer ${BEARER}` });
  assert.equal(minted.status, 200);
  const link = (await minted.text()).trim();
  assert.match(link, /^\/login\?token=\S+$/);
  const login = await get(`${base}${link}`);
  assert.equal(login.status, 303);
  const cookie = login.headers.get('set-cookie')!;
  assert.match(cookie, /; Max-Age=2592000/);
  const session = cookie.split(';')[0]!;
  assert.equal((await get(`${base}${link}`)).status, 401, 'the link is spent');
  assert.equal(ui.spent, false, 'the printed link is still good');

  // A new process with the same key (a restarted daemon) knows the browser.
  ui = make(key);
  assert.equal((await get(`${base}/`, { Cookie: session })).status, 200);
  const forged = session.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  assert.equal((await get(`${base}/`, { Cookie: forged })).status, 401);
  // Another key (web-session.key deleted) or 30 days later: logged out.
  ui = make(Buffer.alloc(32, 8));
  assert.equal((await get(`${base}/`, { Cookie: session })).status, 401);
  ui = make(key);
  clock += 30 * 24 * 3600 * 1000;
  assert.equal((await get(`${base}/`, { Cookie: session })).status, 401);
});
