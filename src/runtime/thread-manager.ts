// Starting, resuming and holding threads. One per process; every surface goes through it.
import { join } from 'node:path';
import { discoverAgentsMd } from '../context/agents-md.ts';
import { ModelCatalog } from '../context/model-catalog.ts';
import { BASE_INSTRUCTIONS } from '../engine/instructions.ts';
import { environmentContext, permissionsMessage, TURN_ABORTED_NOTE } from '../engine/prompt.ts';
import { createStreamFn } from '../models/provider.ts';
import type { FunctionCallItem, StreamFn } from '../models/types.ts';
import type { Model } from '../protocol/methods.ts';
import type { Thread } from '../protocol/thread.ts';
import { checkBwrap } from '../sandbox/bwrap.ts';
import { createDefaultRunner } from '../sandbox/default-runner.ts';
import { amendRules, loadRules, userRulesFile } from '../sandbox/exec-policy-files.ts';
import { amendMcpRules, loadMcpRules } from '../sandbox/mcp-rules-files.ts';
import type { SandboxPolicy } from '../sandbox/policy.ts';
import { createSandboxRunner } from '../sandbox/select.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import { openDb } from '../store/db.ts';
import { ThreadStore, type ThreadQuery, type ThreadRow } from '../store/thread-store.ts';
import { builtinTools } from '../tools/registry.ts';
import { loadConfig, type ResolvedConfig } from './config.ts';
import { RuntimeError } from './errors.ts';
import { uuidv7 } from './ids.ts';
import { CLI_VERSION } from './version.ts';
import { danglingCalls, replay, ZERO_USAGE } from './thread-log.ts';
import { ThreadSession, type SessionDeps, type ThreadSettings } from './thread-session.ts';

export type StartOptions = Partial<ThreadSettings> & {
  ephemeral?: boolean;
  source?: Thread['source'];
};

export type ManagerOptions = {
  config: ResolvedConfig;
  /** Defaults to the SQLite store under the config's home. */
  store?: ThreadStore;
  runner?: ProcessRunner;
  /** For tests: replace how model streams are made. */
  streamFor?: (provider: string) => StreamFn;
};

export class ThreadManager {
  private storeInstance: ThreadStore | null;
  private ephemeralStore: ThreadStore | null = null;
  private readonly sessions = new Map<string, ThreadSession>();
  private readonly deps: Omit<SessionDeps, 'store'>;

  constructor(private readonly options: ManagerOptions) {
    const { config } = options;
    this.storeInstance = options.store ?? null;
    const streams = new Map<string, StreamFn>();
    const catalog = new ModelCatalog(config.context.modelCatalog);
    // Anthropic counts max_tokens against the window: ask for what the model can produce.
    const anthropic = {
      maxTokens: (model: string) => Math.min(32_000, catalog.lookup(model).maxOutputTokens),
    };
    this.deps = {
      catalog,
      context: config.context,
      streamFor:
        options.streamFor ??
        ((provider) => {
          let fn = streams.get(provider);
          if (!fn) {
            const resolved =
              provider === config.provider.name
                ? config.provider
                : loadConfig({ flags: { provider } }).provider;
            fn = createStreamFn(resolved, {}, { anthropic });
            streams.set(provider, fn);
          }
          return fn;
        }),
      tools: builtinTools(),
      runner: options.runner ?? createDefaultRunner(),
      instructions: BASE_INSTRUCTIONS,
      commandTimeoutMs: config.commandTimeoutMs,
      outputBudgetBytes: config.outputBudgetBytes,
      cliVersion: CLI_VERSION,
      approvalTimeout: config.approvalTimeout,
      sandbox: {
        writableRoots: config.writableRoots,
        networkAccess: config.networkAccess,
        // An injected runner (tests, embedding) is used as it is.
        wrap: (policy) => options.runner ?? this.sandboxRunner(policy),
        loadRules: (cwd) => {
          const loaded = loadRules({
            userDir: join(config.home, 'rules'),
            projectDir: join(cwd, '.yoke', 'rules'),
            projectTrusted: false,
          });
          return loaded.rules;
        },
        amend: (prefix) => amendRules(userRulesFile(config.home), prefix),
        loadMcpRules: (cwd) =>
          loadMcpRules({
            userDir: join(config.home, 'rules'),
            projectDir: join(cwd, '.yoke', 'rules'),
          }),
        amendMcp: (server, tool) => amendMcpRules(userRulesFile(config.home), server, tool),
      },
    };
  }

  /** The SQLite store, opened on first use (a server answers `initialize` without it). */
  get store(): ThreadStore {
    this.storeInstance ??= new ThreadStore(openDb(join(this.options.config.home, 'yoke.db')));
    return this.storeInstance;
  }

  get config(): ResolvedConfig {
    return this.options.config;
  }

  get cliVersion(): string {
    return CLI_VERSION;
  }

  /** The models offered: the configured default (model catalogs come with the context engine). */
  models(provider: string | null): Model[] {
    const { config } = this.options;
    if (provider && provider !== config.provider.name) return [];
    const efforts = ['minimal', 'low', 'medium', 'high', 'xhigh'];
    return [
      {
        id: config.model,
        model: config.model,
        displayName: config.model,
        description: `${config.model} via ${config.provider.name} (${config.provider.baseUrl})`,
        hidden: false,
        isDefault: true,
        defaultReasoningEffort: config.reasoningEffort ?? 'medium',
        supportedReasoningEfforts: efforts.map((e) => ({ reasoningEffort: e, description: e })),
      },
    ];
  }

  /** Names a stored thread that is not loaded (a loaded one is named through its session). */
  setName(id: string, name: string | null): void {
    this.locate(id).store.setName(id, name);
  }

  /**
   * The sandbox backend for a policy. A sandboxed policy whose backend is missing is a clear
   * error with the install hint — never a quiet run without a sandbox.
   */
  private sandboxRunner(policy: () => SandboxPolicy): ProcessRunner {
    try {
      return createSandboxRunner({ policy, base: this.deps.runner, mode: 'auto' }).runner;
    } catch (err) {
      throw new RuntimeError('config_invalid', (err as Error).message);
    }
  }

  /** Fails early, at thread start, when the sandbox the settings ask for cannot run here. */
  private checkSandbox(mode: ThreadSettings['sandboxMode']): void {
    if (this.options.runner || mode === 'danger-full-access' || process.platform !== 'linux')
      return;
    const check = checkBwrap();
    if (!check.ok) throw new RuntimeError('config_invalid', check.message);
  }

  startThread(options: StartOptions = {}): ThreadSession {
    const { config } = this.options;
    const settings: ThreadSettings = {
      model: options.model ?? config.model,
      modelProvider: options.modelProvider ?? config.provider.name,
      cwd: options.cwd ?? process.cwd(),
      approvalPolicy: options.approvalPolicy ?? config.approvalPolicy,
      sandboxMode: options.sandboxMode ?? config.sandboxMode,
      reasoningEffort: options.reasoningEffort ?? config.reasoningEffort,
      ...(options.tools ? { tools: [...options.tools] } : {}),
      ...(options.networkAccess !== undefined ? { networkAccess: options.networkAccess } : {}),
    };
    const network = settings.networkAccess ?? config.networkAccess;
    const ephemeral = options.ephemeral ?? false;
    this.checkSandbox(settings.sandboxMode);
    const session = this.createSession(settings, {
      ephemeral,
      source: options.source ?? 'exec',
      forkedFromId: null,
    });
    session.appendHistory(null, {
      type: 'message',
      role: 'developer',
      content: [
        {
          type: 'input_text',
          text: permissionsMessage({
            sandbox: settings.sandboxMode,
            approvalPolicy: settings.approvalPolicy,
            writableRoots: [settings.cwd, ...config.writableRoots],
            network,
          }),
        },
      ],
    });
    const agents = discoverAgentsMd({
      cwd: settings.cwd,
      home: config.home,
      fallbackNames: config.context.fallbackNames,
      maxBytes: config.context.agentsMdMaxBytes,
    });
    if (agents.text) {
      session.appendHistory(null, {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: agents.text }],
      });
    }
    session.setInstructionSources(agents.sources);
    session.appendHistory(null, {
      type: 'message',
      role: 'user',
      content: [
        {
          type: 'input_text',
          text: environmentContext({
            cwd: settings.cwd,
            shell: 'bash',
            sandbox: settings.sandboxMode,
            approvalPolicy: settings.approvalPolicy,
            network,
            date: new Date(session.meta.createdAt).toISOString().slice(0, 10),
          }),
        },
      ],
    });
    return session;
  }

  /** Loads a stored thread (or returns it if already loaded). */
  resumeThread(id: string): ThreadSession {
    const loaded = this.sessions.get(id);
    if (loaded) return loaded;
    const { row, store, ephemeral } = this.locate(id);
    const state = replay(store.events(id));
    const session = new ThreadSession(
      id,
      { ...this.deps, store },
      { ...(row.settings as ThreadSettings) },
      state.history,
      state.turns,
      state.usage,
      {
        createdAt: row.createdAt,
        preview: row.preview,
        source: row.source as Thread['source'],
        ephemeral,
        name: row.name,
        forkedFromId: row.forkedFrom,
        preamble: state.preamble,
        instructionSources: state.instructionSources,
        scopedRuleIds: state.scopedRuleIds,
      },
    );
    const unfinished = state.turns.find((t) => t.id === state.unfinishedTurnId);
    if (unfinished && state.pendingApprovalIds.length > 0) {
      // It was waiting for a human: ask again rather than give up.
      const pending = new Set(danglingCalls(state.history));
      const calls = state.history.filter(
        (i): i is FunctionCallItem => i.type === 'function_call' && pending.has(i.call_id),
      );
      this.sessions.set(id, session);
      void session.revive(
        unfinished,
        state.unfinishedStartedAtMs ?? Date.now(),
        calls,
        state.pendingApprovalIds,
      );
      return session;
    }
    if (state.unfinishedTurnId) this.repairCrashedTurn(session, state.unfinishedTurnId);
    this.sessions.set(id, session);
    return session;
  }

  /**
   * A new thread with a copy of `id`'s log — all of it, or up to the end of `lastTurnId`.
   * A turn still running in the source is not copied.
   */
  forkThread(
    id: string,
    options: { lastTurnId?: string | null; ephemeral?: boolean } = {},
  ): ThreadSession {
    const source = this.locate(id);
    const { row } = source;
    const events = source.store.events(id);
    let upto: number | null = null;
    const running = this.sessions.get(id)?.activeTurnId ?? null;
    const endOf = (turnId: string) =>
      events.find((e) => e.kind === 'turnCompleted' && e.turnId === turnId)?.seq;
    if (options.lastTurnId) {
      const seq = endOf(options.lastTurnId);
      if (seq === undefined) {
        throw new RuntimeError(
          'turn_not_found',
          `thread ${id} has no completed turn ${options.lastTurnId}`,
        );
      }
      upto = seq;
    } else if (running) {
      const started = events.find((e) => e.kind === 'turnStarted' && e.turnId === running);
      upto = started ? started.seq - 1 : null;
    }
    const settings = { ...(row.settings as ThreadSettings) };
    const fork = this.createSession(settings, {
      ephemeral: options.ephemeral ?? false,
      source: row.source as Thread['source'],
      forkedFromId: id,
      preview: row.preview,
    });
    const store = this.storeOf(fork.meta.ephemeral);
    if (store === source.store) store.copyEvents(id, fork.id, upto);
    else
      for (const e of events)
        if (upto === null || e.seq <= upto) store.append(fork.id, e.turnId, e.kind, e.data);
    this.sessions.delete(fork.id);
    // Reload from the copied log so the fork's state is exactly what resume would see.
    return this.resumeThread(fork.id);
  }

  /** A stored thread, with its turns when asked, without loading it. */
  readThread(id: string, includeTurns: boolean): Thread {
    const loaded = this.sessions.get(id);
    if (loaded) return loaded.toThread(includeTurns);
    const { row, store, ephemeral } = this.locate(id);
    const turns = includeTurns ? replay(store.events(id)).turns : [];
    return threadFromRow(row, turns, ephemeral);
  }

  listThreads(query: ThreadQuery): { data: Thread[]; nextCursor: string | null } {
    const { rows, nextCursor } = this.store.listThreads(query);
    return {
      data: rows.map(
        (row) => this.sessions.get(row.id)?.toThread() ?? threadFromRow(row, [], false),
      ),
      nextCursor,
    };
  }

  setArchived(id: string, archived: boolean): void {
    this.locate(id).store.setArchived(id, archived);
  }

  get loadedThreadIds(): string[] {
    return [...this.sessions.keys()];
  }

  loaded(id: string): ThreadSession | undefined {
    return this.sessions.get(id);
  }

  /**
   * Forgets a loaded thread (it stays stored). Refused while a turn runs, and always for an
   * ephemeral thread: it lives only in this process, so it stays loaded while it exists.
   */
  unload(id: string): boolean {
    const session = this.sessions.get(id);
    if (!session || session.activeTurnId || session.meta.ephemeral) return false;
    this.sessions.delete(id);
    return true;
  }

  /** Loads every thread that was waiting on an approval when the process stopped. */
  reviveWaitingThreads(): ThreadSession[] {
    return this.store.threadsWithOpenApprovals().map((id) => this.resumeThread(id));
  }

  latestThreadId(cwd?: string): string | null {
    return this.store.latestThread(cwd)?.id ?? null;
  }

  private createSession(
    settings: ThreadSettings,
    meta: {
      ephemeral: boolean;
      source: Thread['source'];
      forkedFromId: string | null;
      preview?: string;
    },
  ): ThreadSession {
    const store = this.storeOf(meta.ephemeral);
    const id = uuidv7();
    const now = Date.now();
    store.createThread({
      id,
      createdAt: now,
      updatedAt: now,
      cwd: settings.cwd,
      model: settings.model,
      modelProvider: settings.modelProvider,
      name: null,
      preview: meta.preview ?? '',
      source: meta.source,
      forkedFrom: meta.forkedFromId,
      settings: { ...settings },
    });
    const session = new ThreadSession(
      id,
      { ...this.deps, store },
      settings,
      [],
      [],
      { ...ZERO_USAGE },
      {
        createdAt: now,
        preview: meta.preview ?? '',
        source: meta.source,
        ephemeral: meta.ephemeral,
        name: null,
        forkedFromId: meta.forkedFromId,
        preamble: 0,
        instructionSources: [],
        scopedRuleIds: [],
      },
    );
    this.sessions.set(id, session);
    return session;
  }

  /**
   * The one way to find a thread: its row, the store that holds it (ephemeral threads live in
   * an in-memory store of this process, the others in SQLite) and which of the two that is.
   */
  private locate(id: string): { row: ThreadRow; store: ThreadStore; ephemeral: boolean } {
    const memory = this.ephemeralStore?.getThread(id);
    if (memory) return { row: memory, store: this.ephemeralStore!, ephemeral: true };
    const row = this.store.getThread(id);
    if (!row)
      throw new RuntimeError('thread_not_found', `no thread ${id} in ${this.options.config.home}`);
    return { row, store: this.store, ephemeral: false };
  }

  /**
   * A turn that never completed (the process died): answer its dangling tool calls, note the
   * interruption for the model, and record the turn as interrupted — appended, never rewritten.
   */
  private repairCrashedTurn(session: ThreadSession, turnId: string): void {
    for (const callId of danglingCalls(session.historyItems)) {
      session.appendHistory(turnId, {
        type: 'function_call_output',
        call_id: callId,
        output: 'aborted: Yoke stopped while this ran',
      });
    }
    session.appendHistory(turnId, {
      type: 'message',
      role: 'user',
      content: [{ type: 'input_text', text: TURN_ABORTED_NOTE }],
    });
    const turn = session.turns.find((t) => t.id === turnId);
    const now = Date.now();
    if (turn) {
      turn.status = 'interrupted';
      turn.completedAt = Math.floor(now / 1000);
    }
    this.store.append(session.id, turnId, 'turnCompleted', {
      status: 'interrupted',
      error: { message: 'Yoke stopped before the turn ended' },
      completedAtMs: now,
    });
  }

  private storeOf(ephemeral: boolean): ThreadStore {
    if (!ephemeral) return this.store;
    this.ephemeralStore ??= new ThreadStore(openDb(':memory:'));
    return this.ephemeralStore;
  }

  close(): void {
    this.storeInstance?.db.close();
    this.ephemeralStore?.db.close();
  }
}

function threadFromRow(row: ThreadRow, turns: Thread['turns'], ephemeral: boolean): Thread {
  const settings = row.settings as Partial<ThreadSettings>;
  return {
    id: row.id,
    sessionId: row.id,
    forkedFromId: row.forkedFrom,
    preview: row.preview,
    ephemeral,
    modelProvider: row.modelProvider,
    model: row.model,
    reasoningEffort: settings.reasoningEffort ?? null,
    createdAt: Math.floor(row.createdAt / 1000),
    updatedAt: Math.floor(row.updatedAt / 1000),
    status: { type: 'notLoaded' },
    path: null,
    cwd: row.cwd,
    cliVersion: CLI_VERSION,
    source: row.source as Thread['source'],
    name: row.name,
    projectId: null,
    turns,
  };
}
