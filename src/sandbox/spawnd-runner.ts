// A process runner that starts commands through yoke-spawnd (native/spawnd.c), a tiny helper
// that posix_spawns them. Same behaviour as the direct runner — own process group, stdin on
// /dev/null, stdout+stderr interleaved, timeout and abort kill the group — without blocking
// Node's event loop for a fork of the whole Node process on every command.
import { Socket } from 'node:net';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

type Helper = ChildProcessByStdio<Writable, Readable, null>;
import { existsSync } from 'node:fs';
import { runProcess } from './direct-runner.ts';
import { OutputCapture } from './output-capture.ts';
import {
  notStarted,
  type ProcessOutcome,
  type ProcessRunner,
  type ProcessSpec,
} from './process-runner.ts';

const KILL_GRACE_MS = 500;
const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  9: 'SIGKILL',
  15: 'SIGTERM',
  6: 'SIGABRT',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
};

type Pending = {
  capture: OutputCapture;
  onOutput?: (chunk: string) => void;
  resolve: (outcome: ProcessOutcome) => void;
  started: number;
  pid: number | null;
  timedOut: boolean;
  aborted: boolean;
  cleanup: () => void;
};

export function spawndAvailable(binary: string): boolean {
  return existsSync(binary);
}

export function createSpawndRunner(
  binary: string,
  options: { maxCaptureBytes?: number } = {},
): ProcessRunner {
  let helper: Helper | null = null;
  let nextId = 1;
  let buffer: Buffer = Buffer.alloc(0);
  const pending = new Map<number, Pending>();

  const setRef = (on: boolean) => {
    if (!helper) return;
    const method = on ? 'ref' : 'unref';
    helper[method]();
    // Piped stdio is a net.Socket: it holds the event loop until unref'd too.
    for (const stream of [helper.stdout, helper.stdin])
      if (stream instanceof Socket) stream[method]();
  };

  const failAll = (message: string) => {
    for (const [id, p] of pending) {
      pending.delete(id);
      p.cleanup();
      p.resolve(outcome(p, { spawnError: message }));
    }
    helper = null;
  };

  const ensureHelper = (): Helper => {
    if (helper) return helper;
    const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.on('error', (err) => failAll(`yoke-spawnd failed: ${err.message}`));
    child.on('exit', (code, signal) => failAll(`yoke-spawnd exited (${signal ?? code})`));
    child.stdin.on('error', () => {});
    child.stdout.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      buffer = handleFrames(buffer);
    });
    helper = child;
    return child;
  };

  const handleFrames = (buf: Buffer): Buffer => {
    let pos = 0;
    while (buf.length - pos >= 9) {
      const kind = String.fromCharCode(buf[pos]!);
      const id = buf.readUInt32LE(pos + 1);
      const value = buf.readInt32LE(pos + 5);
      if (kind === 'O') {
        if (buf.length - pos < 9 + value) break;
        const p = pending.get(id);
        if (p) {
          const text = p.capture.push(buf.subarray(pos + 9, pos + 9 + value));
          if (text && p.onOutput) p.onOutput(text);
        }
        pos += 9 + value;
        continue;
      }
      pos += 9;
      const p = pending.get(id);
      if (!p) continue;
      if (kind === 'P') p.pid = value;
      else if (kind === 'F') finish(id, { spawnError: errnoText(value) });
      else if (kind === 'X') {
        const tail = p.capture.flush();
        if (tail && p.onOutput) p.onOutput(tail);
        const exited = (value & 0x7f) === 0;
        finish(
          id,
          exited
            ? { exitCode: (value >> 8) & 0xff }
            : { signal: SIGNALS[value & 0x7f] ?? `signal ${value & 0x7f}` },
        );
      }
    }
    return pos === buf.length ? Buffer.alloc(0) : buf.subarray(pos);
  };

  const finish = (id: number, partial: Partial<ProcessOutcome>) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    p.cleanup();
    p.resolve(outcome(p, partial));
    if (pending.size === 0) setRef(false);
  };

  const outcome = (p: Pending, partial: Partial<ProcessOutcome>): ProcessOutcome => ({
    exitCode: null,
    signal: null,
    output: p.capture.text(),
    totalBytes: p.capture.totalBytes,
    timedOut: p.timedOut,
    aborted: p.aborted,
    durationMs: Math.round(performance.now() - p.started),
    pid: p.pid,
    ...partial,
  });

  const send = (frame: Buffer) => ensureHelper().stdin.write(frame);

  const kill = (id: number, signal: number) => {
    const frame = Buffer.alloc(9);
    frame.write('K', 0, 'latin1');
    frame.writeUInt32LE(id, 1);
    frame.writeUInt32LE(signal, 5);
    if (helper) send(frame);
  };

  return {
    name: 'none',
    run(spec: ProcessSpec, opts): Promise<ProcessOutcome> {
      const started = performance.now();
      const capture = new OutputCapture(options.maxCaptureBytes);
      if (spec.argv.length === 0) {
        return Promise.resolve(notStarted({ spawnError: 'empty command' }));
      }
      // yoke-spawnd gives its children /dev/null for stdin: a command fed as it runs starts
      // from Node instead.
      if (spec.stdinStream) return runProcess(spec, opts, options.maxCaptureBytes);
      if (opts.signal.aborted) {
        return Promise.resolve({
          exitCode: null,
          signal: null,
          output: '',
          totalBytes: 0,
          timedOut: false,
          aborted: true,
          durationMs: 0,
          pid: null,
        });
      }
      const id = nextId++;
      return new Promise((resolve) => {
        let graceTimer: NodeJS.Timeout | undefined;
        let forceTimer: NodeJS.Timeout | undefined;
        const stop = () => {
          kill(id, 15);
          graceTimer = setTimeout(() => kill(id, 9), KILL_GRACE_MS);
          // A process that escaped its group could hold the pipe open: give up on it.
          forceTimer = setTimeout(() => finish(id, {}), KILL_GRACE_MS * 4);
        };
        const timer = setTimeout(() => {
          const p = pending.get(id);
          if (p) p.timedOut = true;
          stop();
        }, spec.timeoutMs);
        const onAbort = () => {
          const p = pending.get(id);
          if (p) p.aborted = true;
          stop();
        };
        opts.signal.addEventListener('abort', onAbort, { once: true });
        pending.set(id, {
          capture,
          ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
          resolve,
          started,
          pid: null,
          timedOut: false,
          aborted: false,
          cleanup: () => {
            clearTimeout(timer);
            clearTimeout(graceTimer);
            clearTimeout(forceTimer);
            opts.signal.removeEventListener('abort', onAbort);
          },
        });
        const env = spec.env ? Object.entries(spec.env).map(([k, v]) => `${k}=${v}`) : [];
        const strings = [spec.cwd, ...spec.argv, ...env]
          .map((s) => `${s.replaceAll('\0', '')}\0`)
          .join('');
        const payload = Buffer.from(strings);
        const frame = Buffer.alloc(17);
        frame.write('S', 0, 'latin1');
        frame.writeUInt32LE(id, 1);
        frame.writeUInt32LE(spec.argv.length, 5);
        frame.writeUInt32LE(env.length, 9);
        frame.writeUInt32LE(payload.length, 13);
        ensureHelper();
        setRef(true);
        send(Buffer.concat([frame, payload]));
      });
    },
  };
}

function errnoText(errno: number): string {
  const names: Record<number, string> = {
    2: 'ENOENT: no such file or directory',
    13: 'EACCES: permission denied',
    20: 'ENOTDIR: not a directory',
    7: 'E2BIG: argument list too long',
    11: 'EAGAIN: too many commands running',
  };
  return names[errno] ?? `errno ${errno}`;
}
