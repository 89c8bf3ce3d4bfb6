// The TUI's state: what the screen is a function of, and the connection it is fed from.
// Plain data; TuiController (controller.ts) is the only writer.
import type { ClientError } from '../../client/client-error.ts';
import type { McpQuestion } from '../../client/elicitation.ts';
import type { FileUpdateChange } from '../../protocol/items.ts';
import type { RequestId } from '../../protocol/jsonrpc.ts';
import type {
  ClientRequestMethod,
  ParamsOf,
  ResultOf,
  ServerNotification,
  ServerRequestMethod,
} from '../../protocol/methods.ts';
import type {
  CommandExecutionApprovalDecision,
  FileChangeApprovalDecision,
} from '../../protocol/methods-approval.ts';
import type { AskForApproval, SandboxMode, ThreadTokenUsage } from '../../protocol/thread.ts';
import type { Clock } from './clock.ts';
import type { Entry } from './transcript.ts';

/** What the TUI needs of a connection; YokeClient has it, and tests may pass a fake. */
export type TuiConnection = {
  request<M extends ClientRequestMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  onNotification(method: '*', handler: (n: ServerNotification) => void): () => void;
  onServerRequest<M extends ServerRequestMethod>(
    method: M,
    handler: (params: ParamsOf<M>, meta: { id: RequestId }) => Promise<ResultOf<M>>,
  ): () => void;
  onClose(handler: (reason: string) => void): () => void;
};

export type Session = {
  threadId: string;
  model: string;
  modelProvider: string;
  cwd: string;
  approvalPolicy: AskForApproval;
  sandbox: string;
  /** What the sandbox hides and the host sockets it lets through (server's answer). */
  sandboxDetails?: { hiddenPaths: string[]; unixSockets: string[] };
};

export type ApprovalPrompt =
  | {
      key: string;
      requestId: RequestId;
      kind: 'command';
      itemId: string;
      command: string;
      cwd: string | null;
      reason: string | null;
      amendment: string[] | null;
    }
  | {
      key: string;
      requestId: RequestId;
      kind: 'fileChange';
      itemId: string;
      changes: FileUpdateChange[];
      reason: string | null;
    }
  | ({ key: string; requestId: RequestId; kind: 'mcp'; itemId: string } & McpQuestion);

export type ThreadChoice = {
  id: string;
  /** The id cut to a prefix no other listed thread shares. */
  label: string;
  preview: string;
  updatedAt: number;
  cwd: string;
};
export type ModelChoice = { id: string; description: string; current: boolean };
/** The thread list of /resume (`hidden`: other repositories' task threads left out), or /model's. */
export type PickerState =
  | { kind: 'threads'; threads: ThreadChoice[]; selected: number; hidden: number }
  | { kind: 'models'; models: ModelChoice[]; selected: number };

export type TuiState = {
  session: Session | null;
  entries: readonly Entry[];
  /** The running turn, once its id is known. */
  turnId: string | null;
  /** A turn/start is on its way (the turn id is not known yet). */
  starting: boolean;
  /** When the running turn began (the clock's time), for the elapsed time on screen. */
  turnStartedAt: number | null;
  usage: ThreadTokenUsage | null;
  approvals: readonly ApprovalPrompt[];
  picker: PickerState | null;
  /** The aggregated diff of the latest turn that changed files (turn/diff/updated). */
  turnDiff: string;
  /** /model and /approvals: sent with the next turn/start. */
  overrides: { model: string | null; approvalPolicy: AskForApproval | null };
  notice: string | null;
  exitArmed: boolean;
  exiting: boolean;
  closed: string | null;
  remote: string | null;
};

/** How a thread is first opened (from the command line). */
export type StartParams = {
  cwd: string;
  model?: string;
  approvalPolicy?: AskForApproval;
  sandbox?: SandboxMode;
};

export type ControllerDeps = {
  /** ws://… when attached to a remote App Server, else null. */
  remote?: string | null;
  /** `!cmd`: runs a command on this machine, streaming output; resolves with the exit code. */
  runShell?: (command: string, cwd: string, onOutput: (text: string) => void) => Promise<number>;
  /** /diff when no turn changed files: the working tree's diff. */
  gitDiff?: (cwd: string) => Promise<string>;
  /** The start banner's "key" row: whether the model's API key is set (null: not known here). */
  keyStatus?: string | null;
  /** Time, for the elapsed time of a turn (tests pass a ManualClock). */
  clock?: Clock;
};

/** An answer: an approval decision, or an MCP server's form filled in. */
export type Decision =
  | CommandExecutionApprovalDecision
  | FileChangeApprovalDecision
  | { acceptWithContent: Record<string, unknown> };

export const INITIAL_STATE: TuiState = {
  session: null,
  entries: [],
  turnId: null,
  starting: false,
  turnStartedAt: null,
  usage: null,
  approvals: [],
  picker: null,
  turnDiff: '',
  overrides: { model: null, approvalPolicy: null },
  notice: null,
  exitArmed: false,
  exiting: false,
  closed: null,
  remote: null,
};

export function optional<K extends string, V>(
  key: K,
  value: V | null | undefined,
): { [P in K]?: V } {
  return (value === null || value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

export function rpcDataCode(err: unknown): string | null {
  const data = (err as ClientError | undefined)?.data as { code?: unknown } | undefined;
  return typeof data?.code === 'string' ? data.code : null;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
