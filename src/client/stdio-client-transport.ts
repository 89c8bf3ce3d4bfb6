// Node only: spawns a server (e.g. `yoke app-server`) and speaks JSONL over its stdin/stdout.
// The child's stderr is passed through by default, so its logs stay visible.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { encodeLine, JsonlDecoder } from '../protocol/jsonl.ts';
import type { MessageTransport } from '../protocol/transport.ts';

export type SpawnTransportOptions = {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** 'inherit' (default), 'pipe' (read child.stderr yourself) or 'ignore'. */
  stderr?: 'inherit' | 'pipe' | 'ignore';
  maxLineBytes?: number;
  /** After close(), how long the child gets to exit on its own before SIGKILL. */
  killAfterMs?: number;
};

export type SpawnedTransport = { transport: MessageTransport; child: ChildProcess };

export function spawnStdioTransport(
  command: string,
  args: readonly string[],
  options: SpawnTransportOptions = {},
): SpawnedTransport {
  const stdio: StdioOptions = ['pipe', 'pipe', options.stderr ?? 'inherit'];
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio });
  const stdin = child.stdin!;
  const stdout = child.stdout!;

  const messageHandlers: ((text: string) => void)[] = [];
  const closeHandlers: ((reason: string) => void)[] = [];
  const drainHandlers: (() => void)[] = [];
  let closed = false;
  const finish = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const h of closeHandlers.splice(0)) h(reason);
  };

  const decoder = new JsonlDecoder(options.maxLineBytes ?? 64 * 1024 * 1024, {
    onLine: (line) => {
      for (const h of messageHandlers) h(line);
    },
    // The server never sends such a line; dropping it beats buffering without bound.
    onOversize: () => {},
  });
  stdout.on('data', (chunk: Buffer) => decoder.push(chunk));
  stdout.on('end', () => decoder.end());
  stdin.on('error', () => {}); // EPIPE once the child is gone; 'exit' reports the closing.
  stdin.on('drain', () => {
    for (const h of drainHandlers) h();
  });
  child.on('error', (err) => finish(`could not run ${command}: ${err.message}`));
  // 'close', not 'exit': it comes after stdout ended, so no last answer is lost.
  child.on('close', (code, signal) => finish(`server exited (${signal ?? code})`));

  const transport: MessageTransport = {
    send(text) {
      if (closed || stdin.destroyed) return true;
      return stdin.write(encodeLine(text));
    },
    onMessage: (h) => void messageHandlers.push(h),
    onClose: (h) => void closeHandlers.push(h),
    onDrain: (h) => void drainHandlers.push(h),
    close() {
      if (closed) return;
      // End of stdin is the polite stop for a stdio server; a stubborn one is killed.
      stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 2000);
      timer.unref();
      child.once('exit', () => clearTimeout(timer));
    },
  };
  return { transport, child };
}
