// `yoke web`: a fresh one-time login link for the web page of the running daemon (started in
// the background when none runs), printed, and opened in the browser on a desktop.
import { spawn } from 'node:child_process';
import { yokeHome } from '../../runtime/yoke-home.ts';
import { command, helpText, parseCommand, UsageError } from './args.ts';
import { DaemonError, ensureDaemon } from './daemon.ts';

export const WEB = command({
  name: 'web',
  usage: ['yoke web [--no-open]'],
  description:
    'Prints a new login link for the web page of the running `yoke serve` (starting it in the\n' +
    'background when none runs) and opens it in your browser when this is a terminal on a\n' +
    'desktop. A link works once; the browser then stays logged in, across restarts of the daemon.',
  options: {
    'no-open': { type: 'boolean', help: 'print the link only, do not start a browser' },
  },
});

type Io = {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
};

export async function webCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals, help } = parseCommand(WEB, argv);
  if (help) {
    io.stdout.write(helpText(WEB));
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('yoke web takes no arguments');
  const { daemon } = await ensureDaemon(yokeHome(io.env), (line) =>
    io.stderr.write(`yoke: ${line}\n`),
  );
  const base = daemon.url.replace(/^ws/, 'http');
  let res: Response;
  try {
    res = await fetch(`${base}/login-link`, {
      headers: { Authorization: `Bearer ${daemon.token}` },
    });
  } catch (err) {
    throw new DaemonError(`yoke serve at ${base} does not answer: ${(err as Error).message}`);
  }
  if (res.status !== 200)
    throw new DaemonError(`yoke serve at ${base} gave no login link (HTTP ${res.status})`);
  const link = `${base}${(await res.text()).trim()}`;
  io.stdout.write(`${link}\n`);
  if (!values['no-open'] && io.stdout.isTTY) openBrowser(link, io.env);
  return 0;
}

/** Starts the desktop's browser on `url`, if there is a desktop; never fails the command. */
function openBrowser(url: string, env: NodeJS.ProcessEnv): void {
  const opener =
    process.platform === 'darwin' ? 'open' : env.DISPLAY || env.WAYLAND_DISPLAY ? 'xdg-open' : null;
  if (!opener) return;
  const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}
