// The web page's HTTP side: the built page (web/dist) as static files, the login link, and the
// check every request and WebSocket upgrade goes through.
//
// Auth, because whoever reaches the page can run commands through the agent:
// - `yoke serve` prints one link with a one-time login token (`yoke web` asks the running
//   daemon for another through GET /login-link, with the bearer token). The first visit of a
//   link spends its token and sets a session cookie (HttpOnly so page scripts cannot read it,
//   SameSite=Strict so other sites cannot ride on it) and redirects to /.
// - With a session key (YOKE_HOME/web-session.key) the cookie is signed with it, so it stays
//   valid when the daemon restarts: an open tab reconnects by itself. It expires after 30 days;
//   deleting the key logs every browser out. Without a key, sessions live in memory.
// - Every other request — the HTML, the scripts, the styles and the WebSocket upgrade — needs
//   that cookie or `Authorization: Bearer <token>` with the daemon's API token (terminal
//   clients). Anything else gets 401 and a short page saying how to log in.
// - Requests must name a loopback Host (a rebound DNS name is refused).
// - Cookies do not separate ports, so the cookie's name carries the port: two daemons on one
//   machine do not log each other out.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

export type WebUiOptions = {
  /** The built page: index.html and assets/. */
  distDir: string;
  /** The login link's token; spent by its first use. */
  token: string;
  /** Accepted as `Authorization: Bearer` from terminal clients (never spent). */
  bearerToken?: string;
  /** Signs session cookies, so they outlive this process (at least 32 bytes). */
  sessionKey?: Buffer;
  /** For tests: the clock. */
  now?: () => number;
};

export type WebUi = {
  /** Serves the page, its files and /login; false when the request is not the page's. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** A valid session cookie or bearer token (for the WebSocket upgrade too). */
  authorized(req: IncomingMessage): boolean;
  /** The path to print, e.g. `/login?token=…` (still valid until it is used). */
  readonly loginPath: string;
  /** Whether the first login token was used. */
  readonly spent: boolean;
  /** A new one-time login path (what GET /login-link answers `yoke web`). */
  newLoginPath(): string;
};

/** How long a session cookie lasts. */
export const SESSION_MAX_AGE_S = 30 * 24 * 3600;
/** Login links not yet used, at most (the oldest is dropped). */
const MAX_OPEN_LINKS = 16;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths the transport keeps for itself. */
const NOT_OURS = new Set(['/healthz']);

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // Approve buttons must not be clickable through someone else's frame.
  'X-Frame-Options': 'DENY',
  // The login link carries the token; never send it on as a Referer.
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

const digest = (s: string) => createHash('sha256').update(s).digest();
const sign = (key: Buffer, s: string) => createHmac('sha256', key).update(s).digest('base64url');
const sameSecret = (given: string, expected: Buffer) => timingSafeEqual(digest(given), expected);

export function createWebUi(options: WebUiOptions): WebUi {
  const root = resolve(options.distDir);
  const now = options.now ?? Date.now;
  const firstDigest = digest(options.token);
  /** Digests of the login tokens not used yet. */
  const open: Buffer[] = [firstDigest];
  const bearerDigest = options.bearerToken ? digest(options.bearerToken) : null;
  const sessions: Buffer[] = [];
  const key = options.sessionKey ?? null;
  let spent = false;

  const newSession = (): string => {
    if (key) {
      const secret = `${now()}.${randomBytes(24).toString('base64url')}`;
      return `${secret}.${sign(key, secret)}`;
    }
    const secret = randomBytes(32).toString('base64url');
    sessions.push(digest(secret));
    return secret;
  };
  const validSession = (value: string): boolean => {
    if (!key) return sessions.some((s) => sameSecret(value, s));
    const dot = value.lastIndexOf('.');
    const secret = value.slice(0, dot);
    const issued = Number(secret.split('.', 1)[0]);
    if (dot < 0 || !Number.isFinite(issued)) return false;
    if (!sameSecret(value.slice(dot + 1), digest(sign(key, secret)))) return false;
    return issued <= now() + 60_000 && now() - issued < SESSION_MAX_AGE_S * 1000;
  };
  const hasSession = (req: IncomingMessage): boolean => {
    const value = readCookie(req, cookieName(req));
    return value !== null && validSession(value);
  };
  const hasBearer = (req: IncomingMessage): boolean => {
    const match = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
    return bearerDigest !== null && match !== null && sameSecret(match[1]!, bearerDigest);
  };
  const authorized = (req: IncomingMessage) => hasSession(req) || hasBearer(req);

  const login = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const token = url.searchParams.get('token') ?? '';
    const at = token === '' ? -1 : open.findIndex((d) => sameSecret(token, d));
    if (at >= 0) {
      if (open[at] === firstDigest) spent = true;
      open.splice(at, 1);
      const lasting = key ? `; Max-Age=${SESSION_MAX_AGE_S}` : '';
      res.setHeader(
        'Set-Cookie',
        `${cookieName(req)}=${newSession()}; Path=/; HttpOnly; SameSite=Strict${lasting}`,
      );
      redirectHome(res);
      return;
    }
    // A second click on the link from a browser that is already logged in just goes home.
    if (authorized(req)) return redirectHome(res);
    unauthorized(res, 'This login link was already used, or is not valid.');
  };
  const newLoginPath = (): string => {
    const token = randomBytes(24).toString('base64url');
    open.push(digest(token));
    if (open.length > MAX_OPEN_LINKS) open.splice(0, open.length - MAX_OPEN_LINKS);
    return `/login?token=${encodeURIComponent(token)}`;
  };

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (NOT_OURS.has(url.pathname)) return false;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    // DNS rebinding: a page from another site whose name resolves to 127.0.0.1 sends its own
    // Host. It has no cookie for it anyway; refuse it before anything else.
    if (!loopbackHost(req.headers.host)) {
      plain(res, 421, 'this server answers only to 127.0.0.1, localhost and [::1]');
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('not allowed');
      return true;
    }
    if (url.pathname === '/login') {
      login(req, res, url);
      return true;
    }
    // `yoke web`: a fresh login link, for terminal clients of this user only (the bearer token).
    if (url.pathname === '/login-link') {
      if (!hasBearer(req)) unauthorized(res, 'A login link needs the bearer token.');
      else plain(res, 200, newLoginPath());
      return true;
    }
    if (!authorized(req)) {
      unauthorized(res, 'Log in with the link printed by yoke serve.');
      return true;
    }
    serveFile(req, res, root, url.pathname);
    return true;
  };

  return {
    handle,
    authorized,
    loginPath: `/login?token=${encodeURIComponent(options.token)}`,
    get spent() {
      return spent;
    },
    newLoginPath,
  };
}

function loopbackHost(host: string | undefined): boolean {
  const name = (host ?? '').replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name === '[::1]' || /^127(\.\d{1,3}){3}$/.test(name);
}

/** `yoke-session-PORT`, from the Host header (browsers send the port they connected to). */
function cookieName(req: IncomingMessage): string {
  const port = /:(\d+)$/.exec(req.headers.host ?? '')?.[1] ?? '80';
  return `yoke-session-${port}`;
}

function readCookie(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function redirectHome(res: ServerResponse): void {
  res.writeHead(303, { Location: '/', 'Cache-Control': 'no-store' }).end();
}

function unauthorized(res: ServerResponse, message: string): void {
  const body =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Yoke: log in</title>' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"></head>' +
    '<body style="font: 16px system-ui, sans-serif; margin: 4rem auto; max-width: 36rem">' +
    `<h1>Yoke</h1><p>${message}</p>` +
    '<p>Run <code>yoke web</code> in a terminal for a new login link. It looks like ' +
    '<code>http://127.0.0.1:PORT/login?token=…</code> and works once; this browser stays ' +
    'logged in afterwards, across restarts of yoke serve.</p></body></html>';
  res.writeHead(401, {
    'Content-Type': 'text/html; charset=utf-8',
    // A static page with one inline style attribute, and nothing else allowed.
    'Content-Security-Policy':
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

function serveFile(req: IncomingMessage, res: ServerResponse, root: string, pathname: string) {
  const file = resolveInside(root, pathname === '/' ? '/index.html' : pathname);
  const stat = file === null ? null : statOrNull(file);
  if (file === null || stat === null || !stat.isFile()) {
    if (pathname === '/') {
      return plain(
        res,
        503,
        'The web page is not built: run `npm run build` in the Yoke checkout.',
      );
    }
    return plain(res, 404, 'not found');
  }
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  // Vite names assets by content hash: they never change. The page itself is revalidated.
  const immutable = pathname.startsWith('/assets/');
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': stat.size,
    'Cache-Control': immutable ? 'private, max-age=31536000, immutable' : 'private, no-cache',
    'Last-Modified': stat.mtime.toUTCString(),
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** The file under root a URL path names, or null for anything that would step outside it. */
export function resolveInside(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return null;
  const file = resolve(root, ...segments);
  return file.startsWith(root + sep) ? file : null;
}

function statOrNull(file: string) {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
