// The `yoke` command: dispatches to subcommands and turns errors into one clear line.
import { secureHome, yokeHome } from '../../runtime/yoke-home.ts';
import { CLI_VERSION } from '../../runtime/version.ts';
import { UsageError } from './args.ts';

const HELP = `Yoke ${CLI_VERSION} — an open agent harness.

Usage: yoke [options]              the interactive terminal UI
       yoke <command> [options]

Commands:
  resume [ID|--last]   open a stored thread in the terminal UI
  exec [PROMPT]        run an agent headless on the current repository until it answers
  exec resume ID|--last [PROMPT]
                       continue a stored thread
  approve              answer approvals waiting on a running server, from another terminal
  acp                  serve the Agent Client Protocol on stdio (Zed and other editors)
  app-server           serve the App Server (JSON-RPC over stdio, or WebSocket with --listen)
  serve                the daemon: App Server on loopback WebSocket + background task runner;
                       with --store and --queue, a front of a fleet (docs/fleet.md)
  worker               run a fleet's tasks: --store postgres://… --queue redis://…
  web                  a login link for the daemon's web page (opened in the browser)
  task <command>       background tasks in isolated worktrees: submit, list, show, logs,
                       cancel, retry, apply (starts \`yoke serve\` when none runs)
  mcp-server           serve Yoke's tasks and threads to MCP hosts and other agents (stdio)
  tools list|call      every tool (built-in and MCP) of the config; call an MCP tool by hand
  doctor               check the store, sandbox, model endpoint, config, permissions, leftovers
  backup FILE          copy the store to FILE (\`yoke backup --restore FILE\` puts one back)
  help [COMMAND]       show this help, or a command's
  --version            print the version

Run \`yoke <command> --help\` for a command's options (\`yoke resume --help\`: the UI's).`;

/** Errors the user fixes on the command line or in config: exit status 2. */
const USAGE_CODES = new Set(['usage', 'config_invalid', 'model_unconfigured']);

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  };
  try {
    // YOKE_HOME is private to its owner: fix what an older Yoke (or a umask) left open. Not for
    // doctor, which reports it.
    if (!['doctor', 'help', '--help', '-h', '--version', '-V'].includes(command ?? ''))
      for (const warning of secureHome(yokeHome(io.env)))
        io.stderr.write(`yoke: warning: ${warning}\n`);
    switch (command) {
      case 'exec':
      case 'e':
        return await (await import('./exec.ts')).execCommand(rest, io);
      case 'approve':
        return await (await import('./approve.ts')).approveCommand(rest);
      case 'acp':
        return await (await import('../acp/command.ts')).acpCommand(rest, io);
      case 'app-server':
        return await (await import('./app-server.ts')).appServerCommand(rest);
      case 'serve':
        return await (await import('./serve.ts')).serveCommand(rest);
      case 'worker':
        return await (await import('./worker.ts')).workerCommand(rest);
      case 'web':
        return await (await import('./web.ts')).webCommand(rest, io);
      case 'doctor':
        return await (await import('./doctor.ts')).doctorCommand(rest, io);
      case 'mcp-server':
        return await (await import('../mcp/command.ts')).mcpServerCommand(rest, io);
      case 'tools':
        return await (await import('./tools.ts')).toolsCommand(rest, io);
      case 'backup':
        return await (await import('./backup.ts')).backupCommand(rest, io);
      case 'task':
        return await (await import('./task.ts')).taskCommand(rest, io);
      case 'help':
        // `yoke help exec` is `yoke exec --help`.
        if (rest[0] && rest[0] !== 'help') return await main([rest[0], '--help', ...rest.slice(1)]);
        process.stdout.write(`${HELP}\n`);
        return 0;
      case '--help':
      case '-h':
        process.stdout.write(`${HELP}\n`);
        return 0;
      case '--version':
      case '-V':
        process.stdout.write(`yoke ${CLI_VERSION}\n`);
        return 0;
      default:
        // No command, `resume`, or options only: the terminal UI (loaded only then).
        if (command === undefined || command === 'resume' || command.startsWith('-'))
          return await (await import('../tui/command.ts')).tuiCommand(argv, io);
        throw new UsageError(`unknown command "${command}"; see \`yoke help\``);
    }
  } catch (err) {
    // Bad usage or a configuration Yoke cannot run with: fix the command line or the config.
    const code = (err as { code?: unknown }).code;
    if (err instanceof Error && typeof code === 'string') {
      process.stderr.write(`yoke: ${err.message}\n`);
      return USAGE_CODES.has(code) ? 2 : 1;
    }
    process.stderr.write(
      `yoke: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`yoke: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
