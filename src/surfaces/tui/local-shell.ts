// What the TUI runs on the user's own machine, outside the agent: `!command` and the
// `git diff` of /diff. Nothing here goes to the model or through the App Server's sandbox —
// the user typed it, as they would in their own shell.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { TuiController } from './controller.ts';
import { errorText } from './state.ts';

const running = new Set<ChildProcess>();

/** Runs `command` with bash in `cwd`, streaming stdout and stderr; resolves with the exit code. */
export function runLocalShell(
  command: string,
  cwd: string,
  onOutput: (text: string) => void,
): Promise<number> {
  return new Promise((resolve) => {
    // stdin is closed: the TUI owns the keyboard, so a command that reads input gets EOF.
    const child = spawn('bash', ['-c', command], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    child.stdout.setEncoding('utf8').on('data', onOutput);
    child.stderr.setEncoding('utf8').on('data', onOutput);
    child.on('error', (err) => {
      running.delete(child);
      onOutput(`${err.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve(code ?? (signal ? 128 + 15 : 1));
    });
  });
}

/** Stops local commands still running (when the TUI exits). */
export function stopLocalShells(): void {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  running.clear();
}

/** The working tree's diff against HEAD (empty outside a git repository). */
export function gitDiff(cwd: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['diff', '--no-color', 'HEAD'],
      { cwd, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout) => resolve(err ? '' : stdout),
    );
  });
}

/** `!command` in the prompt: runs it with the controller's runShell, its output an entry. */
export async function runShellEntry(ctrl: TuiController, command: string): Promise<void> {
  if (!command) return ctrl.note('usage: !COMMAND runs COMMAND here, not through the model');
  const run = ctrl.deps.runShell;
  if (!run) return ctrl.note('local commands are not available here', 'warn');
  const cwd = ctrl.getState().session?.cwd ?? ctrl.startParams.cwd;
  const id = ctrl.localId('shell');
  ctrl.addEntry({ kind: 'shell', id, command, output: '', exitCode: null, running: true });
  const append = (text: string) =>
    ctrl.updateEntry(id, (e) => (e.kind === 'shell' ? { ...e, output: e.output + text } : e));
  const exitCode = await run(command, cwd, append).catch((err: unknown) => {
    append(`${errorText(err)}\n`);
    return 127;
  });
  ctrl.updateEntry(id, (e) => (e.kind === 'shell' ? { ...e, exitCode, running: false } : e));
}
