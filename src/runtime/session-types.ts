// The shapes a thread session is made of and talks in: settings, turn results, its
// dependencies, and the events it tells its listeners.
import type { ModelCatalog } from '../context/model-catalog.ts';
import type { McpHub } from '../mcp/hub.ts';
import type { Toolsets } from '../mcp/toolsets.ts';
import type { ReasoningEffort, StreamFn, Usage } from '../models/types.ts';
import type { ServerNotification } from '../protocol/methods.ts';
import type {
  AskForApproval,
  SandboxMode,
  Thread,
  TurnError,
  TurnStatus,
} from '../protocol/thread.ts';
import type { Rule } from '../sandbox/exec-policy.ts';
import type { McpRule } from '../sandbox/mcp-policy.ts';
import type { SandboxPolicy } from '../sandbox/policy.ts';
import type { ReadRules } from '../sandbox/read-rules.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import type { Tool } from '../tools/types.ts';
import type { ApprovalAnswer, PendingApproval } from './approvals.ts';
import type { ContextConfig } from './config.ts';

export type ThreadSettings = {
  model: string;
  modelProvider: string;
  cwd: string;
  approvalPolicy: AskForApproval;
  sandboxMode: SandboxMode;
  reasoningEffort: ReasoningEffort | null;
  /** The tools this thread's agent gets: names or `*` patterns (a task's subset); all if unset. */
  tools?: string[];
  /** A `[toolsets.NAME]` of the config: the tools must match it too; all if unset. */
  toolset?: string;
  /** Network inside the sandbox for this thread (a task's task.toml); unset: the config's. */
  networkAccess?: boolean;
  /** Writable roots of this thread on top of the configured ones (turn/start sandboxPolicy). */
  writableRoots?: string[];
};

export type TurnResult = {
  turnId: string;
  status: TurnStatus;
  error: TurnError | null;
  lastMessage: string | null;
  /** Tokens used by this turn's model requests. */
  usage: Usage;
};

export type TurnOverrides = {
  model?: string;
  cwd?: string;
  effort?: ReasoningEffort | null;
  approvalPolicy?: AskForApproval;
  sandboxMode?: SandboxMode;
  /** turn/start `sandboxPolicy.networkAccess` (sticks for later turns). */
  networkAccess?: boolean;
  /** turn/start `sandboxPolicy.writableRoots` (replace the thread's own extra roots). */
  writableRoots?: string[];
  /** JSON Schema of the final answer, this turn only. */
  outputSchema?: Record<string, unknown> | null;
};

export type SessionDeps = {
  catalog: ModelCatalog;
  context: ContextConfig;
  /** Makes the model stream for a provider name (the settings may switch provider). */
  streamFor: (provider: string) => StreamFn;
  tools: readonly Tool[];
  /** The MCP servers of this process, shared by its threads (maybe none). */
  mcp: McpHub;
  /** `[toolsets]` of the config. */
  toolsets: Toolsets;
  runner: ProcessRunner;
  instructions: string;
  commandTimeoutMs: number;
  outputBudgetBytes: number;
  sandbox: SandboxDeps;
  /** Unanswered approvals are answered this way after this long (null: wait forever). */
  approvalTimeout: { ms: number; decision: 'decline' | 'cancel' } | null;
};

export type SandboxDeps = {
  writableRoots: string[];
  networkAccess: boolean;
  /** Hidden paths and holes (read-rules.ts), the same for every thread. */
  read: ReadRules;
  /** Host unix sockets commands may connect to. */
  unixSockets: string[];
  /** The home of the user running Yoke (`~` when paths are shown). */
  userHome: string;
  /** Wraps a base runner in the sandbox backend for a policy (throws when unavailable). */
  wrap: (policy: () => SandboxPolicy, base: ProcessRunner) => ProcessRunner;
  loadRules: (cwd: string) => readonly Rule[];
  amend: (prefix: string[]) => Rule;
  loadMcpRules: (cwd: string) => readonly McpRule[];
  amendMcp: (server: string, tool: string) => McpRule;
};

export type ThreadMeta = {
  createdAt: number;
  /** When the thread last changed, as stored (thread/list orders by it). */
  updatedAt: number;
  preview: string;
  source: Thread['source'];
  ephemeral: boolean;
  name: string | null;
  forkedFromId: string | null;
  /** How many leading history items are the thread's fixed context (compaction keeps them). */
  preamble: number;
  /** The AGENTS.md files of the preamble. */
  instructionSources: string[];
  /** Scoped rules already appended (each is loaded once per thread). */
  scopedRuleIds: string[];
};

/**
 * What a session tells its listeners: notifications, approvals asked and answered, and the
 * tokens each model request used (the engine's own count, for budgets).
 */
export type SessionEvent =
  | { type: 'notification'; notification: ServerNotification }
  | { type: 'usage'; turnId: string; usage: Usage }
  | { type: 'approvalRequested'; approval: PendingApproval }
  | { type: 'approvalResolved'; approval: PendingApproval; decision: ApprovalAnswer; by: string };
