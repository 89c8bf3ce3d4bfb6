// `yoke acp`: an Agent Client Protocol agent (the official SDK) that is a client of an App
// Server, as `yoke exec` is. ACP sessions are Yoke threads, prompts are turns, the thread's
// notifications become `session/update`s and its approval questions `session/request_permission`.
import * as acp from '@agentclientprotocol/sdk';
import type { YokeClient } from '../../client/client.ts';
import type { ServerNotification } from '../../protocol/methods.ts';
import type { UserInput } from '../../protocol/items.ts';
import type { Turn } from '../../protocol/thread.ts';
import { AVAILABLE_COMMANDS, expandCommand } from './commands.ts';
import { MODE_IDS, isModeId, modeFromSettings, modeOf, modeState, type ModeId } from './modes.ts';
import { bridgePermissions } from './permission-bridge.ts';
import { PromptError, userInputOf } from './prompt.ts';
import { replayUpdates } from './replay.ts';
import { AcpSession, SessionBusyError } from './session.ts';

export type AcpAgentOptions = {
  yoke: YokeClient;
  version: string;
  /** The mode new sessions start in. */
  mode: ModeId;
  /** Why no model can be reached (a missing API key), or null when one can. */
  authProblem: string | null;
  /** Diagnostics (stderr: stdout is the protocol). */
  log: (line: string) => void;
};

export function createAcpAgent(options: AcpAgentOptions): acp.AgentApp {
  const { yoke, log } = options;
  const sessions = new Map<string, AcpSession>();
  let editor: acp.AgentContext | null = null;

  const send = (sessionId: string, update: acp.SessionUpdate): void => {
    editor
      ?.notify('session/update', { sessionId, update })
      .catch((err: unknown) => log(`session/update not sent: ${String(err)}`));
  };

  yoke.onNotification('*', (n: ServerNotification) => {
    const threadId = 'threadId' in n.params ? n.params.threadId : null;
    const session = typeof threadId === 'string' ? sessions.get(threadId) : undefined;
    if (!session) return;
    for (const update of session.live.updatesFor(n)) send(session.id, update);
    if (n.method === 'turn/started') session.turnStarted(n.params.turn.id);
    if (n.method === 'turn/completed') session.turnCompleted(n.params.turn);
  });
  bridgePermissions({
    yoke,
    session: (id) => sessions.get(id),
    editor: () => editor,
    item: (itemId) => {
      for (const s of sessions.values()) {
        const item = s.live.toolItem(itemId);
        if (item) return item;
      }
      return undefined;
    },
  });

  const sessionOf = (sessionId: string): AcpSession => {
    const session = sessions.get(sessionId);
    if (!session) throw acp.RequestError.sessionNotFound(sessionId);
    return session;
  };
  const open = (threadId: string, cwd: string, mode: ModeId): AcpSession => {
    const session = new AcpSession(threadId, cwd, mode, (turnId) => {
      yoke
        .request('turn/interrupt', { threadId, turnId })
        .catch((err: unknown) => log(`turn/interrupt failed: ${String(err)}`));
    });
    sessions.set(threadId, session);
    // After the answer that names the session: the editor knows it by then.
    setImmediate(() =>
      send(threadId, {
        sessionUpdate: 'available_commands_update',
        availableCommands: AVAILABLE_COMMANDS,
      }),
    );
    return session;
  };
  const requireModel = () => {
    if (options.authProblem) throw acp.RequestError.authRequired(undefined, options.authProblem);
  };
  const mcpNote = (servers: readonly acp.McpServer[]) => {
    if (servers.length > 0)
      log(`the editor's MCP servers (${servers.map((s) => s.name).join(', ')}) are not used yet`);
  };

  return acp
    .agent({ name: 'yoke' })
    .onConnect((connection) => {
      editor = connection.client;
    })
    .onRequest('initialize', () => ({
      protocolVersion: acp.PROTOCOL_VERSION,
      agentCapabilities: {
        loadSession: true,
        promptCapabilities: { image: true, audio: false, embeddedContext: true },
        mcpCapabilities: { http: false, sse: false },
        sessionCapabilities: { list: {} },
      },
      agentInfo: { name: 'yoke', title: 'Yoke', version: options.version },
      authMethods: options.authProblem
        ? [
            {
              id: 'environment',
              name: 'API key in the environment',
              description: options.authProblem,
            },
          ]
        : [],
    }))
    .onRequest('authenticate', () => {
      requireModel();
      return {};
    })
    .onRequest('session/new', async ({ params }) => {
      requireModel();
      mcpNote(params.mcpServers);
      const mode = options.mode;
      const { approvalPolicy, sandbox } = modeOf(mode);
      const started = await yoke.request('thread/start', {
        cwd: params.cwd,
        approvalPolicy,
        sandbox,
      });
      open(started.thread.id, started.cwd, mode);
      return { sessionId: started.thread.id, modes: modeState(mode) };
    })
    .onRequest('session/load', async ({ params }) => {
      requireModel();
      mcpNote(params.mcpServers);
      const resumed = await yoke
        .request('thread/resume', { threadId: params.sessionId, cwd: params.cwd })
        .catch((err: unknown) => {
          throw new acp.RequestError(
            -32002,
            `session ${params.sessionId} not found: ${String(err)}`,
            {
              sessionId: params.sessionId,
            },
          );
        });
      const mode = modeFromSettings(resumed.approvalPolicy, resumed.sandbox);
      // Every update of the stored thread first, then the answer.
      const replay = replayUpdates(resumed.thread.turns);
      for (const update of replay)
        await editor?.notify('session/update', { sessionId: params.sessionId, update });
      open(resumed.thread.id, resumed.cwd, mode);
      return { modes: modeState(mode) };
    })
    .onRequest('session/list', async ({ params }) => {
      const page = await yoke.request('thread/list', {
        ...(params.cwd ? { cwd: params.cwd } : {}),
        ...(params.cursor ? { cursor: params.cursor } : {}),
      });
      return {
        sessions: page.data.map((t) => ({
          sessionId: t.id,
          cwd: t.cwd,
          title: t.name ?? (t.preview || null),
          updatedAt: new Date(t.updatedAt * 1000).toISOString(),
        })),
        nextCursor: page.nextCursor,
      };
    })
    .onRequest('session/set_mode', ({ params }) => {
      const session = sessionOf(params.sessionId);
      if (!isModeId(params.modeId))
        throw acp.RequestError.invalidParams(
          { modeId: params.modeId },
          `unknown mode; the modes are ${MODE_IDS.join(', ')}`,
        );
      session.setMode(params.modeId);
      return {};
    })
    .onRequest('session/prompt', async ({ params, signal }) => {
      const session = sessionOf(params.sessionId);
      let input: UserInput[];
      try {
        input = userInputOf(params.prompt);
      } catch (err) {
        if (err instanceof PromptError)
          throw acp.RequestError.invalidParams(undefined, err.message);
        throw err;
      }
      const command = expandCommand(input);
      let done;
      try {
        done = session.begin();
      } catch (err) {
        if (err instanceof SessionBusyError)
          throw acp.RequestError.invalidRequest(undefined, err.message);
        throw err;
      }
      const onAbort = () => session.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        try {
          if (command?.kind === 'compact') {
            // The compaction is a turn of its own; turn/started names it.
            await yoke.request('thread/compact/start', { threadId: session.id });
          } else {
            const started = await yoke.request('turn/start', {
              threadId: session.id,
              input: command?.kind === 'prompt' ? command.input : input,
              ...session.takeOverrides(),
            });
            session.turnStarted(started.turn.id);
          }
        } catch (err) {
          session.abandon();
          throw acp.RequestError.internalError(undefined, `the turn did not start: ${String(err)}`);
        }
        return stopReasonOf(await done);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    })
    .onNotification('session/cancel', ({ params }) => {
      sessions.get(params.sessionId)?.cancel();
    });
}

function stopReasonOf(turn: Turn): acp.PromptResponse {
  if (turn.status === 'failed')
    throw acp.RequestError.internalError(
      { turnId: turn.id },
      `the turn failed: ${turn.error?.message ?? 'unknown error'}`,
    );
  return { stopReason: turn.status === 'interrupted' ? 'cancelled' : 'end_turn' };
}
