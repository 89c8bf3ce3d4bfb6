// `yoke` with no command: the full-screen terminal UI. `yoke resume [ID | --last]` opens a
// stored thread in it, `--remote ws://…` attaches it to a running App Server. Loaded by a
// dynamic import from the CLI, so `yoke exec` never reads React or Ink.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { render } from 'ink';
import { createElement } from 'react';
import { AskForApproval, SandboxMode } from '../../protocol/thread.ts';
import { loadConfig, requireModelAccess, yokeHome } from '../../runtime/config.ts';
import { sandboxWarnings } from '../../runtime/sandbox-access.ts';
import {
  choiceOption,
  command,
  COMMON_OPTIONS,
  helpText,
  parseCommand,
  UsageError,
  wsUrlOption,
} from '../cli/args.ts';
import { tokenFor } from '../cli/listener-token.ts';
import { App } from './app.tsx';
import { keyStatusOf } from './banner.ts';
import { connectInProcess, connectRemote, LogSink, type Connected } from './connect.ts';
import { TuiController } from './controller.ts';
import { gitDiff, runLocalShell, stopLocalShells } from './local-shell.ts';
import { openPicker } from './slash-commands.ts';
import type { StartParams } from './state.ts';

export const TUI = command({
  name: '',
  usage: ['yoke [OPTIONS]', 'yoke resume [<THREAD_ID> | --last | --all] [OPTIONS]'],
  description:
    'Opens the interactive terminal UI on the repository in the current directory. `resume`\n' +
    'continues a stored thread (alone: pick one from a list).',
  options: {
    model: { type: 'string', short: 'm', value: 'MODEL', help: 'model to use' },
    provider: { type: 'string', value: 'NAME', help: 'model provider from config.toml' },
    'ask-for-approval': choiceOption('a', AskForApproval.options),
    sandbox: choiceOption('s', SandboxMode.options),
    cd: COMMON_OPTIONS.cd,
    config: COMMON_OPTIONS.config,
    remote: {
      type: 'string',
      value: 'URL',
      help: 'attach to a running `yoke app-server --listen` at ws://HOST:PORT',
    },
    'auth-token-file': COMMON_OPTIONS.authTokenFile,
    last: { type: 'boolean', help: 'with resume: the most recent thread' },
    all: {
      type: 'boolean',
      help: 'with resume: list the task threads of other repositories too',
    },
  },
  footer:
    'In the UI: Enter sends (during a turn it steers it), Esc interrupts, Ctrl-C twice quits,\n' +
    '/help lists the slash commands, !CMD runs CMD in a local shell (not sent to the model).',
});

// The alternate screen keeps the user's scrollback intact; leaving it restores their shell.
const ENTER_SCREEN = '\x1b[?1049h\x1b[H\x1b[2J';
const LEAVE_SCREEN = '\x1b[?1049l';

export type TuiIo = {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
};

type Opening = { kind: 'new' } | { kind: 'resume'; id: string | null; last: boolean; all: boolean };

export async function tuiCommand(argv: string[], io: TuiIo): Promise<number> {
  const { values: args, positionals, help } = parseCommand(TUI, argv);
  if (help) {
    io.stdout.write(helpText(TUI));
    return 0;
  }
  const opening = parseOpening(positionals, args.last === true, args.all === true);
  const approvalPolicy = args['ask-for-approval'] as AskForApproval | undefined;
  const sandbox = args.sandbox as SandboxMode | undefined;
  const remote = args.remote;
  if (remote) wsUrlOption(remote, 'remote');
  if (remote && (args.config?.length || args.provider)) {
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
  const cwd = resolve(args.cd ?? process.cwd());
  if (!existsSync(cwd) || !statSync(cwd).isDirectory())
    throw new UsageError(`--cd ${cwd}: not a directory`);

  const sink = new LogSink();
  const model = args.model;
  let connected: Connected;
  let warnings: string[] = [];
  let keyStatus: string | null = null;
  if (remote) {
    const token = tokenFor(remote, args['auth-token-file'], yokeHome(io.env));
    connected = await connectRemote(remote, token, sink);
  } else {
    const config = loadConfig({
      env: io.env,
      cwd,
      overrides: args.config ?? [],
      flags: {
        ...(model ? { model } : {}),
        ...(args.provider ? { provider: args.provider } : {}),
        ...(sandbox ? { sandbox } : {}),
        ...(approvalPolicy ? { approvalPolicy } : {}),
      },
    });
    warnings = [...config.warnings, ...sandboxWarnings(config)];
    requireModelAccess(config);
    keyStatus = keyStatusOf(config.provider);
    connected = await connectInProcess(config, sink);
  }

  const startParams: StartParams = {
    cwd,
    ...(model ? { model } : {}),
    ...(approvalPolicy ? { approvalPolicy } : {}),
    ...(sandbox ? { sandbox } : {}),
  };
  const controller = new TuiController(connected.client, startParams, {
    remote: connected.remote,
    runShell: runLocalShell,
    gitDiff,
    keyStatus,
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

function parseOpening(positionals: string[], last: boolean, all: boolean): Opening {
  const [first, second, ...extra] = positionals;
  if (first === undefined) {
    if (last) throw new UsageError('--last goes with resume: yoke resume --last');
    if (all) throw new UsageError('--all goes with resume: yoke resume --all');
    return { kind: 'new' };
  }
  if (first !== 'resume')
    throw new UsageError(`unexpected argument "${first}"; see \`yoke --help\``);
  if (extra.length || (second !== undefined && last))
    throw new UsageError('resume takes one thread id, or --last');
  return { kind: 'resume', id: second ?? null, last, all };
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
  await openPicker(controller, opening.all);
  // Nothing stored to pick from: start fresh.
  if (!controller.getState().picker) await controller.startThread();
}
