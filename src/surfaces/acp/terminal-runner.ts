// Commands in the editor's terminal (ACP `terminal/*`), as a ProcessRunner: the thread's
// sandbox still wraps each command (the terminal runs bwrap … the command), so the editor
// shows it running live while Yoke keeps its policy. Opt-in: `[acp] editor_terminal = true`.
import type * as acp from '@agentclientprotocol/sdk';
import { notStarted, type ProcessOutcome, type ProcessRunner } from '../../runtime/thread-ports.ts';

/** Output the editor keeps of one command (its tail, when longer). */
const OUTPUT_LIMIT = 1024 * 1024;

export type TerminalRunnerOptions = {
  editor: () => acp.AgentContext | null;
  sessionId: string;
  /** Told when a command's terminal exists (the tool call embeds it), and when it is gone. */
  onTerminal?: (terminalId: string | null) => void;
};

export function terminalRunner(options: TerminalRunnerOptions): ProcessRunner {
  return {
    name: 'editor-terminal',
    async run(spec, { signal, onOutput }): Promise<ProcessOutcome> {
      const editor = options.editor();
      const started = performance.now();
      if (!editor) return notStarted({ spawnError: 'the editor is gone' });
      if (signal.aborted) return notStarted({ aborted: true });
      // `env -i`: the command gets exactly the environment Yoke's policy gives it, whatever the
      // editor adds to its terminals (its own variables may hold secrets).
      const env = Object.entries(spec.env ?? process.env).flatMap(([name, value]) =>
        value === undefined ? [] : [`${name}=${value}`],
      );
      let terminal: acp.TerminalHandle;
      try {
        terminal = await editor.createTerminal({
          sessionId: options.sessionId,
          command: 'env',
          args: ['-i', ...env, ...spec.argv],
          env: [],
          cwd: spec.cwd,
          outputByteLimit: OUTPUT_LIMIT,
        });
      } catch (err) {
        return notStarted({
          spawnError: `the editor's terminal did not start it: ${message(err)}`,
        });
      }
      options.onTerminal?.(terminal.id);
      let timedOut = false;
      let aborted = false;
      const kill = () => void terminal.kill().catch(() => undefined);
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, spec.timeoutMs);
      const onAbort = () => {
        aborted = true;
        kill();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // Cancelled while the terminal was being created.
      if (signal.aborted) onAbort();
      try {
        const exit = await terminal.waitForExit();
        const out = await terminal.currentOutput();
        if (out.output) onOutput?.(out.output);
        return {
          exitCode: exit.exitCode ?? null,
          signal: exit.signal ?? null,
          output: out.output,
          totalBytes: Buffer.byteLength(out.output),
          timedOut,
          aborted,
          durationMs: Math.round(performance.now() - started),
          pid: null,
        };
      } catch (err) {
        return notStarted({
          spawnError: `the editor's terminal failed: ${message(err)}`,
          timedOut,
          aborted,
        });
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        options.onTerminal?.(null);
        await terminal.release().catch(() => undefined);
      }
    },
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String((err as { message?: unknown }).message ?? err);
}
