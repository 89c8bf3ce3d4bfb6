// Running the built `yoke` binary in tests, in throwaway repositories and homes.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const YOKE_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/yoke.js');

export type RunResult = {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
};

type Cleanup = { after: (fn: () => void) => void };

/** A temp dir, removed when the test (`t`) ends. */
export function tempDir(prefix: string, t?: Cleanup): string {
  const dir = mkdtempSync(join(tmpdir(), `yoke-${prefix}-`));
  t?.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A git repository with the given files committed. */
export function tempRepo(files: Record<string, string>, t?: Cleanup): string {
  const dir = tempDir('repo', t);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'init');
  return dir;
}

/** Environment for a yoke run against a mock model, with state under `home`. */
export function yokeEnv(
  mockUrl: string,
  home: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    YOKE_HOME: home,
    OPENAI_BASE_URL: mockUrl,
    OPENAI_API_KEY: 'test-key',
    ...extra,
  };
  return env;
}

export function startYoke(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string },
): ChildProcess {
  const child = spawn(process.execPath, [YOKE_BIN, ...args], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin!.end(opts.stdin ?? '');
  return child;
}

export function collect(child: ChildProcess): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

export function runYoke(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string },
): Promise<RunResult> {
  return collect(startYoke(args, opts));
}

/** Resolves with the first stdout line for which `match` is true. */
export function waitForLine(
  child: ChildProcess,
  match: (line: string) => boolean,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer | string) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (match(line)) {
          child.stdout!.off('data', onData);
          resolve(line);
          return;
        }
      }
    };
    child.stdout!.on('data', onData);
    child.on('close', () => reject(new Error('process exited before the expected line')));
  });
}

export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
