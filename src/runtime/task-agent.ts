// The task runner's AgentPort on the thread runtime: every agentic step of a task is a turn of
// an ordinary thread (source appServer, named "task <id> · <node>"), so any client sees it with
// thread/list, watches it with thread/resume and answers its approvals through the same broker.
// Budgets are enforced here, where the turn's usage and clock are visible: past its token or
// time budget the turn is interrupted, like a user pressing stop. A step's thread is unloaded
// when its turn ends unless a client subscribed to it, so a long-running server holds only the
// threads that are running or watched.
import { relative } from 'node:path';
import { displayedCommand } from '../protocol/command-line.ts';
import type { AgentPort, AgentStepRequest, AgentStepResult } from '../tasks/agent-port.ts';
import type { ThreadManager } from './thread-manager.ts';
import type { SessionEvent, ThreadSession } from './thread-session.ts';

/**
 * A fleet worker's threads live in the shared store (fleet-threads.ts): a step first loads a
 * thread another worker began, tells the fronts what happens while it runs, and lets go of
 * this process's copy once the thread is unloaded.
 */
export type SharedThreadHooks = {
  prepare(threadId: string, manager: ThreadManager): Promise<void>;
  relay(session: ThreadSession): () => void;
  unloaded(threadId: string): void;
};

export function threadAgentPort(manager: ThreadManager, shared?: SharedThreadHooks): AgentPort {
  return { run: (request) => runStep(manager, request, shared) };
}

/** The session of a thread, loaded if needed — never a second copy of a loaded one. */
function sessionFor(
  manager: ThreadManager,
  request: AgentStepRequest,
  takenOver: boolean,
): ThreadSession {
  const settings = {
    cwd: request.cwd,
    approvalPolicy: request.approvalPolicy,
    // The thread's sandbox (src/sandbox, through the thread settings) confines its commands:
    // workspace-write rooted at the worktree, network as task.toml says.
    sandboxMode: request.sandbox.mode,
    ...(request.model ? { model: request.model } : {}),
  };
  const known = request.threadId ? storedHere(manager, request.threadId, takenOver) : null;
  if (known) {
    known.updateSettings(settings);
    return known;
  }
  // No thread yet — or one that is gone, or kept by a worker before fleet threads were shared
  // (a new thread here; the step's prompt says the task moved).
  const session = manager.startThread({
    ...settings,
    networkAccess: request.sandbox.networkAccess,
    ...(request.tools ? { tools: request.tools } : {}),
    ...(request.toolset ? { toolset: request.toolset } : {}),
    source: 'appServer',
  });
  session.setName(request.title);
  return session;
}

function storedHere(
  manager: ThreadManager,
  threadId: string,
  takenOver: boolean,
): ThreadSession | null {
  try {
    // A fleet step taken over starts its own turn: the dead worker's is closed, not revived.
    return (
      manager.loaded(threadId) ?? manager.resumeThread(threadId, { reviveWaiting: !takenOver })
    );
  } catch (err) {
    if ((err as { code?: unknown }).code === 'thread_not_found') return null;
    throw err;
  }
}

async function runStep(
  manager: ThreadManager,
  request: AgentStepRequest,
  shared: SharedThreadHooks | undefined,
): Promise<AgentStepResult> {
  // A fleet worker that takes a task over carries on in the same thread, from the shared log.
  if (shared && request.threadId) await shared.prepare(request.threadId, manager);
  const session = sessionFor(manager, request, shared !== undefined);
  const offRelay = shared?.relay(session);
  request.onThread(session.id);
  let overBudget: AgentStepResult['overBudget'] = null;
  let tokens = 0;
  let stop: (() => void) | null = null;
  const off = session.subscribe((event: SessionEvent) => {
    if (event.type === 'approvalRequested') request.onWaitingApproval(true);
    else if (event.type === 'approvalResolved')
      request.onWaitingApproval(session.pendingApprovals.length > 0);
    else if (event.type === 'usage') {
      // The engine's own count of each model request, as it arrives.
      tokens += event.usage.totalTokens;
      request.onTokens?.(tokens);
      if (request.tokenBudget !== null && tokens > request.tokenBudget && !overBudget) {
        overBudget = 'tokens';
        stop?.();
      }
    } else if (event.notification.method === 'item/completed') {
      const { item } = event.notification.params;
      if (item.type === 'commandExecution')
        request.onActivity(
          `$ ${displayedCommand(item.command)}  (${item.status}, exit ${item.exitCode ?? 'none'})`,
        );
      else if (item.type === 'fileChange')
        request.onActivity(
          `edited ${item.changes.map((c) => relative(request.cwd, c.path) || c.path).join(', ')} (${item.status})`,
        );
    }
  });
  const timer =
    request.timeBudgetMs === null
      ? null
      : setTimeout(() => {
          overBudget ??= 'time';
          stop?.();
        }, request.timeBudgetMs);
  try {
    if (request.signal.aborted) {
      return {
        threadId: session.id,
        status: 'interrupted',
        message: null,
        error: 'stopped',
        tokens,
        overBudget,
      };
    }
    const { turnId, done } = session.startTurn([{ type: 'text', text: request.prompt }]);
    stop = () => void session.interrupt(turnId);
    request.signal.addEventListener('abort', stop, { once: true });
    const result = await done;
    request.signal.removeEventListener('abort', stop);
    return {
      threadId: session.id,
      status: result.status === 'inProgress' ? 'failed' : result.status,
      message: result.lastMessage,
      error: result.error?.message ?? null,
      tokens: result.usage.totalTokens,
      overBudget,
    };
  } finally {
    off();
    offRelay?.();
    if (timer) clearTimeout(timer);
    // Its turn is over: unless a client watches it (thread/resume), the thread need not stay
    // in memory — the next step of the task, or a client, loads it again from its log.
    if (manager.unloadUnwatched(session.id)) shared?.unloaded(session.id);
  }
}
