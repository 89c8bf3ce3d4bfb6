// `yoke acp`: an Agent Client Protocol agent (the official SDK) that is a client of an App
// Server, as `yoke exec` is. ACP sessions are Yoke threads, prompts are turns, the thread's
// notifications become `session/update`s and its approval questions `session/request_permission`.
import * as acp from '@agentclientprotocol/sdk';
import type { YokeClient } from '../../client/client.ts';
import type { ServerNotification } from '../../protocol/methods.ts';
import type { UserInput } from '../../protocol/items.ts';
import type { Model } from '../../protocol/methods.ts';
import type { ThreadPorts } from '../../runtime/thread-ports.ts';
import { AVAILABLE_COMMANDS, expandCommand } from './commands.ts';
import { configOptions, MODE_OPTION, MODEL_OPTION } from './config-options.ts';
import { editorPorts } from './editor-ports.ts';
import { MODE_IDS, isModeId, modeFromSettings, modeOf, modeState, type ModeId } from './modes.ts';
import { bridgePermissions } from './permission-bridge.ts';
import { PromptError, userInputOf } from './prompt.ts';
import { replayUpdates } from './replay.ts';
import { AcpSession, SessionBusyError, type PromptEnd, type TurnUsage } from './session.ts';

export type AcpAgentOptions = {
  yoke: YokeClient;
  version: string;
  /** The mode new sessions start in. */
  mode: ModeId;
  /** Why no model can be reached (a missing API key), or null when one can. */
  authProblem: string | null;
  /** Diagnostics (stderr: stdout is the protocol). */
  log: (line: string) => void;
  /** Swaps what a session's thread goes through: the editor's MCP servers, buffers, terminal. */
  attach: (threadId: string, ports: ThreadPorts) => Promise<string[]>;
  /** Commands may start in the editor's terminal when it offers one (`[acp] editor_terminal`). */
  editorTerminal: boolean;
};

export function createAcpAgent(options: AcpAgentOptions): acp.AgentApp {
  const { yoke, log } = options;
  const sessions = new Map<string, AcpSession>();
  let editor: acp.AgentContext | null = null;
  let capabilities: acp.ClientCapabilities = {};
  let models: Promise<Model[]> | null = null;
  const modelList = () =>
    (models ??= yoke.request('model/list', {}).then(
      (page) => page.data,
      () => [],
    ));

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
    if (n.method === 'thread/tokenUsage/updated') session.addUsage(n.params.tokenUsage.last);
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
  const portsOptions = {
    editor: () => editor,
    get capabilities() {
      return capabilities;
    },
    editorTerminal: options.editorTerminal,
    log,
    // The running command's tool call shows the editor's terminal while it runs.
    onTerminal: (sessionId: string, terminalId: string | null) => {
      const toolCallId = terminalId ? sessions.get(sessionId)?.live.runningCommand() : undefined;
      if (toolCallId && terminalId)
        send(sessionId, {
          sessionUpdate: 'tool_call_update',
          toolCallId,
          content: [{ type: 'terminal', terminalId }],
        });
    },
  };
  const open = async (
    threadId: string,
    cwd: string,
    mode: ModeId,
    model: string,
    mcpServers: readonly acp.McpServer[],
  ) => {
    // Before anything is scheduled: what follows runs in one go, up to the answer.
    const models = await modelList();
    const session = new AcpSession(threadId, cwd, mode, model, (turnId) => {
      yoke
        .request('turn/interrupt', { threadId, turnId })
        .catch((err: unknown) => log(`turn/interrupt failed: ${String(err)}`));
    });
    sessions.set(threadId, session);
    // The MCP servers start now; the first prompt waits for them (each ≤ its startup timeout).
    options
      .attach(threadId, editorPorts(portsOptions, threadId, mcpServers))
      .then((failures) => failures.forEach(log))
      .catch((err: unknown) => log(`the session's tools could not be set up: ${String(err)}`));
    // After the answer that names the session: the editor knows it by then.
    setImmediate(() =>
      send(threadId, {
        sessionUpdate: 'available_commands_update',
        availableCommands: AVAILABLE_COMMANDS,
      }),
    );
    return { modes: modeState(mode), configOptions: configOptions(mode, model, models) };
  };
  const requireModel = () => {
    if (options.authProblem) throw acp.RequestError.authRequired(undefined, options.authProblem);
  };

  return acp
    .agent({ name: 'yoke' })
    .onConnect((connection) => {
      editor = connection.client;
    })
    .onRequest('initialize', ({ params }) => {
      capabilities = params.clientCapabilities ?? {};
      return {
        protocolVersion: acp.PROTOCOL_VERSION,
        agentCapabilities: {
          loadSession: true,
          promptCapabilities: { image: true, audio: false, embeddedContext: true },
          // stdio is always offered; streamable HTTP too; the old SSE transport is not.
          mcpCapabilities: { http: true, sse: false },
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
      };
    })
    .onRequest('authenticate', () => {
      requireModel();
      return {};
    })
    .onRequest('session/new', async ({ params }) => {
      requireModel();
      const mode = options.mode;
      const { approvalPolicy, sandbox } = modeOf(mode);
      const started = await yoke.request('thread/start', {
        cwd: params.cwd,
        approvalPolicy,
        sandbox,
      });
      const opened = await open(
        started.thread.id,
        started.cwd,
        mode,
        started.model,
        params.mcpServers,
      );
      return { sessionId: started.thread.id, ...opened };
    })
    .onRequest('session/load', async ({ params }) => {
      requireModel();
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
      return open(resumed.thread.id, resumed.cwd, mode, resumed.model, params.mcpServers);
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
      // The mode selector among the config options follows (after this answer).
      const sessionId = session.id;
      void modelList().then((models) =>
        send(sessionId, {
          sessionUpdate: 'config_option_update',
          configOptions: configOptions(session.mode, session.model, models),
        }),
      );
      return {};
    })
    .onRequest('session/set_config_option', async ({ params }) => {
      const session = sessionOf(params.sessionId);
      const value = params.value;
      if (params.configId === MODE_OPTION && typeof value === 'string' && isModeId(value)) {
        session.setMode(value);
        const update = { sessionUpdate: 'current_mode_update' as const, currentModeId: value };
        setImmediate(() => send(session.id, update));
      } else if (params.configId === MODEL_OPTION && typeof value === 'string' && value.trim())
        session.setModel(value.trim());
      else
        throw acp.RequestError.invalidParams(
          { configId: params.configId, value },
          `unknown option or value; the options are ${MODE_OPTION} (${MODE_IDS.join(', ')}) and ${MODEL_OPTION}`,
        );
      return { configOptions: configOptions(session.mode, session.model, await modelList()) };
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
          } else if (command?.kind === 'review') {
            // On the session's thread; the review arrives as the turn's agent message.
            const started = await yoke.request('review/start', {
              threadId: session.id,
              target: command.target,
            });
            session.turnStarted(started.turn.id);
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

/** The prompt's answer; `usage` is ACP's (unstable) per-prompt token use. */
function stopReasonOf({ turn, usage }: PromptEnd): acp.PromptResponse & { usage?: TurnUsage } {
  if (turn.status === 'failed')
    throw acp.RequestError.internalError(
      { turnId: turn.id },
      `the turn failed: ${turn.error?.message ?? 'unknown error'}`,
    );
  return {
    stopReason: turn.status === 'interrupted' ? 'cancelled' : 'end_turn',
    ...(usage.totalTokens > 0 ? { usage } : {}),
  };
}
