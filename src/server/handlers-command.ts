// command/exec: one command outside any thread, sandboxed like a thread's, its output
// answered or streamed to the connection that asked; command/exec/write feeds its stdin
// (streamStdin), command/exec/terminate stops it. Process ids are the client's, scoped to its
// connection, as in Codex. With `tty` the command gets a pseudo-terminal (runtime/terminal.ts):
// its output comes as stdout, command/exec/write types into it and command/exec/resize sizes it.
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { sandboxModeOf } from '../protocol/thread.ts';
import { RuntimeError } from '../runtime/errors.ts';
import {
  DEFAULT_TERMINAL_SIZE,
  onTerminal,
  ptyHelper,
  terminalFrames,
  terminalSizeProblem,
} from '../runtime/terminal.ts';
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
      const tty = params.tty === true;
      if (params.size && !tty)
        throw new RuntimeError('input_invalid', 'command/exec: size is for a terminal (tty)');
      const size = params.size ?? DEFAULT_TERMINAL_SIZE;
      const sizeProblem = terminalSizeProblem(size);
      if (tty && sizeProblem)
        throw new RuntimeError('input_invalid', `command/exec: size: ${sizeProblem}`);
      const helper = tty ? ptyHelper() : null;
      if (tty && !helper)
        throw new RuntimeError(
          'input_invalid',
          'command/exec: tty needs dist/yoke-pty, which `npm run build` compiles from ' +
            'native/pty.c when a C compiler is installed (or YOKE_PTY names it)',
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
        tty,
      };
      if (processId) running.set(processId, entry);
      const offClose = ctx.onClose(() => abort.abort());
      try {
        const env = Object.fromEntries(
          Object.entries(params.env ?? {}).filter((e): e is [string, string] => e[1] !== null),
        );
        const outcome = await runner.run(
          {
            argv: helper ? onTerminal(helper, params.command, size) : params.command,
            cwd,
            timeoutMs: params.disableTimeout
              ? 2 ** 31 - 1
              : (params.timeoutMs ?? manager.config.commandTimeoutMs),
            ...(Object.keys(env).length ? { env } : {}),
            // A terminal always has its frame pipe: resizes come through it too.
            ...(entry.streamStdin || tty
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
          `command/exec/write: ${params.processId} was started without streamStdin; ` +
            (entry.tty ? 'its terminal takes no input' : 'its stdin is /dev/null'),
        );
      // A write sent right after command/exec waits for the process to start.
      const stdin = await openStdin(
        entry,
        `command/exec/write: the stdin of ${params.processId} is closed`,
      );
      if (params.deltaBase64) {
        const bytes = Buffer.from(params.deltaBase64, 'base64');
        await write(stdin, entry.tty ? terminalFrames.input(bytes) : bytes);
      }
      // On a terminal, closing input is its EOF character; the pipe stays open for resizes.
      if (params.closeStdin) {
        if (entry.tty) await write(stdin, terminalFrames.endOfInput());
        else stdin.end();
      }
      return {};
    },
    'command/exec/resize': async (params, ctx) => {
      const entry = find('command/exec/resize', ctx, params.processId);
      if (!entry.tty)
        throw new RuntimeError(
          'input_invalid',
          `command/exec/resize: ${params.processId} was started without tty; it has no terminal to resize`,
        );
      const problem = terminalSizeProblem(params.size);
      if (problem) throw new RuntimeError('input_invalid', `command/exec/resize: ${problem}`);
      const stdin = await openStdin(entry, `command/exec/resize: ${params.processId} has ended`);
      await write(stdin, terminalFrames.resize(params.size));
      return {};
    },
  };
}

/** The running command's stdin (once it has started), or `closed` as the refusal. */
async function openStdin(entry: Running, closed: string): Promise<Writable> {
  const stdin = await entry.stdin;
  if (!stdin || stdin.writableEnded || stdin.destroyed)
    throw new RuntimeError('input_invalid', closed);
  return stdin;
}

function write(stdin: Writable, bytes: Buffer): Promise<void> {
  return new Promise((done) => stdin.write(bytes, () => done()));
}

type Running = {
  abort: AbortController;
  /** The command's stdin once it has started (null: it never did, or has ended). */
  stdin: Promise<Writable | null>;
  streamStdin: boolean;
  /** Runs on a terminal (yoke-pty): writes and resizes are frames. */
  tty: boolean;
};
