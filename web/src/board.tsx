// The task board: queued / running / waiting for approval / done, live through task/updated;
// the approvals waiting for an answer; the submit form; recent threads.
import { useState } from 'preact/hooks';
import type { Task, TaskStatus } from '../../src/protocol/methods-task.ts';
import { ApprovalCard } from './approval-card.tsx';
import { ago, basename, firstLine, taskStatusText } from './format.ts';
import { taskHref, threadHref } from './router.ts';
import { SubmitForm } from './submit-form.tsx';
import { useModel } from './use-model.ts';

const COLUMNS: { key: string; title: string; statuses: TaskStatus[] }[] = [
  { key: 'queued', title: 'Queued', statuses: ['queued', 'preparing'] },
  { key: 'running', title: 'Running', statuses: ['running'] },
  { key: 'waiting', title: 'Waiting for approval', statuses: ['waiting_approval'] },
  { key: 'done', title: 'Done', statuses: ['succeeded', 'failed', 'cancelled'] },
];

export function Board() {
  const model = useModel();
  const [submitted, setSubmitted] = useState<string | null>(null);
  const tasks = [...model.tasks.values()].sort((a, b) => b.createdAtMs - a.createdAtMs);
  return (
    <div class="board-page">
      {model.approvals.length > 0 && (
        <section class="approvals" data-testid="approvals">
          <h2>Waiting for you</h2>
          {model.approvals.map((a) => (
            <ApprovalCard
              key={a.key}
              approval={a}
              thread={model.threads.get(a.threadId)}
              showThreadLink
            />
          ))}
        </section>
      )}
      <section class="board" data-testid="board">
        {COLUMNS.map((column) => {
          const inColumn = tasks.filter((t) => column.statuses.includes(t.status));
          return (
            <div
              class={`column column-${column.key}${inColumn.length === 0 ? ' is-empty' : ''}`}
              key={column.key}
              data-column={column.key}
            >
              <h2>
                {column.title} <span class="count">{inColumn.length}</span>
              </h2>
              {inColumn.map((task) => (
                <TaskCard key={task.id} task={task} fresh={task.id === submitted} />
              ))}
              {inColumn.length === 0 && <div class="empty">none</div>}
            </div>
          );
        })}
      </section>
      {!model.tasksLoaded && model.connection === 'open' && <div class="muted">loading tasks…</div>}
      <div class="board-bottom">
        <SubmitForm onSubmitted={(task) => setSubmitted(task.id)} />
        <section class="card threads">
          <h2>Recent threads</h2>
          {model.recentThreads.length === 0 && <div class="empty">none yet</div>}
          <ul>
            {model.recentThreads.map((t) => (
              <li key={t.id}>
                <a href={threadHref(t.id)} data-testid="thread-link">
                  {firstLine(t.name ?? (t.preview || t.id), 80)}
                </a>{' '}
                <span class="muted">
                  {basename(t.cwd)} · {ago(t.updatedAt * 1000)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}

function TaskCard({ task, fresh }: { task: Task; fresh: boolean }) {
  const passed = task.checkResults.filter((c) => c.passed).length;
  return (
    <a
      class={`task-card status-${task.status}${fresh ? ' fresh' : ''}`}
      href={taskHref(task.id)}
      data-testid="task-card"
      data-task-id={task.id}
      data-status={task.status}
    >
      <div class="task-prompt">{firstLine(task.prompt, 90)}</div>
      <div class="task-meta">
        <span class={`pill ${task.status}`}>{taskStatusText(task.status)}</span>
        {task.currentNode && <span>at {task.currentNode}</span>}
        {task.checkResults.length > 0 && (
          <span>
            checks {passed}/{task.checkResults.length}
          </span>
        )}
      </div>
      <div class="task-meta muted">
        <span>{basename(task.repo)}</span>
        <span>{task.id}</span>
        <span>{ago(task.updatedAtMs)}</span>
      </div>
    </a>
  );
}
