// The web page of `yoke serve`: the built page (web/dist of this checkout) on the daemon's
// port, behind a one-time login link that the daemon prints when it is ready.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWebUi, type WebUi } from '../../server/web-ui.ts';

export type ServeWeb = WebUi & {
  /** `Yoke is ready: http://HOST:PORT/login?token=…`, for the daemon's listen URL. */
  readyLine(wsUrl: string): string;
};

/**
 * `apiToken` is the daemon's bearer token: terminal clients keep using it. `sessionKey` signs
 * the browsers' session cookies, so they survive a restart (daemon.ts webSessionKey).
 */
export function serveWeb(apiToken: string, sessionKey?: Buffer, distDir = webDistDir()): ServeWeb {
  const ui = createWebUi({
    distDir,
    token: randomBytes(24).toString('base64url'),
    bearerToken: apiToken,
    ...(sessionKey ? { sessionKey } : {}),
  });
  return Object.assign(ui, {
    readyLine: (wsUrl: string) => `Yoke is ready: ${wsUrl.replace(/^ws/, 'http')}${ui.loginPath}`,
  });
}

/**
 * web/dist of the checkout this code runs from. The CLI runs bundled (dist/yoke.js, or a
 * chunk under dist/chunks/) or from source, so look upwards for Yoke's package.json.
 */
export function webDistDir(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && isYoke(manifest)) return join(dir, 'web', 'dist');
    if (dirname(dir) === dir) return join(from, 'web', 'dist');
  }
}

function isYoke(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'yoke';
  } catch {
    return false;
  }
}
