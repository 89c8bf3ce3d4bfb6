// The `none` backend: runs the process directly on the host, in its own process group so
// that an interrupt or a timeout kills the whole tree. Sandboxed backends wrap the argv and
// delegate here.
import { spawn } from 'node:child_process';
import type { ProcessOutcome, ProcessRunner, ProcessSpec } from './process-runner.ts';
import { OutputCapture } from './output-capture.ts';

/** After SIGTERM, a process group gets this long before SIGKILL. */
const KILL_GRACE_MS = 500;

export function createDirectRunner(options: { maxCaptureBytes?: number } = {}): ProcessRunner {
  return {
    name: 'none',
    run: (spec, opts) => runProcess(spec, opts, options.maxCaptureBytes),
  };
}

export function runProcess(
  spec: ProcessSpec,
  opts: { signal: AbortSignal; onOutput?: (chunk: string) => void },
  maxCaptureBytes?: number,
): Promise<ProcessOutcome> {
  const started = performance.now();
  const capture = new OutputCapture(maxCaptureBytes);
  const [file, ...args] = spec.argv;
  const finish = (partial: Partial<ProcessOutcome>): ProcessOutcome => ({
    exitCode: null,
    signal: null,
    output: capture.text(),
    totalBytes: capture.totalBytes,
    timedOut: false,
    aborted: false,
    durationMs: Math.round(performance.now() - started),
    pid: null,
    ...partial,
  });
  if (!file) return Promise.resolve(finish({ spawnError: 'empty command' }));
  if (opts.signal.aborted) return Promise.resolve(finish({ aborted: true }));

  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: [spec.stdin === undefined && !spec.stdinStream ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, spec.timeoutMs);
    const onAbort = () => {
      aborted = true;
      killGroup();
    };
    opts.signal.addEventListener('abort', onAbort, { once: true });

    const onData = (chunk: Buffer) => {
      const text = capture.push(chunk);
      if (text && opts.onOutput) opts.onOutput(text);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    if (spec.stdinStream) {
      // A process that exits before reading all of it is no error of the writer's.
      child.stdin!.on('error', () => {});
      if (child.pid !== undefined) spec.stdinStream(child.stdin!);
    } else if (spec.stdin !== undefined) child.stdin!.end(spec.stdin);

    const done = (partial: Partial<ProcessOutcome>) => {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
      // Descendants that kept the pipes open die with the group.
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      if (killTimer) clearTimeout(killTimer);
      resolve(finish({ timedOut, aborted, pid: child.pid ?? null, ...partial }));
    };
    child.on('error', (err) => done({ spawnError: err.message }));
    child.on('close', (code, signal) => {
      const tail = capture.flush();
      if (tail && opts.onOutput) opts.onOutput(tail);
      done({ exitCode: code, signal });
    });
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
