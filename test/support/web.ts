// Helpers for the web page tests: the real `yoke serve` (with its login link), and headless
// Debian Chromium driven by playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser } from 'playwright-core';
import { YOKE_BIN } from './cli.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join('test-artifacts', 'web');

export type Serve = {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  base: string;
  /** ws://127.0.0.1:PORT */
  wsUrl: string;
  /** The one-time login link it printed. */
  loginUrl: string;
  /** The daemon's bearer token (YOKE_HOME/serve.token), as terminal clients use it. */
  bearer: string;
  stderr: () => string;
  stop: () => Promise<void>;
};

/** Starts `yoke serve` and resolves once it printed `Yoke is ready: …`. */
export async function startServe(env: NodeJS.ProcessEnv, home: string): Promise<Serve> {
  const child = spawn(process.execPath, [YOKE_BIN, 'serve'], {
    cwd: home,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const loginUrl = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^Yoke is ready: (http:\/\/\S+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('close', (code) =>
      reject(new Error(`yoke serve exited (${code}) before it was ready:\n${stderr}`)),
    );
  });
  const base = new URL(loginUrl).origin;
  return {
    child,
    base,
    wsUrl: base.replace(/^http/, 'ws'),
    loginUrl,
    bearer: readFileSync(join(home, 'serve.token'), 'utf8').trim(),
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Headless Chromium with a fresh profile, or null when the Debian package is missing. */
export async function launchChromium(): Promise<Browser | null> {
  if (!existsSync(CHROMIUM)) return null;
  mkdirSync(ARTIFACTS, { recursive: true });
  // launch() gives every run a fresh temporary profile (user-data-dir), removed on close.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The status code a WebSocket upgrade gets (101 when it was accepted). */
export async function upgradeStatus(url: string, headers: Record<string, string>) {
  const { WebSocket } = await import('ws');
  return new Promise<number>((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (err) => reject(err));
  });
}
