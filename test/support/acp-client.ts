// An ACP editor for tests: spawns `yoke acp`, connects with the official SDK's client side,
// records every session/update, and answers permission questions as the test scripts them.
import { spawn, type ChildProcess } from 'node:child_process';
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import { YOKE_BIN } from './cli.ts';

export type PermissionAsked = acp.RequestPermissionRequest & { answer: string | null };

/** Picks an option for a question (by its optionId), or null to answer `cancelled`. */
export type Answerer = (
  request: acp.RequestPermissionRequest,
) => Promise<string | null> | string | null;

export type Editor = {
  agent: acp.ClientContext;
  child: ChildProcess;
  /** Every session/update received, in order. */
  updates: acp.SessionNotification[];
  permissions: PermissionAsked[];
  /** The next permission question is answered by `answer` (the default: reject_once). */
  answerWith: (answer: Answerer) => void;
  /** Resolves once an update matching `match` has arrived (including ones already here). */
  waitForUpdate: (
    match: (u: acp.SessionNotification) => boolean,
  ) => Promise<acp.SessionNotification>;
  stderr: () => string;
  /** Closes stdin and waits for the process to exit; resolves its exit code. */
  close: () => Promise<number | null>;
};

export function spawnEditor(opts: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  args?: string[];
  /** A command line to run `node yoke.js acp` under (e.g. `/usr/bin/time -f …`). */
  wrap?: string[];
  /** Registers more of the editor's methods (fs/*, terminal/*). */
  serve?: (app: acp.ClientApp) => acp.ClientApp;
}): Editor {
  const [wrapper, ...wrapArgs] = opts.wrap ?? [];
  const argv = [YOKE_BIN, 'acp', ...(opts.args ?? [])];
  const command = wrapper ?? process.execPath;
  const child = spawn(command, wrapper ? [...wrapArgs, process.execPath, ...argv] : argv, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const updates: acp.SessionNotification[] = [];
  const permissions: PermissionAsked[] = [];
  const waiters = new Set<() => void>();
  let exitedFirst = false;
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      exitedFirst = true;
      for (const w of [...waiters]) w();
      resolve(code);
    }),
  );
  let answerer: Answerer = () => 'reject_once';
  const app = acp
    .client({ name: 'test-editor' })
    .onNotification('session/update', ({ params }) => {
      updates.push(params);
      for (const w of [...waiters]) w();
    })
    .onRequest('session/request_permission', async ({ params }) => {
      const answer = await answerer(params);
      permissions.push({ ...params, answer });
      for (const w of [...waiters]) w();
      return answer === null
        ? { outcome: { outcome: 'cancelled' } }
        : { outcome: { outcome: 'selected', optionId: answer } };
    });
  opts.serve?.(app);
  const stream = acp.ndJsonStream(
    Writable.toWeb(child.stdin!) as WritableStream<Uint8Array>,
    Readable.toWeb(child.stdout!) as ReadableStream<Uint8Array>,
  );
  const connection = app.connect(stream);
  return {
    agent: connection.agent,
    child,
    updates,
    permissions,
    answerWith: (answer) => (answerer = answer),
    waitForUpdate: (match) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = updates.find(match);
          if (!found && !exitedFirst) return;
          waiters.delete(check);
          if (found) resolve(found);
          else reject(new Error(`yoke acp exited first: ${stderr}`));
        };
        waiters.add(check);
        check();
      }),
    stderr: () => stderr,
    close: async () => {
      child.stdin!.end();
      connection.close();
      return exited;
    },
  };
}

/** What an editor shows at the end: messages by id, tool calls merged by id, the last plan. */
export type Transcript = {
  entries: (
    | { kind: 'user' | 'agent' | 'thought'; id: string; text: string }
    | { kind: 'tool'; id: string; fields: Record<string, unknown> }
  )[];
  plan: acp.PlanEntry[] | null;
};

export function transcriptOf(updates: readonly acp.SessionNotification[]): Transcript {
  const entries: Transcript['entries'] = [];
  const byId = new Map<string, Transcript['entries'][number]>();
  let plan: acp.PlanEntry[] | null = null;
  const kinds = {
    user_message_chunk: 'user',
    agent_message_chunk: 'agent',
    agent_thought_chunk: 'thought',
  } as const;
  for (const { update } of updates) {
    switch (update.sessionUpdate) {
      case 'user_message_chunk':
      case 'agent_message_chunk':
      case 'agent_thought_chunk': {
        const kind = kinds[update.sessionUpdate];
        const id = `${kind}:${update.messageId ?? entries.length}`;
        const text =
          update.content.type === 'text' ? update.content.text : `[${update.content.type}]`;
        const entry = byId.get(id);
        if (entry && entry.kind !== 'tool') entry.text += text;
        else {
          const created = { kind, id, text };
          byId.set(id, created);
          entries.push(created);
        }
        break;
      }
      case 'tool_call':
      case 'tool_call_update': {
        const { sessionUpdate: _kind, toolCallId, ...fields } = update;
        const id = `tool:${toolCallId}`;
        const entry = byId.get(id);
        const defined = Object.fromEntries(
          Object.entries(fields).filter(([, v]) => v !== undefined),
        );
        if (entry && entry.kind === 'tool') Object.assign(entry.fields, defined);
        else {
          const created = { kind: 'tool' as const, id, fields: defined };
          byId.set(id, created);
          entries.push(created);
        }
        break;
      }
      case 'plan':
        plan = update.entries;
        break;
      default:
        break;
    }
  }
  return { entries, plan };
}
