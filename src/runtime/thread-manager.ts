// Starting, resuming and holding threads. One per process; every surface goes through it.
// Ephemeral threads live in an in-memory store of this process, the others in SQLite;
// locate() is the one way to find a thread and its store.
import type { StreamFn } from '../models/types.ts';
import type { Model } from '../protocol/methods.ts';
import type { SandboxMode, Thread } from '../protocol/thread.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import type { McpHub } from '../mcp/hub.ts';
import type { McpServersConfig } from '../mcp/config.ts';
import { selectionProblem, type Toolsets, type ToolShed } from '../mcp/toolsets.ts';
import type { ReadRules } from '../sandbox/read-rules.ts';
import { openDb } from '../store/db.ts';
import { mergeThreadPages, type ThreadPage } from '../store/thread-pages.ts';
import { pageLimit, ThreadStore, type ThreadQuery, type ThreadRow } from '../store/thread-store.ts';
import { sweepCommandTmpOnce } from './command-tmp.ts';
import type { ResolvedConfig } from './config.ts';
import { RuntimeError } from './errors.ts';
import { ModelLister } from './model-list.ts';
import { uuidv7 } from './ids.ts';
import { checkSandboxAvailable, prefetchSandboxCheck, sessionDeps } from './session-deps.ts';
import { SessionSandbox } from './session-sandbox.ts';
import { openHomeStore } from './home-store.ts';
import { replay, ThreadLog } from './thread-log.ts';
import { metaOfRow, threadObject } from './thread-object.ts';
import { threadPreamble } from './thread-preamble.ts';
import { ThreadSession, type SessionDeps, type ThreadSettings } from './thread-session.ts';

export type StartOptions = Partial<ThreadSettings> & {
  ephemeral?: boolean;
  source?: Thread['source'];
};

export type ManagerOptions = {
  config: ResolvedConfig;
  /** Defaults to the SQLite store under the config's home. */
  store?: ThreadStore;
  /** Runs every command as it is, with no sandbox backend around it (tests, embedding). */
  runner?: ProcessRunner;
  /** For tests: replace how model streams are made. */
  streamFor?: (provider: string) => StreamFn;
};

type Located = { row: ThreadRow; store: ThreadStore; ephemeral: boolean };

export class ThreadManager {
  private storeInstance: ThreadStore | null;
  private ephemeralStore: ThreadStore | null = null;
  private readonly sessions = new Map<string, ThreadSession>();
  private readonly deps: SessionDeps;
  private lister: ModelLister | null = null;
  /** New threads' defaults as the last config write left them (useWrittenDefaults). */
  private written: Partial<
    Pick<ResolvedConfig, 'model' | 'reasoningEffort' | 'approvalPolicy' | 'sandboxMode' | 'layers'>
  > = {};

  constructor(private readonly options: ManagerOptions) {
    this.storeInstance = options.store ?? null;
    this.deps = sessionDeps(options);
    // Temp dirs of commands that a dead Yoke process left behind.
    sweepCommandTmpOnce();
  }

  /** The SQLite store, opened on first use (a server answers `initialize` without it). */
  get store(): ThreadStore {
    this.storeInstance ??= openHomeStore(this.options.config.home);
    return this.storeInstance;
  }

  /**
   * Checks in the background that the configured sandbox can run here, so the first thread
   * start (which fails early when it cannot) does not wait for the check.
   */
  prefetchSandboxCheck(): void {
    prefetchSandboxCheck(this.options, this.options.config.sandboxMode);
  }

  /** What sandboxed commands may not read (the same for threads and task commands). */
  get sandboxReadRules(): ReadRules {
    return this.deps.sandbox.read;
  }

  get config(): ResolvedConfig {
    return this.options.config;
  }

  /** model/list: what the provider lists, described from the model catalogue. */
  models(provider: string | null, includeHidden = false): Promise<Model[]> {
    this.lister ??= new ModelLister(this.options.config, this.deps.catalog);
    return this.lister.list(provider, includeHidden);
  }

  /**
   * The user's config.toml was written (config/value/write): new threads take their model,
   * effort, approval policy and sandbox from `fresh` from now on, as they would after a
   * restart. Loaded threads, the provider, MCP servers and the rest keep what they started with.
   */
  useWrittenDefaults(fresh: ResolvedConfig): void {
    this.written = {
      model: fresh.model,
      reasoningEffort: fresh.reasoningEffort,
      approvalPolicy: fresh.approvalPolicy,
      sandboxMode: fresh.sandboxMode,
      layers: fresh.layers,
    };
  }

  /** Whether some configuration source sets approval_policy (else a Codex client's null asks Codex's default). */
  get approvalPolicyConfigured(): boolean {
    const layers = this.written.layers ?? this.options.config.layers;
    return layers.some((l) => l.values.approval_policy !== undefined);
  }

  startThread(options: StartOptions = {}): ThreadSession {
    const config = { ...this.options.config, ...this.written };
    const settings: ThreadSettings = {
      model: options.model ?? config.model,
      modelProvider: options.modelProvider ?? config.provider.name,
      cwd: options.cwd ?? process.cwd(),
      approvalPolicy: options.approvalPolicy ?? config.approvalPolicy,
      sandboxMode: options.sandboxMode ?? config.sandboxMode,
      reasoningEffort: options.reasoningEffort ?? config.reasoningEffort,
      ...this.toolSelection(options),
      ...(options.networkAccess !== undefined ? { networkAccess: options.networkAccess } : {}),
    };
    checkSandboxAvailable(this.options, settings.sandboxMode);
    const created = this.create(settings, {
      ephemeral: options.ephemeral ?? false,
      source: options.source ?? 'exec',
      forkedFrom: null,
      preview: '',
    });
    const session = this.open(created);
    // The servers start now, in parallel; the first model request waits for them (≤ timeout).
    void this.deps.mcp.startAll();
    const preamble = threadPreamble(settings, config, created.row.createdAt);
    session.appendPreamble(preamble.items, preamble.instructionSources);
    return session;
  }

  /**
   * A new thread's tools: its toolset (the config's `toolset` when it names neither) and its
   * patterns. A toolset or pattern that names nothing is refused with the reason.
   */
  private toolSelection(options: StartOptions): Pick<ThreadSettings, 'tools' | 'toolset'> {
    const toolset = options.toolset ?? (options.tools ? null : this.options.config.toolset);
    const tools = options.tools ?? null;
    const problem = selectionProblem({ toolset, tools }, this.toolShed);
    if (problem) throw new RuntimeError('input_invalid', problem);
    return { ...(toolset ? { toolset } : {}), ...(tools ? { tools: [...tools] } : {}) };
  }

  /**
   * Loads a stored thread (or returns it if already loaded). A turn it died in while waiting
   * for an approval is revived (asks again) — or, with `reviveWaiting: false`, closed as
   * interrupted, for a caller that starts a turn of its own.
   */
  resumeThread(id: string, options: { reviveWaiting?: boolean } = {}): ThreadSession {
    return this.sessions.get(id) ?? this.open(this.locate(id), options.reviveWaiting ?? true);
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
    const events = new ThreadLog(source.store, id).events();
    let upto: number | null = null;
    const running = this.sessions.get(id)?.activeTurnId ?? null;
    if (options.lastTurnId) {
      const end = events.find((e) => e.kind === 'turnCompleted' && e.turnId === options.lastTurnId);
      if (!end) {
        throw new RuntimeError(
          'turn_not_found',
          `thread ${id} has no completed turn ${options.lastTurnId}`,
        );
      }
      upto = end.seq;
    } else if (running) {
      const started = events.find((e) => e.kind === 'turnStarted' && e.turnId === running);
      upto = started ? started.seq - 1 : null;
    }
    const fork = this.create(
      { ...(source.row.settings as ThreadSettings) },
      {
        ephemeral: options.ephemeral ?? false,
        source: source.row.source as Thread['source'],
        forkedFrom: id,
        preview: source.row.preview,
      },
    );
    if (fork.store === source.store) fork.store.copyEvents(id, fork.row.id, upto);
    else {
      const log = new ThreadLog(fork.store, fork.row.id);
      for (const e of events) if (upto === null || e.seq <= upto) log.append(e.turnId, e);
    }
    // Loaded from the copied log, so the fork's state is exactly what resume would see.
    return this.open(fork);
  }

  /** A thread, with its turns when asked, without loading it. */
  readThread(id: string, includeTurns: boolean): Thread {
    const loaded = this.sessions.get(id);
    if (loaded) return loaded.toThread(includeTurns);
    const { row, store, ephemeral } = this.locate(id);
    const turns = includeTurns ? replay(new ThreadLog(store, id).events()).turns : [];
    return storedThread(row, ephemeral, turns);
  }

  /**
   * A page of stored threads, most recently updated first (ephemeral ones are not listed); with
   * `shared` (the same query's page of a fleet's shared store, on a front) the two are one list.
   */
  listThreads(
    query: ThreadQuery,
    shared?: ThreadPage,
  ): { data: Thread[]; nextCursor: string | null } {
    const own = this.store.listThreads(query);
    const { rows, nextCursor } = shared ? mergeThreadPages(own, shared, pageLimit(query)) : own;
    return {
      data: rows.map(
        (row) => this.sessions.get(row.id)?.toThread() ?? storedThread(row, false, []),
      ),
      nextCursor,
    };
  }

  /** Names a stored thread that is not loaded (a loaded one is named through its session). */
  setName(id: string, name: string | null): void {
    this.locate(id).store.setName(id, name);
  }

  /**
   * A runner for a command outside any thread (command/exec): sandboxed as a thread in `cwd`
   * with this mode would be. Dispose of it when the command ends (its private temp dir).
   */
  commandSandbox(
    cwd: string,
    sandboxMode: SandboxMode,
    networkAccess?: boolean,
  ): { runner: ProcessRunner; dispose: () => void } {
    checkSandboxAvailable(this.options, sandboxMode);
    const { config } = this.options;
    const sandbox = new SessionSandbox(
      {
        model: config.model,
        modelProvider: config.provider.name,
        cwd,
        approvalPolicy: 'never',
        sandboxMode,
        reasoningEffort: null,
        ...(networkAccess !== undefined ? { networkAccess } : {}),
      },
      this.deps.sandbox,
      this.deps.runner,
    );
    return { runner: sandbox.runner(), dispose: () => sandbox.dispose() };
  }

  /**
   * Deletes a thread and its log for good. Refused while one of its turns runs; a loaded
   * thread is unloaded first.
   */
  deleteThread(id: string): void {
    const located = this.locate(id);
    const session = this.sessions.get(id);
    if (session?.activeTurnId)
      throw new RuntimeError(
        'input_invalid',
        `thread ${id} has a turn running; interrupt it before deleting the thread`,
      );
    session?.dispose();
    this.sessions.delete(id);
    located.store.deleteThread(id);
  }

  setArchived(id: string, archived: boolean): void {
    this.locate(id).store.setArchived(id, archived);
  }

  /** Whether this process holds the thread (loaded, or in one of its stores). */
  knows(id: string): boolean {
    return (
      this.sessions.has(id) ||
      Boolean(this.ephemeralStore?.getThread(id)) ||
      this.store.getThread(id) !== null
    );
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
    session.dispose();
    this.sessions.delete(id);
    return true;
  }

  /** Unloads a thread nobody listens to any more (idle, not ephemeral); see unload(). */
  unloadUnwatched(id: string): boolean {
    if (this.sessions.get(id)?.listened) return false;
    return this.unload(id);
  }

  /** Loads every thread that was waiting on an approval when the process stopped. */
  reviveWaitingThreads(): ThreadSession[] {
    return this.store.threadsWithOpenApprovals().map((id) => this.resumeThread(id));
  }

  latestThreadId(cwd?: string): string | null {
    return this.store.latestThread(cwd)?.id ?? null;
  }

  /** The MCP servers of this process (null: none configured). */
  get mcp(): McpHub {
    return this.deps.mcp;
  }

  /** What tool selections are checked against: the tools that exist and the toolsets. */
  get toolShed(): ToolShed {
    const known = this.deps.mcp.known(this.deps.tools.map((t) => t.name));
    return { ...known, toolsets: this.deps.toolsets };
  }

  /** New [mcp_servers] and [toolsets]: changed servers restart on next use. */
  async reloadMcp(servers: McpServersConfig, toolsets: Toolsets): Promise<void> {
    this.deps.toolsets = toolsets;
    await this.deps.mcp.reload(servers);
  }

  /** Stops the MCP servers (their processes); the next use starts them again. */
  closeMcp(): Promise<void> {
    return this.deps.mcp.close();
  }

  close(): void {
    void this.closeMcp();
    for (const session of this.sessions.values()) session.dispose();
    this.storeInstance?.db.close();
    this.ephemeralStore?.db.close();
  }

  /** The one way to find a thread: its row, the store that holds it, and which that is. */
  private locate(id: string): Located {
    const memory = this.ephemeralStore?.getThread(id);
    if (memory) return { row: memory, store: this.ephemeralStore!, ephemeral: true };
    const row = this.store.getThread(id);
    if (!row)
      throw new RuntimeError('thread_not_found', `no thread ${id} in ${this.options.config.home}`);
    return { row, store: this.store, ephemeral: false };
  }

  /** The session of a located thread, loaded from its log and held. */
  private open({ row, store, ephemeral }: Located, reviveWaiting = true): ThreadSession {
    const log = new ThreadLog(store, row.id);
    const session = ThreadSession.fromLog(this.deps, log, row, ephemeral, reviveWaiting);
    this.sessions.set(row.id, session);
    return session;
  }

  /** A new thread's row, in the store its kind lives in. */
  private create(
    settings: ThreadSettings,
    meta: Pick<ThreadRow, 'source' | 'forkedFrom' | 'preview'> & { ephemeral: boolean },
  ): Located {
    const store = this.storeOf(meta.ephemeral);
    const now = Date.now();
    const row: ThreadRow = {
      id: uuidv7(),
      createdAt: now,
      updatedAt: now,
      cwd: settings.cwd,
      model: settings.model,
      modelProvider: settings.modelProvider,
      name: null,
      preview: meta.preview,
      source: meta.source,
      forkedFrom: meta.forkedFrom,
      archived: false,
      settings: { ...settings },
    };
    store.createThread(row);
    return { row, store, ephemeral: meta.ephemeral };
  }

  private storeOf(ephemeral: boolean): ThreadStore {
    if (!ephemeral) return this.store;
    this.ephemeralStore ??= new ThreadStore(openDb(':memory:'));
    return this.ephemeralStore;
  }
}

/** A thread that is not loaded here, as its row and log say. */
export function storedThread(
  row: ThreadRow,
  ephemeral: boolean,
  turns: Thread['turns'],
  status: Thread['status'] = { type: 'notLoaded' },
): Thread {
  // The settings hold the current model and cwd (a resume may have changed them).
  const settings = {
    model: row.model,
    modelProvider: row.modelProvider,
    cwd: row.cwd,
    ...(row.settings as Partial<ThreadSettings>),
  };
  return threadObject({
    id: row.id,
    meta: metaOfRow(row, ephemeral),
    settings,
    status,
    turns,
  });
}
