// `yoke exec`: run one task headless, stream what happens, exit when the model answers.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { UserInput } from '../../protocol/items.ts';
import type {
  AskForApproval,
  SandboxMode,
  TokenUsageBreakdown,
  Turn,
} from '../../protocol/thread.ts';
import { loadConfig, requireModelAccess } from '../../runtime/config.ts';
import { YokeClient } from '../../client/client.ts';
import type { ResultOf } from '../../protocol/methods.ts';
import { createMemoryTransportPair } from '../../protocol/transport.ts';
import { ThreadManager } from '../../runtime/thread-manager.ts';
import { AppServer } from '../../server/app-server.ts';
import { flagSet, flagValue, flagValues, parseArgs, UsageError, type FlagSpec } from './args.ts';
import { ExecHumanRenderer } from './exec-human.ts';
import { ExecJsonRenderer } from './exec-json.ts';

export const EXEC_HELP = `Usage: yoke exec [OPTIONS] [PROMPT]
       yoke exec [OPTIONS] resume (<THREAD_ID> | --last) [PROMPT]

Runs an agent on the repository in the current directory until it gives its final answer.
The prompt comes from PROMPT, or from standard input when PROMPT is "-" or absent.

Options:
  -m, --model MODEL            model to use (default: config, then ${'gpt-5.5'})
      --provider NAME          model provider from config.toml (default: openai)
  -C, --cd DIR                 work in DIR instead of the current directory
      --json                   print JSONL events (the \`codex exec --json\` shape)
  -o, --output-last-message F  write the final message to file F
      --output-schema FILE     JSON Schema the final answer must follow
      --ephemeral              do not store the thread
  -s, --sandbox MODE           read-only | workspace-write | danger-full-access
      --add-dir DIR            another writable directory (repeatable)
  -i, --image FILE             attach an image to the prompt (repeatable)
  -c, --config KEY=VALUE       override a config.toml key; VALUE is TOML (repeatable)
      --skip-git-repo-check    allow running outside a git repository
      --last                   with resume: continue the most recent thread
  -h, --help                   show this help

Environment: OPENAI_API_KEY and OPENAI_BASE_URL select an OpenAI-compatible endpoint with no
config file; YOKE_HOME moves all state (default ~/.yoke). Exit status: 0 when the turn
completed, 1 when it failed, 130 when interrupted, 2 for bad usage.`;

const FLAGS: FlagSpec[] = [
  { names: ['model', 'm'], value: true },
  { names: ['provider'], value: true },
  { names: ['cd', 'C'], value: true },
  { names: ['json', 'experimental-json'], value: false },
  { names: ['output-last-message', 'o'], value: true },
  { names: ['output-schema'], value: true },
  { names: ['ephemeral'], value: false },
  { names: ['sandbox', 's'], value: true },
  { names: ['add-dir'], value: true, repeat: true },
  { names: ['image', 'i'], value: true, repeat: true },
  { names: ['config', 'c'], value: true, repeat: true },
  { names: ['skip-git-repo-check'], value: false },
  { names: ['last'], value: false },
  { names: ['full-auto'], value: false },
  { names: ['dangerously-bypass-approvals-and-sandbox'], value: false },
  { names: ['color'], value: true },
  { names: ['thread-source'], value: true },
  { names: ['cyber-access-program'], value: true },
  { names: ['help', 'h'], value: false },
];

const SANDBOX_MODES = ['read-only', 'workspace-write', 'danger-full-access'];

type Io = {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
};

export async function execCommand(argv: string[], io: Io): Promise<number> {
  const args = parseArgs(argv, FLAGS);
  if (flagSet(args, 'help')) {
    io.stdout.write(`${EXEC_HELP}\n`);
    return 0;
  }
  const positionals = [...args.positionals];
  let resumeId: string | null = null;
  let resumeLast = false;
  if (positionals[0] === 'resume') {
    positionals.shift();
    resumeLast = flagSet(args, 'last');
    if (!resumeLast) {
      resumeId = positionals.shift() ?? null;
      if (!resumeId) throw new UsageError('resume needs a thread id or --last');
    }
  }
  if (positionals.length > 1)
    throw new UsageError(
      `expected one prompt, got ${positionals.length} arguments (quote the prompt)`,
    );

  const cwd = resolve(flagValue(args, 'cd') ?? process.cwd());
  if (!existsSync(cwd) || !statSync(cwd).isDirectory())
    throw new UsageError(`--cd ${cwd}: not a directory`);
  if (!flagSet(args, 'skip-git-repo-check') && !insideGitRepo(cwd)) {
    throw new UsageError(
      `${cwd} is not inside a git repository; run in one or pass --skip-git-repo-check`,
    );
  }
  const sandbox = flagValue(args, 'sandbox');
  if (sandbox && !SANDBOX_MODES.includes(sandbox)) {
    throw new UsageError(`--sandbox must be one of ${SANDBOX_MODES.join(', ')}, not "${sandbox}"`);
  }
  const outputSchemaPath = flagValue(args, 'output-schema');
  const outputSchema = outputSchemaPath ? readSchema(outputSchemaPath) : null;

  const prompt = await readPrompt(positionals[0], io.stdin);
  const input: UserInput[] = [];
  if (prompt) input.push({ type: 'text', text: prompt, text_elements: [] });
  for (const image of flagValues(args, 'image'))
    input.push({ type: 'localImage', path: resolve(image) });
  if (input.length === 0)
    throw new UsageError('no prompt: pass it as an argument or on standard input');

  const config = loadConfig({
    env: io.env,
    cwd,
    overrides: flagValues(args, 'config'),
    flags: {
      ...(flagValue(args, 'model') ? { model: flagValue(args, 'model') } : {}),
      ...(flagValue(args, 'provider') ? { provider: flagValue(args, 'provider') } : {}),
      ...(sandbox ? { sandbox: sandbox as SandboxMode } : {}),
      ...(flagSet(args, 'dangerously-bypass-approvals-and-sandbox')
        ? {
            sandbox: 'danger-full-access' as SandboxMode,
            approvalPolicy: 'never' as AskForApproval,
          }
        : {}),
    },
  });
  const json = flagSet(args, 'json');
  for (const warning of config.warnings) io.stderr.write(`warning: ${warning}\n`);
  requireModelAccess(config);

  // One code path: exec is a client of an App Server running in this process.
  const manager = new ThreadManager({ config });
  const server = new AppServer(manager);
  const [clientEnd, serverEnd] = createMemoryTransportPair();
  server.attach(serverEnd, { trusted: true });
  const client = new YokeClient(clientEnd);
  try {
    await client.initialize({ name: 'yoke_exec', title: 'yoke exec', version: manager.cliVersion });
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
        ephemeral: flagSet(args, 'ephemeral'),
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
      lastMessageFile: flagValue(args, 'output-last-message'),
    });
  } finally {
    client.close();
    server.close();
    manager.close();
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
  opts: { io: Io; json: boolean; lastMessageFile: string | undefined },
): Promise<number> {
  const { io } = opts;
  const threadId = opened.thread.id;
  const jsonOut = new ExecJsonRenderer((event) => io.stdout.write(`${JSON.stringify(event)}\n`));
  const human = new ExecHumanRenderer(io.stderr, io.stdout, io.env);
  if (opts.json) jsonOut.threadStarted(threadId);
  else {
    human.header([
      ['model', `${opened.model} (${opened.modelProvider})`],
      ['workdir', opened.cwd],
      ['thread', threadId],
    ]);
  }

  let turnId: string | null = null;
  let usage: TokenUsageBreakdown = { ...ZERO };
  let lastMessage: string | null = null;
  let finished!: (turn: Turn) => void;
  const completed = new Promise<Turn>((resolve) => (finished = resolve));
  const off = client.onNotification('*', (n) => {
    if ('threadId' in n.params && n.params.threadId !== threadId) return;
    if (n.method === 'thread/tokenUsage/updated') usage = addUsage(usage, n.params.tokenUsage.last);
    if (n.method === 'item/completed' && n.params.item.type === 'agentMessage')
      lastMessage = n.params.item.text;
    // exec runs one turn on the thread: its completion is the end.
    if (n.method === 'turn/completed') finished(n.params.turn);
    if (n.method === 'turn/completed') return;
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

const ZERO: TokenUsageBreakdown = {
  totalTokens: 0,
  inputTokens: 0,
  cachedInputTokens: 0,
  cacheWriteInputTokens: 0,
  outputTokens: 0,
  reasoningOutputTokens: 0,
};

function addUsage(a: TokenUsageBreakdown, b: TokenUsageBreakdown): TokenUsageBreakdown {
  return {
    totalTokens: a.totalTokens + b.totalTokens,
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteInputTokens: a.cacheWriteInputTokens + (b.cacheWriteInputTokens ?? 0),
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningOutputTokens: a.reasoningOutputTokens + b.reasoningOutputTokens,
  };
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
