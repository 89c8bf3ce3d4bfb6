// Fleet processes for tests and the benchmark: `yoke serve` fronts and `yoke worker`s started
// from the built binary and stopped (SIGTERM, SIGKILL after a minute), each one's output kept;
// a check's gate that holds the first check that asks it; a bare repository to work on.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir, tempRepo, YOKE_BIN } from './cli.ts';

type Cleanup = { after: (fn: () => Promise<void> | void) => void };

export type Proc = {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
};

/** Starts `yoke …` (cwd: its YOKE_HOME) and resolves once its output matches `ready`. */
export function startProc(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Proc> {
  const child = spawn(process.execPath, [YOKE_BIN, ...args], {
    env,
    cwd: env.YOKE_HOME,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: Proc = { name: `${args[0]} ${env.YOKE_HOME}`, child, output: () => output, exited };
  return new Promise((resolve, reject) => {
    let done = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 1_000_000) output = output.slice(-500_000);
      if (!done && ready.test(output)) {
        done = true;
        resolve(proc);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      if (!done) reject(new Error(`yoke ${args[0]} exited (${code ?? signal}): ${output}`));
    });
  });
}

/** SIGTERM; SIGKILL if it has not stopped within a minute (a test must end either way). */
export async function stopProc(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 60_000)));
  if (await Promise.race([proc.exited.then(() => false), late])) {
    process.stderr.write(`${proc.name} did not stop on SIGTERM:\n${proc.output().slice(-5000)}\n`);
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
  clearTimeout(timer);
}

export type Gate = {
  port: number;
  /** The directory of the first check that asked (it is held until `release`). */
  first: Promise<string>;
  release: () => void;
  close: () => Promise<void>;
};

/**
 * A check's gate on loopback: the first request (a victim's check) is held until released,
 * every other one is answered at once.
 */
export async function startGate(): Promise<Gate> {
  let held: ServerResponse | null = null;
  let firstDir: ((dir: string) => void) | null = null;
  const first = new Promise<string>((resolve) => (firstDir = resolve));
  const server = createServer((req, res) => {
    const dir = new URL(req.url ?? '/', 'http://x').searchParams.get('dir') ?? '';
    if (firstDir) {
      held = res;
      firstDir(dir);
      firstDir = null;
      return;
    }
    res.end('ok\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    first,
    release: () => held?.end('ok\n'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A bare repository every worker reaches by path. Its check needs answer.txt — and, with a
 * gate, asks it (network on for checks).
 */
export function fleetOrigin(t: Cleanup | undefined, gatePort: number | null): string {
  const check = gatePort
    ? `test -f answer.txt && curl -sf \\"http://127.0.0.1:${gatePort}/check?dir=$PWD\\"`
    : 'test -f answer.txt';
  const work = tempRepo(
    {
      '.yoke/task.toml': `${gatePort ? 'network = true\n' : ''}checks = ["${check}"]\n`,
      'README.md': 'fleet\n',
    },
    t,
  );
  const bare = join(tempDir('origin', t), 'repo.git');
  execFileSync('git', ['clone', '--quiet', '--bare', work, bare]);
  return bare;
}
