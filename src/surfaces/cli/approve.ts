// `yoke approve`: answers the approvals waiting on a running server from another terminal.
// It uses only the protocol: subscribing to a thread (thread/resume) re-sends its pending
// questions as server→client requests; the first answer wins everywhere.
import { createInterface } from 'node:readline/promises';
import { YokeClient } from '../../client/client.ts';
import { elicitationAnswer, mcpQuestion } from '../../client/elicitation.ts';
import {
  checkForm,
  fieldHint,
  fieldProblem,
  parseField,
  type FormField,
} from '../../client/elicitation-form.ts';
import { connectWebSocket } from '../../client/ws-client-transport.ts';
import { displayedCommand } from '../../protocol/command-line.ts';
import type { ParamsOf, ServerRequestMethod } from '../../protocol/methods.ts';
import { yokeHome } from '../../runtime/config.ts';
import {
  command,
  COMMON_OPTIONS,
  helpText,
  parseCommand,
  UsageError,
  wsUrlOption,
} from './args.ts';
import { runningDaemon } from './daemon.ts';
import { tokenFor } from './listener-token.ts';

export const APPROVE = command({
  name: 'approve',
  usage: [
    'yoke approve [OPTIONS]                 list waiting approvals (and answer them, on a terminal)',
    'yoke approve [OPTIONS] N DECISION      answer approval N (as listed)',
    'yoke approve [OPTIONS] --all DECISION  answer every waiting approval',
    "yoke approve [OPTIONS] N accept --field NAME=VALUE …   fill in an MCP server's form",
  ],
  description:
    'DECISION: accept | accept-for-session | decline | cancel (cancel also stops the turn).\n' +
    'Connects to the `yoke serve` of YOKE_HOME, or to --remote ws://HOST:PORT with the token of\n' +
    '--auth-token-file (default: the one that server wrote in this YOKE_HOME).\n' +
    "An MCP server's own question may be a form: accept it with --field NAME=VALUE for its\n" +
    'fields (checked against its schema; empty ones take their defaults), or answer on a\n' +
    'terminal, which asks field by field.',
  options: {
    remote: {
      type: 'string',
      value: 'URL',
      help: 'the App Server at ws://HOST:PORT instead of the local daemon',
    },
    'auth-token-file': COMMON_OPTIONS.authTokenFile,
    all: {
      type: 'string',
      value: 'DECISION',
      choices: ['accept', 'accept-for-session', 'decline', 'cancel'],
      help: 'answer every waiting approval with DECISION',
    },
    field: {
      type: 'string',
      value: 'NAME=VALUE',
      multiple: true,
      help: "a field of an MCP server's form, with accept (yes/no, numbers, a choice's name; several choices comma-separated)",
    },
  },
});

const DECISIONS = {
  accept: 'accept',
  'accept-for-session': 'acceptForSession',
  decline: 'decline',
  cancel: 'cancel',
} as const;

type Waiting = {
  method: ServerRequestMethod;
  params:
    | ParamsOf<'item/commandExecution/requestApproval'>
    | ParamsOf<'item/fileChange/requestApproval'>
    | ParamsOf<'mcpServer/elicitation/request'>;
  answer: (decision: unknown) => void;
  /** The fields of an MCP server's own form question (empty otherwise). */
  form: FormField[];
};

export async function approveCommand(argv: string[]): Promise<number> {
  const { values: args, positionals, help } = parseCommand(APPROVE, argv);
  if (help) {
    process.stdout.write(helpText(APPROVE));
    return 0;
  }
  if (positionals.length > 2 || (args.all && positionals.length))
    throw new UsageError('give N DECISION, or --all DECISION; see `yoke approve --help`');
  const client = new YokeClient(await connect(args.remote, args['auth-token-file']));
  try {
    const waiting = await collect(client);
    if (waiting.length === 0) {
      process.stdout.write('no approvals are waiting\n');
      return 0;
    }
    waiting.forEach((w, i) => process.stdout.write(`[${i + 1}] ${describe(w)}\n`));
    const all = args.all;
    const [index, decision] = positionals;
    const fields = fieldValues(args.field ?? []);
    if (fields.size && !(index && decision === 'accept'))
      throw new UsageError('--field goes with N accept (the form of MCP question N)');
    if (all) {
      const value = decisionOf(all);
      for (const [i, w] of waiting.entries()) {
        if (!(w.form.length && value === 'accept')) w.answer(value);
        else {
          // A form is accepted with its defaults only when they answer it.
          try {
            w.answer(filled(w, new Map()));
          } catch (err) {
            process.stdout.write(`[${i + 1}] left waiting: ${(err as Error).message}\n`);
          }
        }
      }
    } else if (index) {
      const w = waiting[Number(index) - 1];
      if (!w) throw new UsageError(`no approval ${index}; there are ${waiting.length}`);
      if (!decision)
        throw new UsageError('say which decision: accept, accept-for-session, decline or cancel');
      const value = decisionOf(decision);
      if (fields.size && !w.form.length)
        throw new UsageError(`approval ${index} is not a form: it takes no --field`);
      w.answer(w.form.length && value === 'accept' ? filled(w, fields) : value);
    } else if (process.stdin.isTTY) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      for (const [i, w] of waiting.entries()) {
        const reply = (
          await rl.question(
            w.form.length
              ? `[${i + 1}] fill in the form (y), decline (n), cancel (c), skip (enter)? `
              : `[${i + 1}] accept (y), for the session (a), decline (n), cancel (c), skip (enter)? `,
          )
        ).trim();
        const map: Record<string, string> = {
          y: 'accept',
          a: 'acceptForSession',
          n: 'decline',
          c: 'cancel',
        };
        if (w.form.length && reply === 'y') w.answer(await askForm(w.form, rl));
        else if (map[reply] && !(w.form.length && reply === 'a')) w.answer(map[reply]);
      }
      rl.close();
    } else return 0;
    // Let the answers reach the server before the connection closes.
    await client.request('thread/loaded/list', {});
    process.stdout.write('answered\n');
    return 0;
  } finally {
    client.close();
  }
}

async function connect(remote: string | undefined, tokenFile: string | undefined) {
  if (remote) {
    wsUrlOption(remote, 'remote');
    const token = tokenFor(remote, tokenFile, yokeHome());
    return connectWebSocket(remote, token ? { authToken: token } : {});
  }
  const daemon = runningDaemon(yokeHome());
  if (!daemon)
    throw new UsageError(
      'no `yoke serve` is running for this YOKE_HOME; start one, or pass --remote ws://HOST:PORT',
    );
  return connectWebSocket(daemon.url, { authToken: daemon.token });
}

/** Subscribes to every loaded thread; the server re-sends their waiting questions. */
async function collect(client: YokeClient): Promise<Waiting[]> {
  const waiting: Waiting[] = [];
  const hold = (method: ServerRequestMethod) => (params: Waiting['params']) =>
    new Promise<{ decision: string }>((resolve) =>
      waiting.push({
        method,
        params,
        answer: (decision) => resolve({ decision: decision as string }),
        form: [],
      }),
    );
  client.onServerRequest(
    'item/commandExecution/requestApproval',
    hold('item/commandExecution/requestApproval') as never,
  );
  client.onServerRequest(
    'item/fileChange/requestApproval',
    hold('item/fileChange/requestApproval') as never,
  );
  // MCP tool calls (and an MCP server's own questions) are asked as elicitations.
  client.onServerRequest(
    'mcpServer/elicitation/request',
    (params) =>
      new Promise((resolve) =>
        waiting.push({
          method: 'mcpServer/elicitation/request',
          params,
          answer: (decision) => resolve(elicitationAnswer(decision)),
          form: mcpQuestion(params).form,
        }),
      ),
  );
  await client.initialize({ name: 'yoke_approve', title: 'yoke approve', version: '1' });
  const loaded = await client.request('thread/loaded/list', {});
  for (const threadId of loaded.data)
    await client.request('thread/resume', { threadId, excludeTurns: true });
  return waiting;
}

function describe(w: Waiting): string {
  const thread = w.params.threadId.slice(0, 13);
  if (w.method === 'item/commandExecution/requestApproval') {
    const p = w.params as ParamsOf<'item/commandExecution/requestApproval'>;
    return `thread ${thread}… run: ${p.command ? displayedCommand(p.command) : '(command)'}  in ${p.cwd ?? '?'}`;
  }
  if (w.method === 'mcpServer/elicitation/request') {
    const q = mcpQuestion(w.params as ParamsOf<'mcpServer/elicitation/request'>);
    const url = q.url ? ` (${q.url})` : '';
    const form = q.form.map((f) => `\n      ${f.name}: ${f.label} (${fieldHint(f)})`).join('');
    return `thread ${thread}… MCP ${q.server}: ${q.message}${url}${q.args ? ` ${q.args}` : ''}${form}`;
  }
  return `thread ${thread}… apply a file change (item ${w.params.itemId})`;
}

function decisionOf(text: string): string {
  const value = DECISIONS[text as keyof typeof DECISIONS];
  if (!value)
    throw new UsageError(
      `unknown decision "${text}": accept, accept-for-session, decline or cancel`,
    );
  return value;
}

/** `--field NAME=VALUE` options, by name (the text as typed). */
function fieldValues(options: string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const option of options) {
    const at = option.indexOf('=');
    if (at <= 0) throw new UsageError(`--field takes NAME=VALUE, not "${option}"`);
    values.set(option.slice(0, at), option.slice(at + 1));
  }
  return values;
}

/** A form filled from --field values, checked against its schema (a UsageError says why not). */
function filled(w: Waiting, values: Map<string, string>) {
  const parsed: Record<string, unknown> = {};
  for (const [name, text] of values) {
    const field = w.form.find((f) => f.name === name);
    parsed[name] = field ? parseField(field, text) : text;
  }
  const check = checkForm(w.form, parsed);
  if (!check.ok)
    throw new UsageError(
      `the form is not answered: ${Object.values(check.problems).join('; ')} (fields: ${w.form
        .map((f) => `${f.name} — ${fieldHint(f)}`)
        .join('; ')})`,
    );
  return { acceptWithContent: check.content };
}

/** Asks for each field on the terminal, again until the answer fits. */
async function askForm(
  form: FormField[],
  rl: { question(query: string): Promise<string> },
): Promise<{ acceptWithContent: Record<string, unknown> }> {
  const values: Record<string, unknown> = {};
  for (const field of form) {
    for (;;) {
      const about = field.description ? ` — ${field.description}` : '';
      const text = await rl.question(`  ${field.label}${about} (${fieldHint(field)}): `);
      const value = parseField(field, text);
      const problem = fieldProblem(field, value ?? field.default);
      if (!problem) {
        if (value !== undefined) values[field.name] = value;
        break;
      }
      process.stdout.write(`  ${problem}\n`);
    }
  }
  const check = checkForm(form, values);
  if (!check.ok) throw new UsageError(Object.values(check.problems).join('; '));
  return { acceptWithContent: check.content };
}
