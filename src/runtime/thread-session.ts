// A loaded thread: its settings, running turn, approvals and listeners. It starts turns (input,
// compaction, revival), steers and interrupts them; its journal (thread-journal.ts) records what
// changes, and each turn runs in a RunningTurn (turn-driver.ts) over the agent loop.
import { runCompactionTurn, runTurn, type TurnContext } from '../engine/loop.ts';
import { interruptionItems } from '../engine/interruption.ts';
import { settingsChangedMessage, type PromptSettings } from '../engine/prompt.ts';
import type { FunctionCallItem, HistoryItem, Usage } from '../models/types.ts';
import type { ThreadItem, UserInput } from '../protocol/items.ts';
import type { ServerNotification } from '../protocol/methods.ts';
import type { SandboxDetails, Thread, ThreadStatus, Turn } from '../protocol/thread.ts';
import type { ThreadRow } from '../store/thread-store.ts';
import { ApprovalBroker, type ApprovalAnswer, type PendingApproval } from './approvals.ts';
import { RuntimeError } from './errors.ts';
import { uuidv7 } from './ids.ts';
import { ScopedContext } from './scoped-context.ts';
import { SessionSandbox } from './session-sandbox.ts';
import { applySettings } from './settings-change.ts';
import type {
  SessionDeps,
  SessionEvent,
  ThreadMeta,
  ThreadSettings,
  TurnOverrides,
  TurnResult,
} from './session-types.ts';
import type { ThreadPorts } from './thread-ports.ts';
import { ThreadJournal } from './thread-journal.ts';
import { toolOrder, ThreadTools, toolPatterns } from './thread-tools.ts';
import { replay, ZERO_USAGE, type ReplayedThread, type ThreadLog } from './thread-log.ts';
import { metaOfRow, threadObject } from './thread-object.ts';
import { recoverUnfinishedTurn } from './thread-recovery.ts';
import type { ReviewRequest } from './review.ts';
import { reviewEnded } from './review-turn.ts';
import {
  launchNow,
  RunningTurn,
  type Launch,
  type TurnHost,
  type TurnPlan,
} from './turn-driver.ts';
import { previewOf, userMessage } from './user-input.ts';
import { runUserShell } from './user-shell.ts';

export type {
  SandboxDeps,
  SessionDeps,
  SessionEvent,
  ThreadMeta,
  ThreadSettings,
  TurnOverrides,
  TurnResult,
} from './session-types.ts';
export type { Launch } from './turn-driver.ts';

export class ThreadSession {
  private running: RunningTurn | null = null;
  private readonly broker: ApprovalBroker;
  private readonly sandbox: SessionSandbox;
  private readonly scoped: ScopedContext;
  private readonly journal: ThreadJournal;
  private readonly host: TurnHost;
  private readonly toolbox: ThreadTools;
  private readonly recoveryNotices: ServerNotification[] = [];

  private constructor(
    readonly id: string,
    private readonly deps: SessionDeps,
    readonly settings: ThreadSettings,
    log: ThreadLog,
    state: ReplayedThread,
    meta: ThreadMeta,
  ) {
    this.journal = new ThreadJournal(log, state, meta, () => this.status);
    this.sandbox = new SessionSandbox(settings, deps.sandbox, deps.runner);
    const patterns = () => toolPatterns(settings, deps);
    this.toolbox = new ThreadTools(deps.tools, deps.mcp, patterns, toolOrder(state, this.journal));
    this.scoped = new ScopedContext(() => settings.cwd, deps.context, meta.scopedRuleIds);
    this.host = {
      journal: this.journal,
      contextWindow: () => this.contextWindow,
      contextFor: (turnId, item) => this.contextFor(turnId, item),
      ended: (turn) => {
        if (this.running === turn) this.running = null;
      },
    };
    this.broker = new ApprovalBroker({
      threadId: id,
      requested: (approval) => this.journal.approvalRequested(approval),
      resolved: (approval, answer, by) => this.journal.approvalResolved(approval, answer, by),
      cancelTurn: () => this.running?.controller.abort(),
      timeout: () => this.deps.approvalTimeout,
    });
  }

  /**
   * The one way to build a session: from a thread's stored row and log (a new thread has an
   * empty log). A turn the process died in is revived or closed here (thread-recovery.ts).
   */
  static fromLog(
    deps: SessionDeps,
    log: ThreadLog,
    row: ThreadRow,
    ephemeral: boolean,
    reviveWaiting = true,
  ) {
    const state = replay(log.events());
    const meta: ThreadMeta = {
      ...metaOfRow(row, ephemeral),
      preamble: state.preamble,
      instructionSources: state.instructionSources,
      scopedRuleIds: state.scopedRuleIds,
    };
    const settings = { ...(row.settings as ThreadSettings) };
    const session = new ThreadSession(row.id, deps, settings, log, state, meta);
    recoverUnfinishedTurn(session, state, reviveWaiting);
    return session;
  }

  subscribe(listener: (event: SessionEvent) => void): () => void {
    return this.journal.subscribe(listener);
  }

  /** Whether anyone listens to this thread (a client of a server, a task step…). */
  get listened(): boolean {
    return this.journal.listened;
  }

  get meta(): ThreadMeta {
    return this.journal.meta;
  }

  get turns(): Turn[] {
    return this.journal.turns;
  }

  get activeTurnId(): string | null {
    return this.running?.id ?? null;
  }

  /** The model-visible history (read-only view). */
  get historyItems(): readonly HistoryItem[] {
    return this.journal.history;
  }

  get tokenUsage(): Usage {
    return this.journal.usage;
  }

  /** The current model's context window, from the catalog. */
  get contextWindow(): number {
    return this.deps.catalog.lookup(this.settings.model).contextWindow;
  }

  /** Questions waiting for an answer (sent again to every client that subscribes). */
  get pendingApprovals(): PendingApproval[] {
    return this.broker.pending;
  }

  get status(): ThreadStatus {
    if (!this.running) return { type: 'idle' };
    return { type: 'active', activeFlags: this.broker.pending.length ? ['waitingOnApproval'] : [] };
  }

  /** Lets go of what the thread holds on disk besides its log (the commands' temp dir). */
  dispose(): void {
    this.sandbox.dispose();
    void this.toolbox.close();
  }

  /** What the tools go through from the next turn on; resolves with its MCP servers' failures. */
  attach(ports: ThreadPorts): Promise<string[]> {
    this.sandbox.useBase(ports.commands ?? this.deps.runner);
    return this.toolbox.attach(ports, this.settings.cwd);
  }

  /** Whether commands of this thread have the network (its own setting, else the config's). */
  get networkAccess(): boolean {
    return this.settings.networkAccess ?? this.deps.sandbox.networkAccess;
  }

  /** What the sandbox hides now (null without a sandbox). */
  sandboxDetails(): SandboxDetails | null {
    return this.sandbox.details();
  }

  /** The AGENTS.md files this thread's context came from. */
  get instructionSources(): string[] {
    return this.meta.instructionSources;
  }

  toThread(withTurns = false): Thread {
    const { id, meta, settings, status } = this;
    return threadObject({ id, meta, settings, status, turns: withTurns ? this.turns : [] });
  }

  /** A new thread's fixed context (thread-preamble.ts), and where it came from. */
  appendPreamble(items: HistoryItem[], instructionSources: string[]): void {
    for (const item of items) this.journal.appendHistory(null, item);
    this.meta.instructionSources = instructionSources;
    this.journal.record(null, { kind: 'context', data: { instructionSources } });
  }

  /**
   * Starts a turn; `done` resolves when it ends (it never rejects). Only one turn runs at a
   * time. The turn is stored at once; its notifications and the model wait for `launch`
   * (the App Server launches after its reply to turn/start is written).
   */
  startTurn(
    input: UserInput[],
    overrides: TurnOverrides = {},
    launch: Launch = launchNow,
  ): { turnId: string; done: Promise<TurnResult> } {
    this.refuseIfBusy('is already running turn');
    if (input.length === 0) throw new RuntimeError('input_invalid', 'a turn needs some input');
    const message = userMessage(input, overrides.cwd ?? this.settings.cwd);
    this.applyOverrides(overrides);
    const outputSchema = overrides.outputSchema ?? null;
    return this.begin(
      {
        prologue: (turn) => {
          turn.announce();
          const item: ThreadItem = { type: 'userMessage', id: uuidv7(), content: input };
          this.journal.itemStarted(turn.id, item);
          this.journal.itemCompleted(turn.turn, item);
          this.journal.appendHistory(turn.id, message);
          if (!this.meta.preview) this.meta.preview = previewOf(input);
          this.journal.touch({ preview: this.meta.preview });
        },
        events: (turn) => this.toolbox.after(() => runTurn(this.turnContext(turn, outputSchema))),
      },
      launch,
    );
  }

  /**
   * Runs a shell command the user typed (thread/shellCommand) in the thread's cwd under its
   * sandbox, as a turn of its own or beside the running one; its output is recorded for the
   * model (user-shell.ts).
   */
  startShellCommand(
    command: string,
    timeoutMs: number,
    launch: Launch = launchNow,
  ): { turnId: string; done: Promise<TurnResult> } {
    if (!command.trim()) throw new RuntimeError('input_invalid', 'the shell command is empty');
    const run = (turn: RunningTurn) =>
      runUserShell({
        command,
        cwd: this.settings.cwd,
        runner: this.sandbox.runner(),
        timeoutMs,
        outputBudgetBytes: this.deps.outputBudgetBytes,
        signal: turn.signal,
        newId: uuidv7,
      });
    const running = this.running;
    if (running) {
      // Beside the running turn, as Codex does: its item is that turn's, its record goes to
      // the model with the turn's next request.
      let turnId = running.id;
      launch(() => {
        if (this.running === running) running.runAuxiliary(run(running));
        // The turn ended in between: the command gets a turn of its own.
        else turnId = this.begin({ prologue: (t) => t.announce(), events: run }, launchNow).turnId;
      });
      return { turnId, done: running.done };
    }
    return this.begin({ prologue: (turn) => turn.announce(), events: run }, launch);
  }

  /**
   * Starts a review turn (review/start): an enteredReviewMode item saying what is reviewed,
   * the review request (instructions and diff, review.ts) as the model's input, the model's
   * work as in any turn, then an exitedReviewMode item carrying its review.
   */
  startReview(
    request: ReviewRequest,
    launch: Launch = launchNow,
  ): { turnId: string; done: Promise<TurnResult> } {
    this.refuseIfBusy('is already running turn');
    const message = userMessage([{ type: 'text', text: request.prompt }], this.settings.cwd);
    return this.begin(
      {
        prologue: (turn) => {
          turn.announce();
          const item: ThreadItem = {
            type: 'enteredReviewMode',
            id: uuidv7(),
            review: request.hint,
          };
          this.journal.itemStarted(turn.id, item);
          this.journal.itemCompleted(turn.turn, item);
          this.journal.appendHistory(turn.id, message);
        },
        events: (turn) =>
          reviewEnded(this.toolbox.after(() => runTurn(this.turnContext(turn, null)))),
      },
      launch,
    );
  }

  /**
   * Compacts the context now, as a turn of its own with a contextCompaction item (the same
   * compaction as the automatic one): history becomes preamble + task record + summary +
   * recent items.
   */
  startCompaction(launch: Launch = launchNow): { turnId: string; done: Promise<TurnResult> } {
    this.refuseIfBusy('is running turn', '; compact when it ends');
    return this.begin(
      {
        prologue: (turn) => turn.announce(),
        events: (turn) => runCompactionTurn(this.turnContext(turn, null)),
      },
      launch,
    );
  }

  /**
   * Brings back a turn that was waiting for an approval when the process stopped: its tool
   * calls run again (and ask again — the question is re-sent to every subscriber), then the
   * turn goes on as if nothing happened.
   */
  revive(turn: Turn, startedAtMs: number, calls: FunctionCallItem[], staleApprovalIds: string[]) {
    for (const approvalId of staleApprovalIds) {
      this.journal.record(turn.id, {
        kind: 'approval',
        data: {
          approvalId,
          itemId: '',
          method: '',
          decision: 'reissued',
          by: 'restart',
          atMs: Date.now(),
        },
      });
    }
    this.running = new RunningTurn(this.host, turn, startedAtMs, {
      events: (running) =>
        this.toolbox.after(() => runTurn(this.turnContext(running, null, calls))),
    });
    return this.running.done;
  }

  /**
   * A turn the process died in, closed the way the loop closes an interrupted one. Nobody
   * listens yet (the thread is loading): how its end is told is kept (takeRecoveryNotices).
   */
  closeCrashedTurn(turn: Turn, startedAtMs: number): void {
    const reason = 'aborted: Yoke stopped while this ran';
    for (const item of interruptionItems(this.journal.history, reason))
      this.journal.appendHistory(turn.id, item);
    const result: TurnResult = {
      turnId: turn.id,
      status: 'interrupted',
      error: { message: 'Yoke stopped before the turn ended' },
      lastMessage: null,
      usage: ZERO_USAGE,
    };
    this.journal.turnCompleted(turn, result, startedAtMs);
    this.recoveryNotices.push(...this.journal.turnEndNotices(turn, result));
  }

  /**
   * What closing a crashed turn on load would have told, handed out once: a fleet worker that
   * takes a thread over tells it to the fronts, whose clients saw the dead worker's turn start.
   */
  takeRecoveryNotices(): ServerNotification[] {
    return this.recoveryNotices.splice(0);
  }

  /** Adds input to the running turn; an in-flight model request is restarted with it. */
  steer(input: UserInput[], expectedTurnId: string): string {
    const running = this.running;
    if (!running)
      throw new RuntimeError('turn_not_found', `thread ${this.id} has no running turn to steer`);
    if (running.id !== expectedTurnId) {
      throw new RuntimeError(
        'turn_not_found',
        `the running turn is ${running.id}, not ${expectedTurnId}`,
      );
    }
    if (input.length === 0) throw new RuntimeError('input_invalid', 'steering needs some input');
    const message = userMessage(input, this.settings.cwd);
    const item: ThreadItem = { type: 'userMessage', id: uuidv7(), content: input };
    this.journal.itemStarted(running.id, item);
    this.journal.itemCompleted(running.turn, item);
    running.addInput(message);
    return running.id;
  }

  /** Interrupts the running turn (if `turnId` is given, only that one). */
  interrupt(turnId?: string): Promise<TurnResult> | null {
    if (!this.running || (turnId && this.running.id !== turnId)) return null;
    this.running.controller.abort();
    return this.running.done;
  }

  /** Answers a pending approval; the first answer wins. */
  resolveApproval(approvalId: string, decision: ApprovalAnswer, by: string): void {
    this.broker.resolve(approvalId, decision, by);
  }

  setName(name: string | null): void {
    this.meta.name = name;
    this.journal.log.store.setName(this.id, name);
    this.journal.emit({
      method: 'thread/name/updated',
      params: { threadId: this.id, threadName: name },
    });
  }

  /** Sticky settings changed between turns (thread/resume, thread/fork overrides). */
  updateSettings(overrides: Omit<TurnOverrides, 'outputSchema'>): void {
    this.applyOverrides(overrides);
  }

  private refuseIfBusy(what: string, advice = ''): void {
    if (this.running)
      throw new RuntimeError(
        'thread_busy',
        `thread ${this.id} ${what} ${this.running.id}${advice}`,
      );
  }

  private begin(plan: TurnPlan, launch: Launch): { turnId: string; done: Promise<TurnResult> } {
    const running = RunningTurn.begin(this.host, plan, launch);
    this.running = running;
    return { turnId: running.id, done: running.done };
  }

  private turnContext(
    turn: RunningTurn,
    outputSchema: Record<string, unknown> | null,
    resumeCalls: FunctionCallItem[] = [],
  ): TurnContext {
    const { context } = this.deps;
    return {
      stream: this.deps.streamFor(this.settings.modelProvider),
      settings: this.promptSettings(outputSchema),
      tools: this.toolbox.tools(),
      history: this.journal.history,
      toolContext: {
        cwd: this.settings.cwd,
        runner: this.sandbox.runner(),
        commandTimeoutMs: this.deps.commandTimeoutMs,
        outputBudgetBytes: this.deps.outputBudgetBytes,
        canRead: (path) => this.sandbox.canRead(path),
        ...(this.toolbox.files ? { files: this.toolbox.files } : {}),
        authorize: this.broker.authorizer(turn.id, this.sandbox.authorizeEnv(), turn.signal),
        elicit: this.broker.elicitor(turn.id, turn.signal),
      },
      signal: turn.signal,
      input: turn.input,
      compaction: {
        limitTokens:
          context.autoCompactTokenLimit ??
          Math.floor(this.contextWindow * context.autoCompactShare),
        preamble: this.meta.preamble,
      },
      newId: uuidv7,
      resumeCalls,
      unknownTool: (name) => this.toolbox.unknownTool(name),
    };
  }

  private promptSettings(outputSchema: Record<string, unknown> | null): PromptSettings {
    return {
      model: this.settings.model,
      instructions: this.deps.instructions,
      reasoningEffort: this.settings.reasoningEffort,
      outputSchema,
      promptCacheKey: this.id,
    };
  }

  /** Scoped rules a tool's item brings in, recorded, as input for the next request. */
  private contextFor(turnId: string, item: ThreadItem): HistoryItem[] {
    const loaded = this.scoped.touch(item);
    if (!loaded) return [];
    this.journal.record(turnId, { kind: 'context', data: { scopedRuleIds: loaded.ids } });
    return [loaded.message];
  }

  private applyOverrides(overrides: TurnOverrides): void {
    const change = applySettings(this.settings, overrides, this.deps.sandbox.networkAccess);
    if (!change) return;
    this.journal.touch({ settings: { ...this.settings } });
    const { told, sandboxChanged } = change;
    // Before the first turn the preamble already says the rest; a sandbox change is always told.
    if ((this.turns.length > 0 || sandboxChanged) && Object.keys(told).length > 0) {
      this.journal.appendHistory(null, {
        type: 'message',
        role: 'developer',
        content: [{ type: 'input_text', text: settingsChangedMessage(told) }],
      });
    }
  }
}
