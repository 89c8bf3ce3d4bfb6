// Bearer tokens of WebSocket listeners. Every listener needs one: other users of the machine
// reach 127.0.0.1 too. `yoke app-server --listen` without --auth-token-file makes one and
// writes it to YOKE_HOME/app-server-PORT.token (0600); clients of the same user on the same
// machine (`yoke --remote`, `yoke approve --remote`) find it there by the URL's port.
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHome } from '../../runtime/yoke-home.ts';
import { isLoopbackHost } from '../../server/ws-transport.ts';
import { UsageError } from './args.ts';
import { runningDaemon } from './daemon.ts';

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

export function appServerTokenFile(home: string, port: number): string {
  return join(home, `app-server-${port}.token`);
}

/** Writes `token` for the listener on `port`, readable only by this user; answers the path. */
export function writeListenerToken(home: string, port: number, token: string): string {
  createHome(home);
  const file = appServerTokenFile(home, port);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${token}\n`, { mode: 0o600 });
  renameSync(temp, file);
  return file;
}

export function removeListenerToken(home: string, port: number, token: string): void {
  const file = appServerTokenFile(home, port);
  if (readText(file).trim() === token) rmSync(file, { force: true });
}

/** The token in `path` (--auth-token-file), checked. */
export function readTokenFile(path: string): string {
  let token: string;
  try {
    token = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new UsageError(
      `--auth-token-file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
  if (token.length < 16)
    throw new UsageError(
      `--auth-token-file ${path}: the token is too short (16 characters at least)`,
    );
  return token;
}

/**
 * The token to attach to `url`: from --auth-token-file when given, else the one this YOKE_HOME's
 * app-server or `yoke serve` wrote for that loopback port (undefined: none found).
 */
export function tokenFor(
  url: string,
  tokenFile: string | undefined,
  home: string,
): string | undefined {
  if (tokenFile) return readTokenFile(tokenFile);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!isLoopbackHost(parsed.hostname.replace(/^\[|\]$/g, '')) || !parsed.port) return undefined;
  const written = readText(appServerTokenFile(home, Number(parsed.port))).trim();
  if (written) return written;
  const daemon = runningDaemon(home);
  if (daemon && new URL(daemon.url).port === parsed.port) return daemon.token;
  return undefined;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
