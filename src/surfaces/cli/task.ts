// `yoke task …`: background tasks through the daemon (started in the background if needed).
// Everything goes over the App Server protocol, except `apply`, which is the user's own git
// operation on their checkout.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { YokeClient } from '../../client/client.ts';
import type { Task } from '../../protocol/methods-task.ts';
import { yokeHome } from '../../runtime/config.ts';
import { command, helpText, parseCommand, UsageError, type Parsed } from './args.ts';
import { connectDaemon } from './daemon.ts';
import { follow, readLog } from './task-follow.ts';
import { listTable, LogPrinter, showTask } from './task-render.ts';

export const TASK_HELP = `Usage: yoke task <command> [OPTIONS]

Background tasks: each runs in its own git worktree (under $YOKE_HOME/worktrees) on a new branch
yoke/<id>, driven by a blueprint (default: setup → implement → checks ⇄ fix → commit). Your
checkout is never touched until you \`apply\`. The commands talk to the daemon (\`yoke serve\`) and
start it in the background when none is running.

Commands:
  submit PROMPT [--repo DIR] [--base REF] [--check CMD]… [--blueprint NAME] [-m MODEL] [--wait]
                   queue a task; prints its id at once
  list [--all]     recent tasks (--all: every page)
  show ID          status, nodes, checks, commits and diff stat, branch
  logs ID [-f]     the task's log (-f: follow it live, the agent's words as they stream)
  cancel ID        stop a task: its commands are killed, its worktree removed
  retry ID         submit a finished task again (a new task)
  apply ID         apply the task's changes to the current checkout (staged, not committed)

IDs may be shortened to any unique prefix. \`yoke task <command> --help\` for details.`;

const ID = 'ID may be shortened to any unique prefix.';

/** Each subcommand's table: its options, its usage and --help. */
const SUBCOMMANDS = {
  submit: command({
    name: 'task submit',
    usage: ['yoke task submit PROMPT [OPTIONS]'],
    description:
      "Queues a task and prints its id. The repository's .yoke/task.toml (at the base commit) gives\n" +
      'setup commands, checks, fix rounds, budgets, tools and approvals; see README "Background tasks".',
    options: {
      repo: {
        type: 'string',
        short: 'C',
        value: 'DIR',
        help: 'the repository (default: the current directory)',
      },
      base: {
        type: 'string',
        value: 'REF',
        help: 'branch, tag or commit to start from (default: the checked-out branch)',
      },
      check: {
        type: 'string',
        value: 'CMD',
        multiple: true,
        help: 'another acceptance check, run with bash',
      },
      blueprint: {
        type: 'string',
        value: 'NAME',
        help: 'a built-in blueprint (default, pr) or .yoke/blueprints/NAME.{json,toml}',
      },
      model: {
        type: 'string',
        short: 'm',
        value: 'MODEL',
        help: "the model of the task's agent steps (default: the daemon's configured model)",
      },
      wait: { type: 'boolean', help: 'follow the task until it ends; exit 0 only if it succeeded' },
    },
  }),
  list: command({
    name: 'task list',
    usage: ['yoke task list [--all]'],
    description: 'Lists recent tasks, newest first.',
    options: { all: { type: 'boolean', help: 'every page, not only the most recent tasks' } },
  }),
  show: command({
    name: 'task show',
    usage: ['yoke task show ID'],
    description: `Shows a task: status, nodes, checks, commits, diff stat, branch. ${ID}`,
    options: {},
  }),
  logs: command({
    name: 'task logs',
    usage: ['yoke task logs ID [-f]'],
    description: `Prints a task's log. ${ID}`,
    options: {
      follow: {
        type: 'boolean',
        short: 'f',
        help: "follow it live until the task ends: the agent's words and its commands' output as they stream",
      },
    },
  }),
  cancel: command({
    name: 'task cancel',
    usage: ['yoke task cancel ID'],
    description:
      'Cancels a queued or running task: its turn is interrupted, its commands die with their\n' +
      `process group and its worktree is removed. ${ID}`,
    options: {},
  }),
  retry: command({
    name: 'task retry',
    usage: ['yoke task retry ID'],
    description: `Submits a finished task again as a new task; prints the new id. ${ID}`,
    options: {},
  }),
  apply: command({
    name: 'task apply',
    usage: ['yoke task apply ID'],
    description:
      "Applies the task's changes (base..branch) to the current checkout, staged and not committed\n" +
      `(git apply --3way). Review them with \`git diff --cached\`. ${ID}`,
    options: {},
  }),
};

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv };

export async function taskCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    io.stdout.write(`${TASK_HELP}\n`);
    return 0;
  }
  if (!Object.hasOwn(SUBCOMMANDS, sub))
    throw new UsageError(`unknown task command "${sub}"; see \`yoke task --help\``);
  const spec = SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS];
  const { values, positionals, help } = parseCommand(spec, rest);
  if (help) {
    io.stdout.write(helpText(spec));
    return 0;
  }
  if (sub === 'submit' && positionals.length !== 1)
    throw new UsageError('task submit needs one PROMPT (quote it)');
  if (sub === 'list' && positionals.length)
    throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (sub !== 'submit' && sub !== 'list' && positionals.length !== 1)
    throw new UsageError(`task ${sub} needs one task ID`);
  const args = values as Parsed<(typeof SUBCOMMANDS)['submit']['options']>['values'] &
    Parsed<(typeof SUBCOMMANDS)['list']['options']>['values'] &
    Parsed<(typeof SUBCOMMANDS)['logs']['options']>['values'];

  const { client } = await connectDaemon(yokeHome(io.env), (line) =>
    io.stderr.write(`yoke: ${line}\n`),
  );
  try {
    if (sub === 'submit') return await submit(client, positionals[0]!, args, io);
    if (sub === 'list') return await list(client, args.all === true, io);
    const id = await resolveId(client, positionals[0]!);
    switch (sub) {
      case 'show':
        io.stdout.write(showTask((await client.request('task/read', { taskId: id })).task));
        return 0;
      case 'logs':
        if (!args.follow) {
          const printer = new LogPrinter((text) => io.stdout.write(text));
          await readLog(client, id, printer);
          return 0;
        }
        return exitFor(await follow(client, id, (text) => io.stdout.write(text)));
      case 'cancel': {
        const { task } = await client.request('task/cancel', { taskId: id });
        io.stdout.write(`task ${task.id}: ${task.status}\n`);
        return 0;
      }
      case 'retry': {
        const { task } = await client.request('task/retry', { taskId: id });
        io.stdout.write(`${task.id}\n`);
        return 0;
      }
      default:
        return await apply(client, id, io);
    }
  } finally {
    client.close();
  }
}

async function submit(
  client: YokeClient,
  prompt: string,
  args: Parsed<(typeof SUBCOMMANDS)['submit']['options']>['values'],
  io: Io,
) {
  const { task } = await client.request('task/submit', {
    prompt,
    repo: resolve(args.repo ?? '.'),
    baseRef: args.base ?? null,
    checks: args.check ?? [],
    blueprint: args.blueprint ?? null,
    model: args.model ?? null,
  });
  io.stdout.write(`${task.id}\n`);
  if (!args.wait) return 0;
  const final = await follow(client, task.id, (text) => io.stderr.write(text));
  io.stdout.write(showTask(final));
  return exitFor(final);
}

async function list(client: YokeClient, all: boolean, io: Io): Promise<number> {
  const tasks: Task[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: Task[]; nextCursor: string | null } = await client.request('task/list', {
      cursor,
      limit: 50,
    });
    tasks.push(...page.data);
    cursor = all ? page.nextCursor : null;
  } while (cursor);
  io.stdout.write(listTable(tasks));
  return 0;
}

const exitFor = (task: Task) => (task.status === 'succeeded' ? 0 : 1);

/** A full id, or the one task whose id starts with `given`. */
async function resolveId(client: YokeClient, given: string): Promise<string> {
  if (/^[0-9a-z]{12}$/.test(given)) return given;
  const { data } = await client.request('task/list', { limit: 500 });
  const matches = data.filter((t) => t.id.startsWith(given));
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length === 0) throw new UsageError(`no task ${given}`);
  throw new UsageError(`"${given}" is ambiguous: ${matches.map((t) => t.id).join(', ')}`);
}

async function apply(client: YokeClient, id: string, io: Io): Promise<number> {
  const { task } = await client.request('task/read', { taskId: id });
  const result = task.result;
  if (!result) throw new UsageError(`task ${id} is ${task.status} and has no result to apply`);
  if (task.status !== 'succeeded')
    io.stderr.write(`yoke: task ${id} ${task.status}; applying its work in progress anyway\n`);
  const diff = await run(
    'git',
    ['diff', '--binary', result.baseCommit, result.headCommit],
    task.repo,
  );
  if (!diff.stdout.trim()) {
    io.stdout.write(`task ${id} changed nothing; nothing to apply\n`);
    return 0;
  }
  const top = await run('git', ['rev-parse', '--show-toplevel'], process.cwd());
  if (top.code !== 0) throw new UsageError('apply works in a git checkout; cd into one');
  // Applied before (staged or committed): the reverse patch applies cleanly to the worktree.
  const reverse = await run(
    'git',
    ['apply', '--reverse', '--check', '--whitespace=nowarn'],
    top.stdout.trim(),
    diff.stdout,
  );
  if (reverse.code === 0) {
    io.stdout.write(
      `the changes of ${task.branch} are already applied in ${top.stdout.trim()}; nothing to do\n`,
    );
    return 0;
  }
  const applied = await run(
    'git',
    ['apply', '--3way', '--whitespace=nowarn'],
    top.stdout.trim(),
    diff.stdout,
  );
  if (applied.code !== 0) {
    io.stderr.write(applied.stderr);
    throw new UsageError(`the changes of ${task.branch} do not apply cleanly here (see above)`);
  }
  io.stdout.write(
    `applied ${result.filesChanged} file(s) from ${task.branch} to ${top.stdout.trim()} ` +
      '(staged, not committed; review with git diff --cached)\n',
  );
  return 0;
}

function run(
  file: string,
  args: string[],
  cwd: string,
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      file,
      args,
      { cwd, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) =>
        done({
          code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
    // A program that exits without reading its input (git with nothing to apply) must not
    // crash this process with EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(stdin ?? '');
  });
}
