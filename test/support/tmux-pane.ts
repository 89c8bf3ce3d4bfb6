// A program in a real terminal: a private tmux server (its own socket) with one pane running
// argv in exactly the given environment. Tests type with send-keys and read the screen with
// capture-pane, polled and bounded (a terminal has no "text appeared" event).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Pane = {
  screen(): string;
  /** Resolves with the screen once it shows `what`; throws with the screen after timeoutMs. */
  waitFor(what: Wanted, timeoutMs?: number): Promise<string>;
  /** The program's exit status (the pane prints it, then stays open for reading). */
  waitForExit(timeoutMs?: number): Promise<number>;
  typeText(value: string): void;
  press(...keys: string[]): void;
  kill(): void;
};

/** Text on the screen, a pattern, or any test of the whole screen. */
export type Wanted = string | RegExp | ((screen: string) => boolean);

const shows = (screen: string, what: Wanted): boolean =>
  typeof what === 'string'
    ? screen.includes(what)
    : what instanceof RegExp
      ? what.test(screen)
      : what(screen);

let sockets = 0;

export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function startPane(
  argv: string[],
  options: {
    env: Record<string, string | undefined>;
    cwd: string;
    columns?: number;
    rows?: number;
    /** Polling interval of waitFor (ms). */
    pollMs?: number;
  },
): Pane {
  const socket = `yoke-pane-${process.pid}-${sockets++}`;
  const dir = mkdtempSync(join(tmpdir(), 'yoke-tmux-'));
  const conf = join(dir, 'tmux.conf');
  // No status bar: the pane gets all the rows.
  writeFileSync(conf, 'set -g status off\n');
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket, '-f', conf, ...args], { encoding: 'utf8' });
  // `env -i`: the pane sees exactly this environment.
  const vars = Object.entries({ TERM: 'xterm-256color', LANG: 'C.UTF-8', ...options.env })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  const command = `${['env', '-i', ...vars, ...argv].map(shellQuote).join(' ')}; echo "exited with $?"; exec cat`;
  tmux(
    'new-session',
    '-d',
    '-s',
    'pane',
    '-x',
    String(options.columns ?? 100),
    '-y',
    String(options.rows ?? 30),
    '-c',
    options.cwd,
    command,
  );
  const screen = () => tmux('capture-pane', '-p', '-t', 'pane');
  const pollMs = options.pollMs ?? 50;
  const waitFor = async (what: Wanted, timeoutMs = 60_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const shown = screen();
      if (shows(shown, what)) return shown;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${String(what)} on screen:\n${shown}`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };
  return {
    screen,
    waitFor,
    waitForExit: async (timeoutMs?: number) =>
      Number(/exited with (\d+)/.exec(await waitFor(/exited with \d+/, timeoutMs))![1]),
    typeText: (value) => void tmux('send-keys', '-t', 'pane', '-l', value),
    press: (...keys) => void tmux('send-keys', '-t', 'pane', ...keys),
    kill: () => {
      spawnSync('tmux', ['-L', socket, 'kill-server']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
