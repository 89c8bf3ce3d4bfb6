// Handlers of the thread, turn and model methods: thin translations between the wire shapes
// and the runtime. Anything they throw becomes a JSON-RPC error in the router.
import type { ParamsOf, ResultOf } from '../protocol/methods.ts';
import {
  sandboxModeOf,
  type AskForApproval,
  type SandboxDetails,
  type SandboxMode,
  type SandboxPolicy,
  type Turn,
} from '../protocol/thread.ts';
import { RuntimeError } from '../runtime/errors.ts';
import type { TurnOverrides } from '../runtime/session-types.ts';
import type { ThreadSession } from '../runtime/thread-session.ts';
import { USER_SHELL_TIMEOUT_MS } from '../runtime/user-shell.ts';
import type { AppServer } from './app-server.ts';
import { turnsPage } from './handlers-history.ts';
import { searchThreads } from './thread-search.ts';
import type { ConnectionContext, Handlers, ReplyHooks } from './router.ts';

type SessionResult = ResultOf<'thread/start'>;

export function threadHandlers(server: AppServer): Handlers {
  const { manager } = server;

  /** The session for a thread id, loading it from the store if needed. */
  const session = (threadId: string): ThreadSession =>
    manager.loaded(threadId) ?? manager.resumeThread(threadId);

  /**
   * `approvalPolicy: null` is how a Codex client (the Codex TUI) asks for the server's default,
   * which in Codex is on-request: that is what it gets unless Yoke's config sets approval_policy.
   * Left out, as Yoke's own clients do, it is Yoke's configured default (never).
   */
  const codexDefaultApproval = (given: null | undefined): AskForApproval | undefined =>
    given === null && !manager.approvalPolicyConfigured ? 'on-request' : undefined;

  /**
   * A fleet front resumes a thread a worker runs: subscribed to its live events first (so
   * nothing falls between), then read from the shared store.
   */
  const remoteResume = async (
    params: ParamsOf<'thread/resume'>,
    ctx: ConnectionContext,
  ): Promise<ResultOf<'thread/resume'>> => {
    const remote = server.remote!;
    await remote.subscribe(params.threadId, ctx);
    let found;
    try {
      found = (await server.remoteThread(params.threadId))!;
    } catch (err) {
      remote.unsubscribe(params.threadId, ctx);
      throw err;
    }
    const { thread, settings } = found;
    const result: ResultOf<'thread/resume'> = {
      thread: params.excludeTurns ? { ...thread, turns: [] } : thread,
      model: settings.model,
      modelProvider: settings.modelProvider,
      cwd: settings.cwd,
      runtimeWorkspaceRoots: [settings.cwd],
      approvalPolicy: settings.approvalPolicy,
      approvalsReviewer: 'user',
      sandbox: sandboxPolicy(
        settings.sandboxMode,
        settings.networkAccess ?? false,
        settings.writableRoots ?? [],
      ),
      reasoningEffort: settings.reasoningEffort,
      instructionSources: found.instructionSources,
    };
    if (!params.initialTurnsPage) return result;
    return { ...result, initialTurnsPage: turnsPage(thread.turns, params.initialTurnsPage) };
  };

  // Codex sends thread/started after the response to thread/start (and thread/fork).
  const announce = (s: ThreadSession, ctx: ConnectionContext, reply: ReplyHooks) =>
    reply.afterReply(() =>
      ctx.notify({ method: 'thread/started', params: { thread: s.toThread() } }),
    );

  return {
    'thread/start': (params, ctx, reply) => {
      const approvalPolicy = params.approvalPolicy ?? codexDefaultApproval(params.approvalPolicy);
      const s = manager.startThread({
        ...(params.cwd ? { cwd: params.cwd } : {}),
        ...(params.model ? { model: params.model } : {}),
        ...(params.modelProvider ? { modelProvider: params.modelProvider } : {}),
        ...(approvalPolicy ? { approvalPolicy } : {}),
        ...(params.sandbox ? { sandboxMode: params.sandbox } : {}),
        ...(params.toolset ? { toolset: params.toolset } : {}),
        ...(params.tools ? { tools: params.tools } : {}),
        ephemeral: params.ephemeral ?? false,
        source: 'appServer',
      });
      server.subscribe(s, ctx);
      announce(s, ctx, reply);
      return sessionResult(s, false);
    },
    'thread/resume': (params, ctx) => {
      if (server.remote && !manager.knows(params.threadId)) return remoteResume(params, ctx);
      const s = session(params.threadId);
      applyThreadOverrides(s, params);
      server.subscribe(s, ctx);
      const result = sessionResult(s, !params.excludeTurns);
      if (!params.initialTurnsPage) return result;
      return {
        ...result,
        initialTurnsPage: turnsPage(s.toThread(true).turns, params.initialTurnsPage),
      };
    },
    'thread/fork': (params, ctx, reply) => {
      if (params.ephemeral && !params.excludeTurns) {
        throw new RuntimeError(
          'input_invalid',
          'an ephemeral thread/fork requires excludeTurns: true',
        );
      }
      const s = manager.forkThread(params.threadId, {
        lastTurnId: params.lastTurnId ?? null,
        ephemeral: params.ephemeral ?? false,
      });
      applyThreadOverrides(s, params);
      server.subscribe(s, ctx);
      announce(s, ctx, reply);
      return sessionResult(s, !params.excludeTurns);
    },
    'thread/list': async (params) => {
      const cwd = Array.isArray(params.cwd) ? params.cwd[0] : params.cwd;
      const query = {
        ...(cwd ? { cwd } : {}),
        archived: params.archived ?? false,
        ...(params.searchTerm ? { searchTerm: params.searchTerm } : {}),
        ...(params.cursor ? { cursor: params.cursor } : {}),
        ...(params.limit ? { limit: params.limit } : {}),
      };
      // A fleet front lists the threads its workers run (the shared store's) with its own.
      const shared = server.remote ? await server.remote.shared.list(query) : undefined;
      const { data, nextCursor } = manager.listThreads(query, shared);
      const readStates = Object.fromEntries(
        data.flatMap((t) => {
          const state = server.readStates.get(t.id);
          return state ? [[t.id, state]] : [];
        }),
      );
      return { data, nextCursor, readStates };
    },
    'thread/search': (params) => searchThreads(manager, params, server.remote?.shared),
    'thread/loaded/list': () => ({ data: manager.loadedThreadIds, nextCursor: null }),
    'thread/read': (params) => {
      if (!server.remote || manager.knows(params.threadId))
        return { thread: manager.readThread(params.threadId, params.includeTurns ?? false) };
      return server.remoteThread(params.threadId).then((found) => ({
        thread: params.includeTurns ? found!.thread : { ...found!.thread, turns: [] },
      }));
    },
    'thread/archive': (params) => {
      manager.setArchived(params.threadId, true);
      server.broadcast({ method: 'thread/archived', params: { threadId: params.threadId } });
      return {};
    },
    'thread/delete': (params) => {
      manager.deleteThread(params.threadId);
      server.readStates.delete(params.threadId);
      server.broadcast({ method: 'thread/deleted', params: { threadId: params.threadId } });
      return {};
    },
    'thread/settings/update': (params) => {
      session(params.threadId).updateSettings({
        ...(params.cwd ? { cwd: params.cwd } : {}),
        ...(params.model ? { model: params.model } : {}),
        ...(params.approvalPolicy ? { approvalPolicy: params.approvalPolicy } : {}),
        ...(params.sandboxPolicy ? sandboxOverrides(params.sandboxPolicy) : {}),
        ...(params.effort !== undefined
          ? { effort: params.effort === 'none' ? null : params.effort }
          : {}),
      });
      return {};
    },
    'thread/unarchive': (params) => {
      manager.setArchived(params.threadId, false);
      server.broadcast({ method: 'thread/unarchived', params: { threadId: params.threadId } });
      return { thread: manager.readThread(params.threadId, false) };
    },
    'thread/name/set': (params) => {
      const name = params.name.trim() || null;
      const loaded = manager.loaded(params.threadId);
      if (loaded) loaded.setName(name);
      else {
        manager.setName(params.threadId, name);
        server.broadcast({
          method: 'thread/name/updated',
          params: { threadId: params.threadId, threadName: name },
        });
      }
      return {};
    },
    'thread/unsubscribe': (params, ctx) => {
      if (server.remote?.watches(params.threadId))
        return {
          status: server.remote.unsubscribe(params.threadId, ctx)
            ? 'unsubscribed'
            : 'notSubscribed',
        };
      if (!manager.loaded(params.threadId)) return { status: 'notLoaded' };
      return {
        status: server.unsubscribe(params.threadId, ctx) ? 'unsubscribed' : 'notSubscribed',
      };
    },
    'thread/compact/start': (params, _ctx, reply) => {
      // The compaction turn's notifications follow the reply.
      session(params.threadId).startCompaction((go) => reply.afterReply(go));
      return {};
    },
    'thread/shellCommand': (params, _ctx, reply) => {
      // Its turn's notifications (turn/started first) follow the reply.
      session(params.threadId).startShellCommand(
        params.command,
        params.timeoutMs ?? USER_SHELL_TIMEOUT_MS,
        (go) => reply.afterReply(go),
      );
      return {};
    },
    'turn/start': (params, _ctx, reply) => {
      const s = session(params.threadId);
      const schema = params.outputSchema;
      if (
        schema !== undefined &&
        schema !== null &&
        (typeof schema !== 'object' || Array.isArray(schema))
      ) {
        throw new RuntimeError('input_invalid', 'outputSchema must be a JSON Schema object');
      }
      const { turnId } = s.startTurn(
        params.input,
        {
          ...(params.cwd ? { cwd: params.cwd } : {}),
          ...(params.model ? { model: params.model } : {}),
          ...(params.approvalPolicy ? { approvalPolicy: params.approvalPolicy } : {}),
          ...(params.sandboxPolicy ? sandboxOverrides(params.sandboxPolicy) : {}),
          ...(params.effort !== undefined
            ? { effort: params.effort === 'none' ? null : params.effort }
            : {}),
          ...(schema ? { outputSchema: schema as Record<string, unknown> } : {}),
        },
        // The turn's notifications (turn/started first) follow the reply.
        (go) => reply.afterReply(go),
      );
      return { turn: startedTurn(turnId) };
    },
    'turn/steer': (params) => ({
      turnId: session(params.threadId).steer(params.input, params.expectedTurnId),
    }),
    'turn/interrupt': (params) => {
      const s = manager.loaded(params.threadId);
      if (!s || !s.interrupt(params.turnId)) {
        throw new RuntimeError(
          'turn_not_found',
          `turn ${params.turnId} is not running on thread ${params.threadId}`,
        );
      }
      return {};
    },
    'model/list': async (params) => ({
      data: await manager.models(params.modelProvider ?? null, params.includeHidden ?? false),
      nextCursor: null,
    }),
  };
}

function applyThreadOverrides(s: ThreadSession, params: ParamsOf<'thread/resume'>): void {
  s.updateSettings({
    ...(params.cwd ? { cwd: params.cwd } : {}),
    ...(params.model ? { model: params.model } : {}),
    ...(params.approvalPolicy ? { approvalPolicy: params.approvalPolicy } : {}),
    ...(params.sandbox ? { sandboxMode: params.sandbox } : {}),
  });
}

function sessionResult(s: ThreadSession, withTurns: boolean): SessionResult {
  const { settings } = s;
  return {
    thread: s.toThread(withTurns),
    model: settings.model,
    modelProvider: settings.modelProvider,
    cwd: settings.cwd,
    runtimeWorkspaceRoots: [settings.cwd],
    approvalPolicy: settings.approvalPolicy,
    approvalsReviewer: 'user',
    sandbox: sandboxPolicy(settings.sandboxMode, s.networkAccess, settings.writableRoots ?? []),
    reasoningEffort: settings.reasoningEffort,
    instructionSources: s.instructionSources,
    ...optionalDetails(s.sandboxDetails()),
  };
}

/** The Turn a turn-starting reply carries: in progress, its items still to come. */
export function startedTurn(id: string): Turn {
  return {
    id,
    items: [],
    itemsView: 'notLoaded',
    status: 'inProgress',
    error: null,
    startedAt: null,
    completedAt: null,
    durationMs: null,
  };
}

function optionalDetails(details: SandboxDetails | null): { sandboxDetails?: SandboxDetails } {
  return details ? { sandboxDetails: details } : {};
}

export function sandboxPolicy(
  mode: SandboxMode,
  networkAccess = false,
  writableRoots: string[] = [],
): SandboxPolicy {
  switch (mode) {
    case 'read-only':
      return { type: 'readOnly', networkAccess };
    case 'workspace-write':
      return {
        type: 'workspaceWrite',
        writableRoots,
        networkAccess,
        excludeTmpdirEnvVar: false,
        excludeSlashTmp: false,
      };
    case 'danger-full-access':
      return { type: 'dangerFullAccess' };
  }
}

/**
 * What a turn/start `sandboxPolicy` changes: the mode, and — honoured, never dropped — its
 * networkAccess and writableRoots (relative roots are taken from the thread's cwd).
 */
function sandboxOverrides(
  policy: SandboxPolicy,
): Pick<TurnOverrides, 'sandboxMode' | 'networkAccess' | 'writableRoots'> {
  return {
    sandboxMode: sandboxModeOf(policy),
    ...(policy.type !== 'dangerFullAccess' && policy.networkAccess !== undefined
      ? { networkAccess: policy.networkAccess }
      : {}),
    ...(policy.type === 'workspaceWrite' && policy.writableRoots
      ? { writableRoots: policy.writableRoots }
      : {}),
  };
}
