// The task daemon's state under YOKE_HOME, and how `yoke task …` finds it — or starts it in the
// background when none runs.
//
//   serve.json   {url, pid, startedAtMs}: where the running daemon listens
//   serve.token  the bearer token every connection must present (mode 0600: only this user)
//   serve.lock   the daemon's pid, created exclusively: one daemon per home
//   serve.log    what a daemon started in the background prints
//   serve.port   the port it listened on last: the next start takes it again when it is free,
//                so open web pages find the daemon after a restart
//   web-session.key  signs the web page's session cookies (0600; delete it to log every
//                browser out)
//
// A file whose pid is no longer alive is stale and is replaced.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { YokeClient } from '../../client/client.ts';
import { connectWebSocket } from '../../client/ws-client-transport.ts';
import { CLI_VERSION } from '../../runtime/version.ts';

export type ServeInfo = { url: string; pid: number; startedAtMs: number };

export const servePaths = (home: string) => ({
  info: join(home, 'serve.json'),
  token: join(home, 'serve.token'),
  lock: join(home, 'serve.lock'),
  log: join(home, 'serve.log'),
  port: join(home, 'serve.port'),
  sessionKey: join(home, 'web-session.key'),
});

/** The port the last daemon of `home` listened on, or 0 (any free port). */
export function rememberedPort(home: string): number {
  const port = Number(readText(servePaths(home).port).trim());
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : 0;
}

export function rememberPort(home: string, port: number): void {
  writeAtomic(servePaths(home).port, `${port}\n`, 0o600);
}

/** The key that signs web sessions, made on first use (32 random bytes, this user only). */
export function webSessionKey(home: string): Buffer {
  const path = servePaths(home).sessionKey;
  const existing = readText(path).trim();
  if (/^[0-9a-f]{64}$/.test(existing)) return Buffer.from(existing, 'hex');
  const key = randomBytes(32);
  writeAtomic(path, key.toString('hex'), 0o600);
  return key;
}

export class DaemonError extends Error {
  readonly code = 'daemon_failed';
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (killed, not yet reaped by its parent) is not a daemon.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/**
 * Takes the one-daemon-per-home lock (or another one-per-home lock, `yoke worker`'s). Answers
 * null when this process took it, else the pid of the one that holds it (the caller defers).
 */
export function acquireLock(home: string, lock = servePaths(home).lock): number | null {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readText(lock));
      if (pidAlive(holder) && holder !== process.pid) return holder;
      rmSync(lock, { force: true });
    }
  }
  throw new DaemonError(`could not take ${lock}; remove it if no yoke serve is running`);
}

/** A fresh token, readable only by this user. */
export function writeToken(home: string): string {
  const token = randomBytes(32).toString('hex');
  writeAtomic(servePaths(home).token, token, 0o600);
  return token;
}

export function writeServeInfo(home: string, info: ServeInfo): void {
  writeAtomic(servePaths(home).info, `${JSON.stringify(info)}\n`, 0o600);
}

/** Removes the state files of this process's daemon (not of a newer one). */
export function removeServeState(home: string): void {
  const paths = servePaths(home);
  if (Number(readText(paths.lock)) !== process.pid) return;
  rmSync(paths.info, { force: true });
  rmSync(paths.token, { force: true });
  rmSync(paths.lock, { force: true });
}

/** The running daemon, or null (stale files count as none). */
export function runningDaemon(home: string): (ServeInfo & { token: string }) | null {
  const paths = servePaths(home);
  let info: ServeInfo;
  try {
    info = JSON.parse(readText(paths.info)) as ServeInfo;
  } catch {
    return null;
  }
  const token = readText(paths.token).trim();
  if (!pidAlive(info.pid) || !token) return null;
  return { ...info, token };
}

export type Connected = { client: YokeClient; url: string; started: boolean };

/** Connects to the daemon of `home`, starting one in the background when none runs. */
export async function connectDaemon(
  home: string,
  notice: (line: string) => void,
): Promise<Connected> {
  const { daemon, started } = await ensureDaemon(home, notice);
  const transport = await connectWebSocket(daemon.url, { authToken: daemon.token });
  const client = new YokeClient(transport);
  await client.initialize({ name: 'yoke-cli', title: 'yoke task', version: CLI_VERSION });
  return { client, url: daemon.url, started };
}

/** The running daemon of `home`, started in the background when none runs. */
export async function ensureDaemon(
  home: string,
  notice: (line: string) => void,
): Promise<{ daemon: ServeInfo & { token: string }; started: boolean }> {
  let daemon = runningDaemon(home);
  let started = false;
  if (!daemon) {
    const pid = await startInBackground(home);
    daemon = runningDaemon(home);
    if (!daemon)
      throw new DaemonError(`the task daemon did not start; see ${servePaths(home).log}`);
    started = daemon.pid === pid;
    if (started) {
      notice(
        `started the task daemon (pid ${daemon.pid}) at ${daemon.url}; log: ${servePaths(home).log}`,
      );
    }
  }
  return { daemon, started };
}

/**
 * Starts `yoke serve` detached, its output appended to serve.log, and waits for it to say on a
 * pipe (fd 3) that it listens — or that another daemon already does. Answers its pid.
 */
async function startInBackground(home: string): Promise<number> {
  const { log } = servePaths(home);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const out = openSync(log, 'a', 0o600);
  const bin = process.argv[1]!;
  const child = spawn(process.execPath, [bin, 'serve', '--ready-fd', '3'], {
    detached: true,
    stdio: ['ignore', out, out, 'pipe'],
    env: { ...process.env, YOKE_HOME: home },
    cwd: home,
  });
  closeSync(out);
  const ready = child.stdio[3] as NodeJS.ReadableStream;
  let said = '';
  ready.setEncoding('utf8');
  ready.on('data', (chunk: string) => (said += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  await new Promise<void>((resolve) => ready.once('close', () => resolve()));
  if (!said.trim()) {
    const code = await exited;
    const tail = readText(log).trimEnd().split('\n').slice(-5).join('\n');
    throw new DaemonError(`the task daemon exited (${code}) before listening; ${log}:\n${tail}`);
  }
  child.unref();
  return child.pid!;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function writeAtomic(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}
