// What the task runner needs from the thread runtime, and nothing more: "run this agentic step
// as a thread". src/tasks sits below src/runtime (it may not import it), so the runtime hands
// the runner an implementation (src/runtime/task-agent.ts) — which keeps every agentic step an
// ordinary thread that any client can watch and answer approvals on — while the runner itself
// stays testable with a fake.
import type { AskForApproval, SandboxMode } from '../protocol/thread.ts';

/**
 * Where the agent's commands may write and whether they may reach the network. The runtime
 * makes these the thread's settings (sandboxMode, cwd = writableRoots[0], networkAccess), and
 * the thread's sandbox runner (src/sandbox: bubblewrap, Seatbelt) enforces them.
 */
export type TaskSandbox = {
  mode: SandboxMode;
  writableRoots: string[];
  networkAccess: boolean;
};

export type AgentStepRequest = {
  taskId: string;
  node: string;
  /** The thread's name, e.g. "task k4z1m2x9qa0b · implement". */
  title: string;
  prompt: string;
  /** The task's worktree. */
  cwd: string;
  /** Continue this thread with a new turn, or start a new thread (null). */
  threadId: string | null;
  /** Tool names or `*` patterns the agent gets; null: all of them. */
  tools: string[] | null;
  /** A `[toolsets.NAME]` of the config the tools must match too; null: none. */
  toolset: string | null;
  /** The model to use (null: the configured one). */
  model: string | null;
  approvalPolicy: AskForApproval;
  sandbox: TaskSandbox;
  /** Stop the turn past this many tokens (null: no limit). */
  tokenBudget: number | null;
  /** Stop the turn after this long (null: no limit beyond the task's own). */
  timeBudgetMs: number | null;
  signal: AbortSignal;
  /** Called as soon as the thread exists, before its turn runs. */
  onThread: (threadId: string) => void;
  /** The turn is waiting for someone to approve an action (true), or no longer (false). */
  onWaitingApproval: (waiting: boolean) => void;
  /** The step's tokens so far, after each model request (the task's count moves live). */
  onTokens?: (tokens: number) => void;
  /** One line about what the agent did (a command and its exit code, files changed), for the
   * task's log; the thread holds the full items. */
  onActivity: (line: string) => void;
};

export type AgentStepResult = {
  threadId: string;
  status: 'completed' | 'failed' | 'interrupted';
  /** The agent's final message. */
  message: string | null;
  error: string | null;
  /** Tokens this step used. */
  tokens: number;
  /** Set when the step was stopped for going over a budget. */
  overBudget: 'tokens' | 'time' | null;
};

export interface AgentPort {
  run(request: AgentStepRequest): Promise<AgentStepResult>;
}
