// `yoke exec`: run one task headless, stream what happens, exit when the model answers.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { UserInput } from '../../protocol/items.ts';
import type { SandboxMode, Turn } from '../../protocol/thread.ts';
import { loadConfig, requireModelAccess } from '../../runtime/config.ts';
import { sandboxWarnings } from '../../runtime/sandbox-access.ts';
import type { YokeClient } from '../../client/client.ts';
import {
  applyNotification,
  findTurn,
  fromSnapshot,
  lastAgentMessage,
  ZERO_USAGE,
} from '../../client/thread-view.ts';
import type { ResultOf } from '../../protocol/methods.ts';
import { CLI_VERSION } from '../../runtime/version.ts';
import { startAppServerHost } from '../app-server-host.ts';
import { helpText, parseCommand, UsageError } from './args.ts';
import { EXEC } from './exec-options.ts';
import { ExecHumanRenderer } from './exec-human.ts';
import { ExecJsonRenderer } from './exec-json.ts';

const EXEC_CLIENT_NAME = 'yoke_exec';

type Io = {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
};

export async function execCommand(argv: string[], io: Io): Promise<number> {
  const { values: args, positionals, help } = parseCommand(EXEC, argv);
  if (help) {
    io.stdout.write(helpText(EXEC));
    return 0;
  }
  let resumeId: string | null = null;
  const resumeLast = args.last === true;
  if (positionals[0] === 'resume') {
    positionals.shift();
    if (!resumeLast) {
      resumeId = positionals.shift() ?? null;
      if (!resumeId) throw new UsageError('resume needs a thread id or --last');
    }
  } else if (resumeLast) throw new UsageError('--last goes with resume: yoke exec resume --last');
  if (positionals.length > 1)
    throw new UsageError(
      `expected one prompt, got ${positionals.length} arguments (quote the prompt)`,
    );
  const bypass = args['dangerously-bypass-approvals-and-sandbox'] === true;
  if (bypass && (args['full-auto'] || args.sandbox))
    throw new UsageError(
      '--dangerously-bypass-approvals-and-sandbox goes alone, without --sandbox or --full-auto',
    );
  if (args['full-auto'] && args.sandbox && args.sandbox !== 'workspace-write')
    throw new UsageError(
      `--full-auto is --sandbox workspace-write; not with --sandbox ${args.sandbox}`,
    );
  const sandbox = (
    bypass ? 'danger-full-access' : args['full-auto'] ? 'workspace-write' : args.sandbox
  ) as SandboxMode | undefined;

  const cwd = resolve(args.cd ?? process.cwd());
  if (!existsSync(cwd) || !statSync(cwd).isDirectory())
    throw new UsageError(`--cd ${cwd}: not a directory`);
  // The configuration first: nothing else is worth doing when no model can be reached.
  const config = loadConfig({
    env: io.env,
    cwd,
    overrides: args.config ?? [],
    // Model requests say who sends them as `codex exec` does (originator codex_exec).
    client: { originator: 'codex_exec', name: EXEC_CLIENT_NAME, version: CLI_VERSION },
    flags: {
      ...(args.model !== undefined ? { model: args.model } : {}),
      ...(args.provider !== undefined ? { provider: args.provider } : {}),
      ...(sandbox ? { sandbox } : {}),
      ...(bypass ? { approvalPolicy: 'never' as const } : {}),
      ...(args['add-dir'] ? { writableRoots: args['add-dir'].map((dir) => resolve(dir)) } : {}),
    },
  });
  for (const warning of [...config.warnings, ...sandboxWarnings(config)])
    io.stderr.write(`warning: ${warning}\n`);
  requireModelAccess(config);
  if (!args['skip-git-repo-check'] && !insideGitRepo(cwd)) {
    // Codex's words first (tools match them), then what to do; exit status 1, as Codex.
    io.stderr.write(
      'Not inside a trusted directory and --skip-git-repo-check was not specified.\n' +
        `hint: ${cwd} is not inside a git repository; run in one or pass --skip-git-repo-check\n`,
    );
    return 1;
  }
  const outputSchema = args['output-schema'] ? readSchema(args['output-schema']) : null;

  const prompt = await readPrompt(positionals[0], io.stdin);
  const input: UserInput[] = [];
  if (prompt) input.push({ type: 'text', text: prompt, text_elements: [] });
  for (const image of args.image ?? []) input.push({ type: 'localImage', path: resolve(image) });
  if (input.length === 0)
    throw new UsageError('no prompt: pass it as an argument or on standard input');
  const json = args.json === true;

  // One code path: exec is a client of an App Server running in this process.
  // A damaged store is one clear error now, not a failure halfway through the turn.
  const host = startAppServerHost({ config, openStore: !args.ephemeral });
  try {
    const client = await host.connect({
      name: EXEC_CLIENT_NAME,
      title: 'yoke exec',
      version: CLI_VERSION,
    });
    const overrides = {
      approvalPolicy: 'never' as const,
      ...(sandbox ? { sandbox: sandbox as SandboxMode } : {}),
    };
    let opened: ResultOf<'thread/start'>;
    if (resumeId || resumeLast) {
      const id = resumeId ?? (await latestThread(client, cwd));
      if (!id) throw new UsageError('no stored thread to resume');
      opened = await client.request('thread/resume', {
        threadId: id,
        excludeTurns: true,
        ...overrides,
      });
    } else {
      opened = await client.request('thread/start', {
        cwd,
        ephemeral: args.ephemeral === true,
        ...overrides,
      });
    }
    if (opened.sandbox.type === 'dangerFullAccess') {
      // Loud on purpose: the user chose to run the model's commands with no sandbox at all.
      io.stderr.write(
        'WARNING: the sandbox is OFF (danger-full-access): commands the model runs can read, change ' +
          'and delete anything your user can, and reach the network.\n',
      );
    }
    return await runExecTurn(client, opened, input, outputSchema, {
      io,
      json,
      lastMessageFile: args['output-last-message'],
      color: args.color ?? 'auto',
    });
  } finally {
    await host.close();
  }
}

async function latestThread(client: YokeClient, cwd: string): Promise<string | null> {
  const here = await client.request('thread/list', { cwd, limit: 1 });
  if (here.data[0]) return here.data[0].id;
  const anywhere = await client.request('thread/list', { limit: 1 });
  return anywhere.data[0]?.id ?? null;
}

async function runExecTurn(
  client: YokeClient,
  opened: ResultOf<'thread/start'>,
  input: UserInput[],
  outputSchema: Record<string, unknown> | null,
  opts: { io: Io; json: boolean; lastMessageFile: string | undefined; color: string },
): Promise<number> {
  const { io } = opts;
  const threadId = opened.thread.id;
  const jsonOut = new ExecJsonRenderer((event) => io.stdout.write(`${JSON.stringify(event)}\n`));
  const human = new ExecHumanRenderer(io.stderr, io.stdout, io.env, opts.color, opened.cwd);
  if (opts.json) jsonOut.threadStarted(threadId);
  else {
    human.header([
      ['model', `${opened.model} (${opened.modelProvider})`],
      ['workdir', opened.cwd],
      ['thread', threadId],
    ]);
  }

  // The thread as the shared reducer keeps it: the turn's answer and token usage come from it.
  const view = fromSnapshot(opened.thread);
  let turnId: string | null = null;
  let finished!: (turn: Turn) => void;
  const completed = new Promise<Turn>((resolve) => (finished = resolve));
  const off = client.onNotification('*', (n) => {
    if ('threadId' in n.params && n.params.threadId !== threadId) return;
    applyNotification(view, n);
    // exec runs one turn on the thread: its completion is the end.
    if (n.method === 'turn/completed') return finished(n.params.turn);
    if (opts.json) jsonOut.notification(n);
    else human.notification(n);
  });

  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    io.stderr.write('\ninterrupting… (Ctrl-C again to quit at once)\n');
    if (turnId) void client.request('turn/interrupt', { threadId, turnId }).catch(() => undefined);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const started = await client.request('turn/start', {
      threadId,
      input,
      ...(outputSchema ? { outputSchema } : {}),
    });
    turnId = started.turn.id;
    const turn = await completed;
    const error = turn.error ?? null;
    const ran = findTurn(view, turn.id);
    const usage = ran?.usage ?? ZERO_USAGE;
    const lastMessage = lastAgentMessage(ran);
    if (opts.json) jsonOut.turnEnded(turn.status, error, usage);
    else human.turnEnded(turn.status, error, usage, lastMessage);
    if (opts.lastMessageFile && lastMessage !== null)
      writeFileSync(opts.lastMessageFile, lastMessage);
    return turn.status === 'completed' ? 0 : turn.status === 'interrupted' ? 130 : 1;
  } finally {
    off();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

async function readPrompt(arg: string | undefined, stdin: Io['stdin']): Promise<string> {
  if (arg !== undefined && arg !== '-') return arg;
  if (arg === undefined && stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').trim();
}

function readSchema(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--output-schema ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  try {
    const schema = JSON.parse(text) as unknown;
    if (!schema || typeof schema !== 'object' || Array.isArray(schema))
      throw new Error('not a JSON object');
    return schema as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(
      `--output-schema ${path}: not a JSON Schema object (${(err as Error).message})`,
    );
  }
}

function insideGitRepo(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return true;
    if (dirname(d) === d) return false;
  }
}
