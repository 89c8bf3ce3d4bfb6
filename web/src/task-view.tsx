// A task's detail: its blueprint nodes with status and durations, check output, the diff, the
// branch with the command that applies it, token use, approvals, and the task's log.
import { useEffect, useState } from 'preact/hooks';
import type { Task, TaskLogEntry } from '../../src/protocol/methods-task.ts';
import { ApprovalCard } from './approval-card.tsx';
import { DiffView } from './diff-view.tsx';
import { Markdown } from './markdown-view.tsx';
import {
  count,
  duration,
  percent,
  relativePath,
  taskErrorSentence,
  taskStatusText,
  taskWorktreePrefix,
} from './format.ts';
import { threadHref } from './router.ts';
import { cacheShare, type ThreadView } from '../../src/client/thread-view.ts';
import { useModel } from './use-model.ts';
import { sumUsage } from './usage-view.tsx';

const TERMINAL = new Set<Task['status']>(['succeeded', 'failed', 'cancelled']);

export function TaskView({ id }: { id: string }) {
  const model = useModel();
  const [error, setError] = useState<string | null>(null);
  const task = model.tasks.get(id);
  const threadKey = task?.threadIds.join(',') ?? '';

  useEffect(() => {
    if (model.connection !== 'open') return;
    const fail = (err: unknown) => setError(err instanceof Error ? err.message : String(err));
    model.refreshTask(id).catch(fail);
    model.loadTaskLog(id).catch(fail);
  }, [id, model.connection]);
  // Follow the task's agent threads: their file changes make the diff, their usage the totals.
  useEffect(() => {
    const stops = threadKey ? threadKey.split(',').map((t) => model.watchThread(t)) : [];
    return () => stops.forEach((stop) => stop());
  }, [threadKey]);

  if (!task) {
    return <div class="card">{error ?? (model.connection === 'open' ? 'Loading task…' : '…')}</div>;
  }
  const threads = task.threadIds.map((t) => model.threads.get(t));
  const approvals = model.approvals.filter((a) => task.threadIds.includes(a.threadId));
  const act = (method: 'task/cancel' | 'task/retry') =>
    model.request(method, { taskId: task.id }).then(
      ({ task: next }) => {
        if (method === 'task/retry') location.hash = `#/task/${encodeURIComponent(next.id)}`;
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );

  return (
    <div class="task-page" data-testid="task-view" data-status={task.status}>
      <div class="card">
        <div class="title-row">
          <h1>{task.prompt.split('\n', 1)[0]}</h1>
          <span class={`pill ${task.status}`} data-testid="task-status">
            {taskStatusText(task.status)}
          </span>
        </div>
        <div class="facts">
          <span>task {task.id}</span>
          <span>{task.repo}</span>
          <span>
            from {task.baseRef} @ {task.baseCommit.slice(0, 10)}
          </span>
          <span>blueprint {task.blueprint}</span>
          {task.retryOf && <a href={`#/task/${task.retryOf}`}>retry of {task.retryOf}</a>}
        </div>
        <div class="buttons">
          {!TERMINAL.has(task.status) && (
            <button type="button" class="danger" onClick={() => act('task/cancel')}>
              Cancel
            </button>
          )}
          {TERMINAL.has(task.status) && (
            <button type="button" onClick={() => act('task/retry')}>
              Retry as a new task
            </button>
          )}
        </div>
        {error && <div class="error">{error}</div>}
        {task.error && (
          <div class="error" data-testid="task-error">
            {taskErrorSentence(task.error)}
          </div>
        )}
      </div>

      {approvals.map((a) => (
        <ApprovalCard key={a.key} approval={a} thread={model.threads.get(a.threadId)} />
      ))}

      {showResult(task) && <ResultCard task={task} />}
      <NodesCard task={task} />
      {task.checkResults.length > 0 && <ChecksCard task={task} />}
      <UsageCard task={task} threads={threads} />
      <DiffCard threads={threads} task={task} />
      <LogCard entries={model.taskLogs.get(task.id) ?? []} />
    </div>
  );
}

/** A result worth showing: a finished task's, or work in progress that changed something. */
function showResult(task: Task): boolean {
  const result = task.result;
  if (!result) return false;
  return task.status === 'succeeded' || result.filesChanged > 0 || result.commits.length > 0;
}

function ResultCard({ task }: { task: Task }) {
  const result = task.result!;
  const changed = result.filesChanged > 0;
  return (
    <div class="card" data-testid="task-result">
      <h2>Result</h2>
      <div class="facts">
        <span>
          branch <code data-testid="task-branch">{result.branch}</code>
        </span>
        <span>
          {result.filesChanged} files, <span class="added">+{result.insertions}</span>{' '}
          <span class="removed">−{result.deletions}</span>
        </span>
      </div>
      {changed ? (
        <div class="apply-hint">
          Apply it to your checkout: <code data-testid="apply-hint">yoke task apply {task.id}</code>
        </div>
      ) : (
        <div class="muted">No files changed: nothing to apply.</div>
      )}
      {result.commits.length > 0 && (
        <ul class="commits">
          {result.commits.map((c) => (
            <li key={c.sha}>
              <code>{c.sha.slice(0, 10)}</code> {c.subject}
            </li>
          ))}
        </ul>
      )}
      {result.summary && <Markdown text={result.summary} class="summary" testId="task-summary" />}
      {result.diffStat && <pre class="output">{result.diffStat}</pre>}
    </div>
  );
}

function NodesCard({ task }: { task: Task }) {
  const now = Date.now();
  // Every node of the blueprint from the start: the visits so far in the order they happened,
  // then the nodes not reached (yet), greyed.
  const visited = new Set(task.nodes.map((n) => n.node));
  const unreached = task.blueprintNodes.filter((n) => !visited.has(n.node));
  const ended = TERMINAL.has(task.status);
  return (
    <div class="card">
      <h2>Blueprint {task.blueprint}</h2>
      <div class="table-wrap">
        <table class="nodes" data-testid="task-nodes">
          <thead>
            <tr>
              <th>node</th>
              <th class="node-type">type</th>
              <th>status</th>
              <th>time</th>
              <th>what happened</th>
            </tr>
          </thead>
          <tbody>
            {task.nodes.map((n) => (
              <tr key={`${n.node}#${n.visit}`} class={`node-${n.status}`}>
                <td>
                  {n.node}
                  {n.visit > 1 && <span class="muted"> #{n.visit}</span>}
                </td>
                <td class="node-type">{n.type}</td>
                <td>
                  <span class={`pill ${n.status}`}>{n.status}</span>
                </td>
                <td>{duration((n.completedAtMs ?? now) - n.startedAtMs)}</td>
                <td class="node-summary">
                  {n.summary}
                  {n.threadId && (
                    <>
                      {' '}
                      <a href={threadHref(n.threadId)}>thread</a>
                    </>
                  )}
                </td>
              </tr>
            ))}
            {unreached.map((n) => (
              <tr key={n.node} class="node-unreached" data-testid="node-unreached">
                <td>{n.node}</td>
                <td class="node-type">{n.type}</td>
                <td>
                  <span class="pill">{ended ? 'not reached' : 'not yet'}</span>
                </td>
                <td>–</td>
                <td />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {task.fixRounds.max > 0 && (
        <div class="muted">
          fix rounds used: {task.fixRounds.used} of {task.fixRounds.max}
        </div>
      )}
    </div>
  );
}

function ChecksCard({ task }: { task: Task }) {
  return (
    <div class="card" data-testid="task-checks">
      <h2>Checks</h2>
      {task.checkResults.map((c) => (
        <details key={c.command} class={`check ${c.passed ? 'passed' : 'failed'}`} open={!c.passed}>
          <summary>
            <span class={`pill ${c.passed ? 'succeeded' : 'failed'}`}>
              {c.passed ? 'passed' : 'failed'}
            </span>{' '}
            <code>{c.command}</code>{' '}
            <span class="muted">
              exit {c.exitCode ?? '–'} · {duration(c.durationMs)}
            </span>
          </summary>
          <pre class="output">{c.output || '(no output)'}</pre>
        </details>
      ))}
    </div>
  );
}

function UsageCard({ task, threads }: { task: Task; threads: (ThreadView | undefined)[] }) {
  const sum = sumUsage(threads.map((t) => t?.usage ?? null));
  // tokensUsed counts finished steps; the threads' own usage moves with every model request.
  const tokens = Math.max(task.tokensUsed, sum?.totalTokens ?? 0);
  return (
    <div class="card usage" data-testid="task-usage">
      <span>
        <strong data-testid="task-tokens">{count(tokens)}</strong> tokens used
      </span>
      <span title="cached input tokens / input tokens, over the task's threads seen live">
        cache hits <strong>{percent(cacheShare(sum))}</strong>
      </span>
      <span class="muted">{task.threadIds.length} agent thread(s)</span>
    </div>
  );
}

function DiffCard({ task, threads }: { task: Task; threads: (ThreadView | undefined)[] }) {
  const changes = threads.flatMap((t) =>
    (t?.turns ?? []).flatMap((turn) =>
      turn.items.flatMap((item) =>
        item.type === 'fileChange' && item.status === 'completed' ? item.changes : [],
      ),
    ),
  );
  return (
    <div class="card" data-testid="task-diff">
      <h2>Diff</h2>
      {changes.length === 0 ? (
        <div class="muted">{noEdits(task)}</div>
      ) : (
        changes.map((c, i) => (
          <DiffView
            key={`${c.path}-${i}`}
            title={relativePath(c.path, [task.worktree, taskWorktreePrefix(c.path, task.id)])}
            diff={c.diff}
          />
        ))
      )}
    </div>
  );
}

/** Why the diff card is empty: no edits yet, none at all, or edits made by commands. */
function noEdits(task: Task): string {
  if (task.result && task.result.filesChanged > 0)
    return "The agent's commands changed the files, not its patches: see the result's diff stat.";
  return task.result || TERMINAL.has(task.status)
    ? 'The agent made no file edits.'
    : 'No edits yet.';
}

function LogCard({ entries }: { entries: TaskLogEntry[] }) {
  return (
    <details class="card log">
      <summary>
        <h2>Log</h2> <span class="muted">{entries.length} entries</span>
      </summary>
      <pre class="output">
        {entries.map((e) => `${new Date(e.atMs).toLocaleTimeString()} ${logLine(e)}`).join('\n')}
      </pre>
    </details>
  );
}

function logLine(e: TaskLogEntry): string {
  const node = e.node ? `[${e.node}] ` : '';
  switch (e.type) {
    case 'status':
      return `${node}${e.status}${e.message ? `: ${e.message}` : ''}`;
    case 'nodeStarted':
      return `${node}started (${e.nodeType}, visit ${e.visit})`;
    case 'nodeCompleted':
      return `${node}${e.status}${e.summary ? `: ${e.summary}` : ''}`;
    case 'output':
      return `${node}${e.text.trimEnd()}`;
  }
}
