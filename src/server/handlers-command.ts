// command/exec: one command outside any thread, sandboxed like a thread's, its output
// answered or streamed to the connection that asked; command/exec/write feeds its stdin
// (streamStdin), command/exec/terminate stops it. Process ids are the client's, scoped to its
// connection, as in Codex. Commands run on pipes, never a PTY: tty and resize are refused.
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { sandboxModeOf } from '../protocol/thread.ts';
import { RuntimeError } from '../runtime/errors.ts';
import type { AppServer } from './app-server.ts';
import type { ConnectionContext, Handlers } from './router.ts';

/** Exit code reported for a command that was killed (timeout, terminate): 128 + SIGKILL. */
const KILLED_EXIT = 137;

export function commandHandlers(server: AppServer): Handlers {
  const { manager } = server;
  /** Per connection: processId → the running command. */
  const byConnection = new WeakMap<ConnectionContext, Map<string, Running>>();
  const runningOf = (ctx: ConnectionContext) => {
    let map = byConnection.get(ctx);
    if (!map) byConnection.set(ctx, (map = new Map()));
    return map;
  };
  const find = (method: string, ctx: ConnectionContext, processId: string): Running => {
    const found = runningOf(ctx).get(processId);
    if (!found)
      throw new RuntimeError('input_invalid', `${method}: no running command ${processId}`);
    return found;
  };
  return {
    'command/exec': async (params, ctx) => {
      if (params.tty || params.size)
        throw new RuntimeError(
          'input_invalid',
          'command/exec: Yoke runs commands on pipes, without a terminal (no PTY), so tty and ' +
            'size are not supported; use streamStdin to write to the command’s stdin',
        );
      const processId = params.processId ?? null;
      if ((params.streamStdoutStderr || params.streamStdin) && !processId)
        throw new RuntimeError(
          'input_invalid',
          'command/exec: streamStdoutStderr and streamStdin need a processId',
        );
      const running = runningOf(ctx);
      if (processId && running.has(processId))
        throw new RuntimeError('input_invalid', `command/exec: ${processId} is already running`);
      const cwd = resolve(params.cwd ?? process.cwd());
      const policy = params.sandboxPolicy;
      const mode = policy ? sandboxModeOf(policy) : manager.config.sandboxMode;
      const network =
        policy && policy.type !== 'dangerFullAccess' ? policy.networkAccess : undefined;
      const { runner, dispose } = manager.commandSandbox(cwd, mode, network);
      const abort = new AbortController();
      let started: (stdin: Writable | null) => void = () => {};
      const entry: Running = {
        abort,
        stdin: new Promise((ready) => (started = ready)),
        streamStdin: params.streamStdin === true,
      };
      if (processId) running.set(processId, entry);
      const offClose = ctx.onClose(() => abort.abort());
      try {
        const env = Object.fromEntries(
          Object.entries(params.env ?? {}).filter((e): e is [string, string] => e[1] !== null),
        );
        const outcome = await runner.run(
          {
            argv: params.command,
            cwd,
            timeoutMs: params.disableTimeout
              ? 2 ** 31 - 1
              : (params.timeoutMs ?? manager.config.commandTimeoutMs),
            ...(Object.keys(env).length ? { env } : {}),
            ...(entry.streamStdin
              ? {
                  stdinStream: (stdin: Writable) => started(stdin),
                }
              : {}),
          },
          {
            signal: abort.signal,
            ...(params.streamStdoutStderr && processId
              ? {
                  onOutput: (chunk: string) =>
                    ctx.notify({
                      method: 'command/exec/outputDelta',
                      params: {
                        processId,
                        stream: 'stdout',
                        deltaBase64: Buffer.from(chunk).toString('base64'),
                        capReached: false,
                      },
                    }),
                }
              : {}),
          },
        );
        if (outcome.spawnError)
          throw new RuntimeError('input_invalid', `command/exec: ${outcome.spawnError}`);
        const killed = outcome.timedOut || outcome.aborted || outcome.exitCode === null;
        return {
          exitCode: killed ? (outcome.exitCode ?? KILLED_EXIT) : outcome.exitCode!,
          stdout: params.streamStdoutStderr ? '' : outcome.output,
          stderr: '',
        };
      } finally {
        offClose();
        if (processId) running.delete(processId);
        started(null);
        void entry.stdin.then((stdin) => stdin?.destroy());
        dispose();
      }
    },
    'command/exec/terminate': (params, ctx) => {
      find('command/exec/terminate', ctx, params.processId).abort.abort();
      return {};
    },
    'command/exec/write': async (params, ctx) => {
      const entry = find('command/exec/write', ctx, params.processId);
      if (!entry.streamStdin)
        throw new RuntimeError(
          'input_invalid',
          `command/exec/write: ${params.processId} was started without streamStdin; its stdin is /dev/null`,
        );
      // A write sent right after command/exec waits for the process to start.
      const stdin = await entry.stdin;
      if (!stdin || stdin.writableEnded || stdin.destroyed)
        throw new RuntimeError(
          'input_invalid',
          `command/exec/write: the stdin of ${params.processId} is closed`,
        );
      if (params.deltaBase64) {
        const bytes = Buffer.from(params.deltaBase64, 'base64');
        await new Promise<void>((done) => stdin.write(bytes, () => done()));
      }
      if (params.closeStdin) stdin.end();
      return {};
    },
    'command/exec/resize': (params, ctx) => {
      find('command/exec/resize', ctx, params.processId);
      throw new RuntimeError(
        'input_invalid',
        `command/exec/resize: ${params.processId} has no terminal to resize: Yoke runs ` +
          'commands on pipes, never a PTY (tty is not supported)',
      );
    },
  };
}

type Running = {
  abort: AbortController;
  /** The command's stdin once it has started (null: it never did, or has ended). */
  stdin: Promise<Writable | null>;
  streamStdin: boolean;
};
