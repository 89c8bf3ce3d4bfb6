// One ACP session: the Yoke thread behind it, its mode, the prompt running in it, the
// permission questions out to the editor, and what the editor rejected for the session.
import type { TokenUsageBreakdown, Turn } from '../../protocol/thread.ts';
import type { SandboxPolicy, AskForApproval } from '../../protocol/thread.ts';
import { LiveUpdates } from './live-updates.ts';
import { modeOf, sandboxPolicyOf, type ModeId } from './modes.ts';

/** A prompt's token use, as ACP's (unstable) PromptResponse.usage has it. */
export type TurnUsage = {
  totalTokens: number;
  inputTokens: number;
  outputTokens: number;
  thoughtTokens: number;
  cachedReadTokens: number;
  cachedWriteTokens: number;
};

/** How a prompt's turn ended, and the tokens it used. */
export type PromptEnd = { turn: Turn; usage: TurnUsage };

const NO_USAGE: TurnUsage = {
  totalTokens: 0,
  inputTokens: 0,
  outputTokens: 0,
  thoughtTokens: 0,
  cachedReadTokens: 0,
  cachedWriteTokens: 0,
};

export class SessionBusyError extends Error {
  readonly code = 'acp_session_busy';
}

type RunningPrompt = {
  /** The turn's id once turn/start answered (or turn/started told it). */
  turnId: string | null;
  cancelled: boolean;
  /** Tokens of the turn's model requests so far. */
  usage: TurnUsage;
  done: Promise<PromptEnd>;
  finish: (end: PromptEnd) => void;
};

export class AcpSession {
  readonly live = new LiveUpdates();
  /** Questions out to the editor, by the App Server's request id. */
  readonly asking = new Map<string | number, AbortController>();
  /** Commands (`[command, cwd]` as JSON) the editor rejected for the session; "edits" for patches. */
  readonly rejected = new Set<string>();
  private running: RunningPrompt | null = null;
  private modeDirty = false;
  private modelDirty = false;

  constructor(
    readonly id: string,
    readonly cwd: string,
    private currentMode: ModeId,
    /** The model of the next prompts. */
    private currentModel: string,
    /** Interrupts a turn of this session's thread. */
    private readonly interrupt: (turnId: string) => void,
  ) {}

  get mode(): ModeId {
    return this.currentMode;
  }

  setMode(mode: ModeId): void {
    if (mode === this.currentMode) return;
    this.currentMode = mode;
    this.modeDirty = true;
  }

  get model(): string {
    return this.currentModel;
  }

  setModel(model: string): void {
    if (model === this.currentModel) return;
    this.currentModel = model;
    this.modelDirty = true;
  }

  /** turn/start overrides: the mode's settings and the model, when changed since the last turn. */
  takeOverrides(): {
    approvalPolicy?: AskForApproval;
    sandboxPolicy?: SandboxPolicy;
    model?: string;
  } {
    const model = this.modelDirty ? { model: this.currentModel } : {};
    this.modelDirty = false;
    if (!this.modeDirty) return model;
    this.modeDirty = false;
    return {
      ...model,
      approvalPolicy: modeOf(this.currentMode).approvalPolicy,
      sandboxPolicy: sandboxPolicyOf(this.currentMode),
    };
  }

  /** Starts waiting for a turn of this session; one prompt at a time. */
  begin(): Promise<PromptEnd> {
    if (this.running) throw new SessionBusyError('a prompt is already running in this session');
    let finish!: (end: PromptEnd) => void;
    const done = new Promise<PromptEnd>((resolve) => (finish = resolve));
    const usage = { ...NO_USAGE };
    this.running = { turnId: null, cancelled: false, usage, done, finish };
    return done;
  }

  /** The running prompt's turn is `turnId` (from turn/start's answer or turn/started). */
  turnStarted(turnId: string): void {
    const running = this.running;
    if (!running || running.turnId !== null) return;
    running.turnId = turnId;
    if (running.cancelled) this.interrupt(turnId);
  }

  turnCompleted(turn: Turn): void {
    const running = this.running;
    if (!running || running.turnId !== turn.id) return;
    this.running = null;
    running.finish({ turn, usage: running.usage });
  }

  /** A model request of the running turn used these tokens. */
  addUsage(last: TokenUsageBreakdown): void {
    const usage = this.running?.usage;
    if (!usage) return;
    usage.totalTokens += last.totalTokens;
    usage.inputTokens += last.inputTokens;
    usage.outputTokens += last.outputTokens;
    usage.thoughtTokens += last.reasoningOutputTokens;
    usage.cachedReadTokens += last.cachedInputTokens;
    usage.cachedWriteTokens += last.cacheWriteInputTokens;
  }

  /** The prompt ended without a turn (turn/start failed). */
  abandon(): void {
    this.running = null;
  }

  /** session/cancel: interrupts the turn and withdraws every question out to the editor. */
  cancel(): void {
    for (const controller of this.asking.values()) controller.abort();
    const running = this.running;
    if (!running || running.cancelled) return;
    running.cancelled = true;
    if (running.turnId !== null) this.interrupt(running.turnId);
  }
}
