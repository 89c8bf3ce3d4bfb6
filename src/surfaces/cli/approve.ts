// `yoke approve`: answers the approvals waiting on a running server from another terminal.
// It uses only the protocol: subscribing to a thread (thread/resume) re-sends its pending
// questions as server→client requests; the first answer wins everywhere.
import { createInterface } from 'node:readline/promises';
import { YokeClient } from '../../client/client.ts';
import { elicitationAnswer, mcpQuestion } from '../../client/elicitation.ts';
import { connectWebSocket } from '../../client/ws-client-transport.ts';
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
  ],
  description:
    'DECISION: accept | accept-for-session | decline | cancel (cancel also stops the turn).\n' +
    'Connects to the `yoke serve` of YOKE_HOME, or to --remote ws://HOST:PORT with the token of\n' +
    '--auth-token-file (default: the one that server wrote in this YOKE_HOME).',
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
  answer: (decision: string) => void;
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
    if (all) {
      const value = decisionOf(all);
      for (const w of waiting) w.answer(value);
    } else if (index) {
      const w = waiting[Number(index) - 1];
      if (!w) throw new UsageError(`no approval ${index}; there are ${waiting.length}`);
      if (!decision)
        throw new UsageError('say which decision: accept, accept-for-session, decline or cancel');
      w.answer(decisionOf(decision));
    } else if (process.stdin.isTTY) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      for (const [i, w] of waiting.entries()) {
        const reply = (
          await rl.question(
            `[${i + 1}] accept (y), for the session (a), decline (n), cancel (c), skip (enter)? `,
          )
        ).trim();
        const map: Record<string, string> = {
          y: 'accept',
          a: 'acceptForSession',
          n: 'decline',
          c: 'cancel',
        };
        if (map[reply]) w.answer(map[reply]);
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
      waiting.push({ method, params, answer: (decision) => resolve({ decision }) }),
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
    return `thread ${thread}… run: ${p.command ?? '(command)'}  in ${p.cwd ?? '?'}`;
  }
  if (w.method === 'mcpServer/elicitation/request') {
    const q = mcpQuestion(w.params as ParamsOf<'mcpServer/elicitation/request'>);
    const url = q.url ? ` (${q.url})` : '';
    return `thread ${thread}… MCP ${q.server}: ${q.message}${url}${q.args ? ` ${q.args}` : ''}`;
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
