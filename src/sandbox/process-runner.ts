// Running a child process, as every tool that runs one sees it. Backends (none, bwrap,
// seatbelt) implement this one interface; tools never spawn on their own.
import type { Writable } from 'node:stream';

export type ProcessSpec = {
  /** argv; argv[0] is looked up on PATH. */
  argv: string[];
  cwd: string;
  /** Kill the process group after this long. */
  timeoutMs: number;
  env?: Record<string, string>;
  stdin?: string;
  /**
   * The process's stdin as a pipe the caller writes to as it likes (command/exec with
   * streamStdin), handed over once the process has started; unset, stdin is `stdin` or
   * /dev/null.
   */
  stdinStream?: (stdin: Writable) => void;
  /** Run outside the sandbox (only after the user approved exactly that). */
  unsandboxed?: boolean;
  /**
   * For runners that sandbox each command on its own (a task's setup, `run` and check
   * commands): what this command may do. Such a runner makes `cwd` the workspace.
   */
  sandbox?: CommandSandbox;
};

export type CommandSandbox = {
  /** read-only: nothing written (a private /tmp aside); default workspace-write. */
  mode?: 'read-only' | 'workspace-write';
  networkAccess: boolean;
  /** More writable directories (a task's declared caches), absolute. */
  extraRoots?: readonly string[];
};

export type ProcessOutcome = {
  exitCode: number | null;
  signal: string | null;
  /** stdout and stderr interleaved as they arrived (capped at maxCaptureBytes). */
  output: string;
  /** Bytes produced in total, including what was not captured. */
  totalBytes: number;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  pid: number | null;
  /** Set when the process could not be started at all. */
  spawnError?: string;
  /** The sandbox limit that most likely ended it ("killed: memory limit 2 GiB …"). */
  limit?: string;
};

export type ProcessRunner = {
  readonly name: string;
  run(
    spec: ProcessSpec,
    options: { signal: AbortSignal; onOutput?: (chunk: string) => void },
  ): Promise<ProcessOutcome>;
};

/** The outcome of a process that never started (or was refused before it could). */
export function notStarted(
  partial: Partial<ProcessOutcome> & { spawnError?: string },
): ProcessOutcome {
  return {
    exitCode: null,
    signal: null,
    output: '',
    totalBytes: 0,
    timedOut: false,
    aborted: false,
    durationMs: 0,
    pid: null,
    ...partial,
  };
}
