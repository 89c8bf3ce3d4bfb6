// `yoke exec`: run one task headless, stream what happens, exit when the model answers.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { UserInput } from '../../protocol/items.ts';
import type { AskForApproval, SandboxMode } from '../../protocol/thread.ts';
import { loadConfig } from '../../runtime/config.ts';
import { ThreadManager } from '../../runtime/thread-manager.ts';
import type { ThreadSession } from '../../runtime/thread-session.ts';
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

  const manager = new ThreadManager({ config });
  try {
    let session: ThreadSession;
    if (resumeId || resumeLast) {
      const id = resumeId ?? manager.latestThreadId(cwd) ?? manager.latestThreadId();
      if (!id) throw new UsageError('no stored thread to resume');
      session = manager.resumeThread(id);
    } else {
      session = manager.startThread({ cwd, ephemeral: flagSet(args, 'ephemeral'), source: 'exec' });
    }
    return await runExecTurn(session, input, outputSchema, {
      io,
      json,
      lastMessageFile: flagValue(args, 'output-last-message'),
      header: [
        ['model', `${session.settings.model} (${session.settings.modelProvider})`],
        ['workdir', session.settings.cwd],
        ['thread', session.id],
      ],
    });
  } finally {
    manager.close();
  }
}

async function runExecTurn(
  session: ThreadSession,
  input: UserInput[],
  outputSchema: Record<string, unknown> | null,
  opts: { io: Io; json: boolean; lastMessageFile: string | undefined; header: [string, string][] },
): Promise<number> {
  const { io } = opts;
  const jsonOut = new ExecJsonRenderer((event) => io.stdout.write(`${JSON.stringify(event)}\n`));
  const human = new ExecHumanRenderer(io.stderr, io.stdout, io.env);
  if (opts.json) jsonOut.threadStarted(session.id);
  else human.header(opts.header);
  const unsubscribe = session.subscribe((event) => {
    if (event.type !== 'notification') return;
    if (opts.json) jsonOut.notification(event.notification);
    else human.notification(event.notification);
  });

  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    io.stderr.write('\ninterrupting… (Ctrl-C again to quit at once)\n');
    session.interrupt();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const { done } = session.startTurn(input, { outputSchema });
    const result = await done;
    if (opts.json) jsonOut.turnEnded(result.status, result.error, { ...result.usage });
    else human.turnEnded(result.status, result.error, { ...result.usage }, result.lastMessage);
    if (opts.lastMessageFile && result.lastMessage !== null) {
      writeFileSync(opts.lastMessageFile, result.lastMessage);
    }
    return result.status === 'completed' ? 0 : result.status === 'interrupted' ? 130 : 1;
  } finally {
    unsubscribe();
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
