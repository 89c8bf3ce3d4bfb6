// The TUI's state and everything it does over the wire, apart from React: the screen is a
// function of `TuiState`, and keys call methods here. It is a plain client of the App Server —
// it starts and steers turns, answers approvals, and folds notifications into a transcript;
// it never decides anything the engine decides.
import { elicitationAnswer } from '../../client/elicitation.ts';
import {
  addApproval,
  applyNotification,
  emptyThread,
  fromSnapshot,
  removeApproval,
  threadIdOf,
  type ApprovalRequest,
  type ThreadView,
} from '../../client/thread-view.ts';
import type { UserInput } from '../../protocol/items.ts';
import type { ReviewTarget } from '../../protocol/methods-review.ts';
import type { ResultOf, ServerNotification } from '../../protocol/methods.ts';
import { sandboxModeOf } from '../../protocol/thread.ts';
import type {
  CommandExecutionApprovalDecision,
  FileChangeApprovalDecision,
} from '../../protocol/methods-approval.ts';
import { bannerEntry } from './banner.ts';
import { SYSTEM_CLOCK, type Clock } from './clock.ts';
import { runShellEntry } from './local-shell.ts';
import { runSlashCommand } from './slash-commands.ts';
import {
  errorText,
  INITIAL_STATE,
  optional,
  rpcDataCode,
  type ApprovalPrompt,
  type ControllerDeps,
  type Decision,
  type Session,
  type StartParams,
  type TuiConnection,
  type TuiState,
} from './state.ts';
import { approvalPrompts, describeDecision } from './approval-prompts.ts';
import {
  entriesFromTurns,
  foldIntoTranscript,
  update,
  upsert,
  type Entry,
  type NoteTone,
} from './transcript.ts';

type Opened = ResultOf<'thread/start'>;

export class TuiController {
  private state: TuiState;
  private readonly listeners = new Set<() => void>();
  /**
   * The open thread as the shared reducer (src/client/thread-view.ts) keeps it — items, plan,
   * usage, diff, approvals — and threads with a question asked before they were opened. The
   * transcript, the status line and the approval panel are drawn from it.
   */
  private readonly views = new Map<string, ThreadView>();
  /** How each pending approval is answered, by request id. */
  private readonly answers = new Map<string, (decision: Decision) => void>();
  private readonly finishedTurns = new Set<string>();
  private nextLocalId = 0;
  readonly clock: Clock;

  constructor(
    readonly connection: TuiConnection,
    readonly startParams: StartParams,
    readonly deps: ControllerDeps = {},
  ) {
    this.state = { ...INITIAL_STATE, remote: deps.remote ?? null };
    this.clock = deps.clock ?? SYSTEM_CLOCK;
    connection.onNotification('*', (n) => this.onNotification(n));
    connection.onServerRequest('item/commandExecution/requestApproval', (params, meta) =>
      this.ask({ requestId: meta.id, kind: 'command', params }).then((decision) => ({
        decision: decision as CommandExecutionApprovalDecision,
      })),
    );
    connection.onServerRequest('item/fileChange/requestApproval', (params, meta) =>
      this.ask({ requestId: meta.id, kind: 'fileChange', params }).then((decision) => ({
        decision: decision as FileChangeApprovalDecision,
      })),
    );
    connection.onServerRequest('mcpServer/elicitation/request', (params, meta) =>
      this.ask({ requestId: meta.id, kind: 'mcp', params }).then(elicitationAnswer),
    );
    connection.onClose((reason) => {
      this.set({
        closed: reason,
        turnId: null,
        turnStartedAt: null,
        starting: false,
        approvals: [],
      });
      this.note(`disconnected from the App Server: ${reason}. Ctrl-C twice to quit.`, 'error');
    });
  }

  // ---- the store React reads ------------------------------------------------------------

  readonly getState = (): TuiState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  set(patch: Partial<TuiState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  get busy(): boolean {
    return this.state.starting || this.state.turnId !== null;
  }

  /** Adds a line of the TUI's own to the transcript (never sent to the model). */
  note(text: string, tone: NoteTone = 'info'): void {
    this.addEntry({ kind: 'note', id: this.localId('note'), text, tone });
  }

  addEntry(entry: Entry): void {
    this.set({ entries: upsert(this.state.entries, entry) });
  }

  updateEntry(id: string, change: (entry: Entry) => Entry): void {
    this.set({ entries: update(this.state.entries, id, change) });
  }

  localId(prefix: string): string {
    return `${prefix}:${this.nextLocalId++}`;
  }

  // ---- threads --------------------------------------------------------------------------

  async startThread(): Promise<void> {
    const { cwd, model, approvalPolicy, sandbox } = this.startParams;
    const session = this.state.session;
    const opened = await this.connection.request('thread/start', {
      cwd: session?.cwd ?? cwd,
      ...optional('model', this.state.overrides.model ?? session?.model ?? model),
      ...optional(
        'approvalPolicy',
        this.state.overrides.approvalPolicy ?? session?.approvalPolicy ?? approvalPolicy,
      ),
      ...optional('sandbox', sandbox),
    });
    await this.open(opened);
  }

  async resumeThread(threadId: string): Promise<void> {
    const { model, approvalPolicy, sandbox } = this.startParams;
    const opened = await this.connection.request('thread/resume', {
      threadId,
      ...optional('model', model),
      ...optional('approvalPolicy', approvalPolicy),
      ...optional('sandbox', sandbox),
    });
    await this.open(opened);
    this.note(`resumed thread ${threadId}`);
  }

  async forkThread(): Promise<void> {
    const from = this.requireSession();
    const opened = await this.connection.request('thread/fork', { threadId: from.threadId });
    await this.open(opened);
    this.note(`forked thread ${from.threadId} into ${opened.thread.id}`);
  }

  /** Shows a thread: its stored turns become the transcript; the previous one is let go. */
  async open(opened: Opened): Promise<void> {
    const previous = this.state.session?.threadId;
    const running = opened.thread.turns.findLast((t) => t.status === 'inProgress');
    const id = opened.thread.id;
    // Questions of the threads left behind would hold their turns forever: cancel them.
    for (const [other, view] of this.views) {
      if (other === id) continue;
      this.views.delete(other);
      for (const a of view.approvals) this.settle(String(a.requestId), 'cancel');
    }
    // Questions this thread asked before its snapshot arrived are kept.
    const view = fromSnapshot(opened.thread, this.views.get(id));
    this.views.set(id, view);
    const session: Session = {
      threadId: opened.thread.id,
      model: opened.model,
      modelProvider: opened.modelProvider,
      cwd: opened.cwd,
      approvalPolicy: opened.approvalPolicy,
      sandbox: sandboxModeOf(opened.sandbox),
      ...(opened.sandboxDetails ? { sandboxDetails: opened.sandboxDetails } : {}),
    };
    const banner = bannerEntry(session, this.deps.keyStatus ?? null, this.state.remote);
    this.set({
      session,
      entries: [banner, ...entriesFromTurns(opened.thread.turns)],
      turnId: running?.id ?? null,
      // A turn already running (resumed) has run since it started, not since it was opened.
      turnStartedAt: running ? (running.startedAt ?? this.clock.now() / 1000) * 1000 : null,
      starting: false,
      usage: view.usage,
      turnDiff: '',
      picker: null,
      approvals: this.prompts(),
    });
    if (previous && previous !== id) {
      await this.connection
        .request('thread/unsubscribe', { threadId: previous })
        .catch(() => undefined);
    }
  }

  requireSession(): Session {
    const session = this.state.session;
    if (!session) throw new Error('no thread is open');
    return session;
  }

  // ---- input ----------------------------------------------------------------------------

  /** Enter in the prompt: a slash command, a local `!command`, a steer, or a new turn. */
  async submit(text: string): Promise<void> {
    this.set({ exitArmed: false, notice: null });
    const trimmed = text.trim();
    if (!trimmed) return;
    try {
      if (trimmed.startsWith('/')) return await runSlashCommand(this, trimmed);
      if (trimmed.startsWith('!')) return await runShellEntry(this, trimmed.slice(1).trim());
      await this.send(text);
    } catch (err) {
      this.note(errorText(err), 'error');
    }
  }

  /** Sends a message: steers the running turn, or starts a new one. */
  async send(text: string): Promise<void> {
    const session = this.requireSession();
    const input: UserInput[] = [{ type: 'text', text, text_elements: [] }];
    const turnId = this.state.turnId;
    if (turnId) {
      try {
        await this.connection.request('turn/steer', {
          threadId: session.threadId,
          expectedTurnId: turnId,
          input,
        });
        return;
      } catch (err) {
        // The turn ended while the message was typed: it starts the next turn instead.
        if (rpcDataCode(err) !== 'turn_not_found') throw err;
      }
    }
    const { model, approvalPolicy } = this.state.overrides;
    await this.startingTurn(
      () =>
        this.connection.request('turn/start', {
          threadId: session.threadId,
          input,
          ...optional('model', model),
          ...optional('approvalPolicy', approvalPolicy),
        }),
      () => {
        // Overrides stick on the server for later turns; the session shows them from now on.
        const current = this.state.session ?? session;
        return {
          session: {
            ...current,
            model: model ?? current.model,
            approvalPolicy: approvalPolicy ?? current.approvalPolicy,
          },
          overrides: { model: null, approvalPolicy: null },
        };
      },
    );
  }

  /** Starts a review turn (review/start) of `target` on the open thread. */
  async startReview(target: ReviewTarget): Promise<void> {
    const session = this.requireSession();
    await this.startingTurn(() =>
      this.connection.request('review/start', { threadId: session.threadId, target }),
    );
  }

  /**
   * Shows a turn starting while `start` asks for it, then follows the turn it started (unless
   * it already ended); `started` adds what else changes with it.
   */
  private async startingTurn(
    start: () => Promise<{ turn: { id: string } }>,
    started: () => Partial<TuiState> = () => ({}),
  ): Promise<void> {
    this.set({ starting: true, turnStartedAt: this.clock.now() });
    try {
      const { turn } = await start();
      this.set({
        starting: false,
        turnId: this.finishedTurns.has(turn.id) ? null : turn.id,
        ...started(),
      });
    } catch (err) {
      this.set({ starting: false, turnStartedAt: null });
      throw err;
    }
  }

  /** Esc / Ctrl-C during a turn. Returns false when there is nothing to interrupt. */
  interrupt(): boolean {
    const { session, turnId } = this.state;
    if (!session || !turnId) return false;
    this.set({ notice: 'interrupting...' });
    this.connection
      .request('turn/interrupt', { threadId: session.threadId, turnId })
      .catch((err: unknown) => this.note(errorText(err), 'warn'));
    return true;
  }

  /** Ctrl-C when idle: the first arms, the second exits. */
  ctrlCWhenIdle(): void {
    if (this.state.exitArmed) this.exit();
    else this.set({ exitArmed: true, notice: 'press Ctrl-C again to quit' });
  }

  disarm(): void {
    if (this.state.exitArmed) this.set({ exitArmed: false, notice: null });
  }

  exit(): void {
    this.set({ exiting: true });
  }

  // ---- approvals ------------------------------------------------------------------------

  private ask(approval: ApprovalRequest): Promise<Decision> {
    const { threadId } = approval.params;
    return new Promise((resolve) => {
      this.answers.set(String(approval.requestId), resolve);
      let view = this.views.get(threadId);
      if (!view) this.views.set(threadId, (view = emptyThread(threadId)));
      addApproval(view, approval);
      this.set({ approvals: this.prompts(), exitArmed: false });
    });
  }

  /** Answers the approval on screen (the first of the queue). */
  answer(decision: Decision): void {
    const prompt = this.state.approvals[0];
    if (!prompt) return;
    for (const view of this.views.values()) removeApproval(view, prompt.requestId);
    this.set({ approvals: this.prompts() });
    this.note(describeDecision(prompt, decision), decision === 'decline' ? 'warn' : 'info');
    this.settle(prompt.key, decision);
  }

  private settle(key: string, decision: Decision): void {
    const resolve = this.answers.get(key);
    this.answers.delete(key);
    resolve?.(decision);
  }

  private prompts(): ApprovalPrompt[] {
    return approvalPrompts(this.views.values());
  }

  // ---- notifications --------------------------------------------------------------------

  private onNotification(n: ServerNotification): void {
    const threadId = threadIdOf(n);
    const view = threadId === null ? undefined : this.views.get(threadId);
    if (!view) return;
    if (n.method === 'serverRequest/resolved') {
      // Answered by another client, or cleared because the turn ended: the question goes.
      // Its request is left unanswered here — the server has already let go of it.
      this.answers.delete(String(n.params.requestId));
      if (applyNotification(view, n)) this.set({ approvals: this.prompts() });
      return;
    }
    if (threadId !== this.state.session?.threadId) return;
    applyNotification(view, n);
    switch (n.method) {
      case 'turn/started':
        if (!this.finishedTurns.has(n.params.turn.id))
          this.set({
            turnId: n.params.turn.id,
            turnDiff: '',
            turnStartedAt: this.state.turnStartedAt ?? this.clock.now(),
          });
        return;
      case 'turn/completed': {
        this.finishedTurns.add(n.params.turn.id);
        const ended = this.state.turnId === n.params.turn.id || this.state.turnId === null;
        this.set({
          entries: foldIntoTranscript(this.state.entries, n, view),
          turnId: ended ? null : this.state.turnId,
          turnStartedAt: ended ? null : this.state.turnStartedAt,
          notice: null,
        });
        return;
      }
      case 'thread/tokenUsage/updated':
        this.set({ usage: view.usage });
        return;
      case 'turn/diff/updated':
        this.set({ turnDiff: n.params.diff });
        return;
      default: {
        const entries = foldIntoTranscript(this.state.entries, n, view);
        if (entries !== this.state.entries) this.set({ entries });
        // A patch's question shows the changes of its item, whichever came first.
        if (view.approvals.length > 0 && n.method === 'item/started')
          this.set({ approvals: this.prompts() });
      }
    }
  }
}
