// What the Redis and PostgreSQL helpers share: finding a program, a free loopback port, and a
// server process started by the test that can be stopped, restarted on the same port and data,
// and is never left behind.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The path of `name` on PATH (or the sbin folders), or an Error naming the package to install. */
export function findProgram(name: string, pkg: string, extraDirs: string[] = []): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', ...extraDirs];
  for (const dir of dirs) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not here.
    }
  }
  throw new Error(`${name} is not installed: apt-get install ${pkg} (.ci/run installs it)`);
}

/** A port on 127.0.0.1 that was free a moment ago (the caller retries if it is taken since). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export type ServerProcess = {
  child: ChildProcess;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
};

/**
 * Spawns a server and resolves once a line of its output matches `ready`; rejects with the end
 * of its output if it exits first (`taken` tells when that was a port already in use).
 */
export function spawnServer(
  command: string,
  args: string[],
  options: SpawnOptions & { ready: RegExp; name: string },
): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let ready = false;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!ready && options.ready.test(output)) {
        ready = true;
        resolve({ child, exited });
      }
      if (output.length > 64 * 1024) output = output.slice(-32 * 1024);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (err) =>
      reject(new Error(`${options.name} did not start: ${err.message}`)),
    );
    child.once('exit', (code, signal) => {
      if (ready) return;
      const tail = output.trim().split('\n').slice(-4).join(' | ');
      const err = new Error(
        `${options.name} exited (${code ?? signal}) before it was ready: ${tail}`,
      );
      (err as Error & { taken?: boolean }).taken = /already in use|could not bind/i.test(output);
      reject(err);
    });
    killOnExit(child);
  });
}

/** Tries `start` on fresh free ports until one is not taken meanwhile. */
export async function onFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (err) {
      if (!(err as { taken?: boolean }).taken || attempt >= 4) throw err;
    }
  }
}

const alive = new Set<ChildProcess>();
let hooked = false;

/** A server this test process started dies with it, even when a test forgets to stop it. */
function killOnExit(child: ChildProcess): void {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of alive) c.kill('SIGKILL');
  });
}

/** Signals a server we started and waits until it has exited. */
export async function stopServer(server: ServerProcess, signal: NodeJS.Signals): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
  await server.exited;
}
