// `yoke` with no command: the full-screen terminal UI. `yoke resume [ID | --last]` opens a
// stored thread in it, `--remote ws://…` attaches it to a running App Server. Loaded by a
// dynamic import from the CLI, so `yoke exec` never reads React or Ink.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { render } from 'ink';
import { createElement } from 'react';
import type { AskForApproval, SandboxMode } from '../../protocol/thread.ts';
import { loadConfig, requireModelAccess } from '../../runtime/config.ts';
import {
  flagSet,
  flagValue,
  flagValues,
  parseArgs,
  UsageError,
  type FlagSpec,
} from '../cli/args.ts';
import { App } from './app.tsx';
import { connectInProcess, connectRemote, LogSink, type Connected } from './connect.ts';
import { TuiController } from './controller.ts';
import { gitDiff, runLocalShell, stopLocalShells } from './local-shell.ts';
import { openPicker } from './slash-commands.ts';
import type { StartParams } from './state.ts';

export const TUI_HELP = `Usage: yoke [OPTIONS]
       yoke resume [<THREAD_ID> | --last] [OPTIONS]

Opens the interactive terminal UI on the repository in the current directory. \`resume\`
continues a stored thread (alone: pick one from a list).

Options:
  -m, --model MODEL            model to use
      --provider NAME          model provider from config.toml
  -a, --ask-for-approval MODE  untrusted | on-failure | on-request | never
  -s, --sandbox MODE           read-only | workspace-write | danger-full-access
  -C, --cd DIR                 work in DIR instead of the current directory
  -c, --config KEY=VALUE       override a config.toml key; VALUE is TOML (repeatable)
      --remote ws://HOST:PORT  attach to a running \`yoke app-server --listen\`
      --auth-token-file FILE   bearer token for --remote
      --last                   with resume: the most recent thread
  -h, --help                   show this help

In the UI: Enter sends (during a turn it steers it), Esc interrupts, Ctrl-C twice quits,
/help lists the slash commands, !CMD runs CMD in a local shell (not sent to the model).`;

const FLAGS: FlagSpec[] = [
  { names: ['model', 'm'], value: true },
  { names: ['provider'], value: true },
  { names: ['ask-for-approval', 'a'], value: true },
  { names: ['sandbox', 's'], value: true },
  { names: ['cd', 'C'], value: true },
  { names: ['config', 'c'], value: true, repeat: true },
  { names: ['remote'], value: true },
  { names: ['auth-token-file'], value: true },
  { names: ['last'], value: false },
  { names: ['help', 'h'], value: false },
];

const APPROVALS = ['untrusted', 'on-failure', 'on-request', 'never'];
const SANDBOXES = ['read-only', 'workspace-write', 'danger-full-access'];
// The alternate screen keeps the user's scrollback intact; leaving it restores their shell.
const ENTER_SCREEN = '\x1b[?1049h\x1b[H\x1b[2J';
const LEAVE_SCREEN = '\x1b[?1049l';

export type TuiIo = {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
};

type Opening = { kind: 'new' } | { kind: 'resume'; id: string | null; last: boolean };

export async function tuiCommand(argv: string[], io: TuiIo): Promise<number> {
  try {
    return await runTui(argv, io);
  } catch (err) {
    // The UI is a bundle of its own (dist/yoke-tui.js) with its own copy of UsageError, which
    // the CLI's `instanceof` would not recognise: bad usage is reported here, exit status 2.
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`yoke: ${err.message}\n`);
    return 2;
  }
}

async function runTui(argv: string[], io: TuiIo): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (flagSet(args, 'help')) {
    io.stdout.write(`${TUI_HELP}\n`);
    return 0;
  }
  const opening = parseOpening(args.positionals, flagSet(args, 'last'));
  const approvalPolicy = oneOf(
    flagValue(args, 'ask-for-approval'),
    APPROVALS,
    '--ask-for-approval',
  );
  const sandbox = oneOf(flagValue(args, 'sandbox'), SANDBOXES, '--sandbox');
  const remote = flagValue(args, 'remote');
  if (remote && (flagValues(args, 'config').length || flagValue(args, 'provider'))) {
    throw new UsageError('-c and --provider configure the local App Server; not with --remote');
  }
  if (!io.stdin.isTTY || !io.stdout.isTTY) {
    io.stderr.write('yoke: the interactive UI needs a terminal; use `yoke exec` for scripts\n');
    return 2;
  }
  // Ink draws nothing until exit when it believes it runs in CI (it reads these variables
  // once, when loaded): say so instead of showing a blank screen.
  const ci = ['CI', 'CONTINUOUS_INTEGRATION'].find(
    (k) => k in io.env && !['0', 'false'].includes(io.env[k]!),
  );
  if (ci) {
    io.stderr.write(
      `yoke: ${ci} is set, and the terminal UI cannot draw while it is; unset it (or set ${ci}=0)\n`,
    );
    return 2;
  }
  const cwd = resolve(flagValue(args, 'cd') ?? process.cwd());
  if (!existsSync(cwd) || !statSync(cwd).isDirectory())
    throw new UsageError(`--cd ${cwd}: not a directory`);

  const sink = new LogSink();
  const model = flagValue(args, 'model');
  let connected: Connected;
  let warnings: string[] = [];
  if (remote) {
    const tokenFile = flagValue(args, 'auth-token-file');
    connected = await connectRemote(remote, tokenFile ? readToken(tokenFile) : undefined, sink);
  } else {
    const config = loadConfig({
      env: io.env,
      cwd,
      overrides: flagValues(args, 'config'),
      flags: {
        ...(model ? { model } : {}),
        ...(flagValue(args, 'provider') ? { provider: flagValue(args, 'provider') } : {}),
        ...(sandbox ? { sandbox: sandbox as SandboxMode } : {}),
        ...(approvalPolicy ? { approvalPolicy: approvalPolicy as AskForApproval } : {}),
      },
    });
    warnings = config.warnings;
    requireModelAccess(config);
    connected = await connectInProcess(config, sink);
  }

  const startParams: StartParams = {
    cwd,
    ...(model ? { model } : {}),
    ...(approvalPolicy ? { approvalPolicy: approvalPolicy as AskForApproval } : {}),
    ...(sandbox ? { sandbox: sandbox as SandboxMode } : {}),
  };
  const controller = new TuiController(connected.client, startParams, {
    remote: connected.remote,
    runShell: runLocalShell,
    gitDiff,
  });
  let entered = false;
  const leave = () => {
    if (entered) io.stdout.write(LEAVE_SCREEN);
    entered = false;
  };
  try {
    await open(controller, opening, cwd);
    for (const warning of warnings) controller.note(warning, 'warn');
    sink.attach((line) => controller.note(line, 'warn'));

    io.stdout.write(ENTER_SCREEN);
    entered = true;
    process.once('exit', leave);
    const instance = render(createElement(App, { controller }), {
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      exitOnCtrlC: false,
    });
    await instance.waitUntilExit();
  } finally {
    stopLocalShells();
    leave();
    process.off('exit', leave);
    await connected.close();
  }
  const session = controller.getState().session;
  if (session && controller.getState().entries.some((e) => e.kind === 'user')) {
    io.stdout.write(`To continue this thread: yoke resume ${session.threadId}\n`);
  }
  return 0;
}

function parseOpening(positionals: string[], last: boolean): Opening {
  const [first, second, ...extra] = positionals;
  if (first === undefined) {
    if (last) throw new UsageError('--last goes with resume: yoke resume --last');
    return { kind: 'new' };
  }
  if (first !== 'resume')
    throw new UsageError(`unexpected argument "${first}"; see \`yoke --help\``);
  if (extra.length || (second !== undefined && last))
    throw new UsageError('resume takes one thread id, or --last');
  return { kind: 'resume', id: second ?? null, last };
}

async function open(controller: TuiController, opening: Opening, cwd: string): Promise<void> {
  if (opening.kind === 'new') return controller.startThread();
  if (opening.id) return controller.resumeThread(opening.id);
  if (opening.last) {
    const request = controller.connection.request.bind(controller.connection);
    const here = await request('thread/list', { cwd, limit: 1 });
    const id = here.data[0]?.id ?? (await request('thread/list', { limit: 1 })).data[0]?.id;
    if (!id) throw new UsageError('no stored thread to resume');
    return controller.resumeThread(id);
  }
  await openPicker(controller);
  // Nothing stored to pick from: start fresh.
  if (!controller.getState().picker) await controller.startThread();
}

function oneOf(value: string | undefined, allowed: string[], flag: string): string | undefined {
  if (value !== undefined && !allowed.includes(value))
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, not "${value}"`);
  return value;
}

function readToken(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new UsageError(
      `--auth-token-file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}
