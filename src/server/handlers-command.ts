// command/exec: one command outside any thread, sandboxed like a thread's, its output
// answered or streamed to the connection that asked; command/exec/terminate stops it.
import { resolve } from 'node:path';
import { sandboxModeOf } from '../protocol/thread.ts';
import { RuntimeError } from '../runtime/errors.ts';
import type { AppServer } from './app-server.ts';
import type { Handlers } from './router.ts';

/** Exit code reported for a command that was killed (timeout, terminate): 128 + SIGKILL. */
const KILLED_EXIT = 137;

export function commandHandlers(server: AppServer): Handlers {
  const { manager } = server;
  /** processId → the running command's abort (per server: ids are the client's). */
  const running = new Map<string, AbortController>();
  return {
    'command/exec': async (params, ctx) => {
      if (params.tty || params.streamStdin)
        throw new RuntimeError(
          'input_invalid',
          'command/exec: Yoke runs commands without a terminal or stdin (tty and streamStdin are not supported)',
        );
      const processId = params.processId ?? null;
      if (params.streamStdoutStderr && !processId)
        throw new RuntimeError('input_invalid', 'command/exec: streaming needs a processId');
      if (processId && running.has(processId))
        throw new RuntimeError('input_invalid', `command/exec: ${processId} is already running`);
      const cwd = resolve(params.cwd ?? process.cwd());
      const policy = params.sandboxPolicy;
      const mode = policy ? sandboxModeOf(policy) : manager.config.sandboxMode;
      const network =
        policy && policy.type !== 'dangerFullAccess' ? policy.networkAccess : undefined;
      const { runner, dispose } = manager.commandSandbox(cwd, mode, network);
      const abort = new AbortController();
      if (processId) running.set(processId, abort);
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
        dispose();
      }
    },
    'command/exec/terminate': (params) => {
      const abort = running.get(params.processId);
      if (!abort)
        throw new RuntimeError(
          'input_invalid',
          `command/exec/terminate: no running command ${params.processId}`,
        );
      abort.abort();
      return {};
    },
  };
}
