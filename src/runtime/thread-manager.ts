// Starting, resuming and holding threads. One per process; every surface goes through it.
import { join } from 'node:path';
import { BASE_INSTRUCTIONS } from '../engine/instructions.ts';
import { environmentContext, TURN_ABORTED_NOTE } from '../engine/prompt.ts';
import { createStreamFn } from '../models/provider.ts';
import type { StreamFn } from '../models/types.ts';
import type { Thread } from '../protocol/thread.ts';
import { createDefaultRunner } from '../sandbox/default-runner.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import { openDb } from '../store/db.ts';
import { ThreadStore } from '../store/thread-store.ts';
import { builtinTools } from '../tools/registry.ts';
import { loadConfig, type ResolvedConfig } from './config.ts';
import { RuntimeError } from './errors.ts';
import { uuidv7 } from './ids.ts';
import { danglingCalls, replay, ZERO_USAGE } from './thread-log.ts';
import { ThreadSession, type SessionDeps, type ThreadSettings } from './thread-session.ts';

export const CLI_VERSION = '0.1.0';

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
  readonly store: ThreadStore;
  private ephemeralStore: ThreadStore | null = null;
  private readonly sessions = new Map<string, ThreadSession>();
  private readonly deps: Omit<SessionDeps, 'store'>;

  constructor(private readonly options: ManagerOptions) {
    const { config } = options;
    this.store = options.store ?? new ThreadStore(openDb(join(config.home, 'yoke.db')));
    const streams = new Map<string, StreamFn>();
    this.deps = {
      streamFor:
        options.streamFor ??
        ((provider) => {
          let fn = streams.get(provider);
          if (!fn) {
            const resolved =
              provider === config.provider.name
                ? config.provider
                : loadConfig({ flags: { provider } }).provider;
            fn = createStreamFn(resolved);
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
    };
  }

  get config(): ResolvedConfig {
    return this.options.config;
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
    };
    const ephemeral = options.ephemeral ?? false;
    const store = ephemeral ? this.memoryStore() : this.store;
    const id = uuidv7();
    const now = Date.now();
    const source = options.source ?? 'exec';
    store.createThread({
      id,
      createdAt: now,
      updatedAt: now,
      cwd: settings.cwd,
      model: settings.model,
      modelProvider: settings.modelProvider,
      name: null,
      preview: '',
      source,
      forkedFrom: null,
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
        preview: '',
        source,
        ephemeral,
      },
    );
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
            network: config.networkAccess,
            date: new Date(now).toISOString().slice(0, 10),
          }),
        },
      ],
    });
    this.sessions.set(id, session);
    return session;
  }

  /** Loads a stored thread (or returns it if already loaded). */
  resumeThread(id: string): ThreadSession {
    const loaded = this.sessions.get(id);
    if (loaded) return loaded;
    const row = this.store.getThread(id);
    if (!row)
      throw new RuntimeError('thread_not_found', `no thread ${id} in ${this.options.config.home}`);
    const state = replay(this.store.events(id));
    const settings = { ...(row.settings as ThreadSettings) };
    const session = new ThreadSession(
      id,
      { ...this.deps, store: this.store },
      settings,
      state.history,
      state.turns,
      state.usage,
      {
        createdAt: row.createdAt,
        preview: row.preview,
        source: row.source as Thread['source'],
        ephemeral: false,
      },
    );
    if (state.unfinishedTurnId) this.repairCrashedTurn(session, state.unfinishedTurnId);
    this.sessions.set(id, session);
    return session;
  }

  latestThreadId(cwd?: string): string | null {
    return this.store.latestThread(cwd)?.id ?? null;
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

  private memoryStore(): ThreadStore {
    this.ephemeralStore ??= new ThreadStore(openDb(':memory:'));
    return this.ephemeralStore;
  }

  close(): void {
    this.store.db.close();
    this.ephemeralStore?.db.close();
  }
}
