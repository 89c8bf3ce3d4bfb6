// `yoke task logs -f` and `submit --wait`: the task's log, then what happens as it happens —
// its log entries (task/updated) and, from the agent threads of the task (thread/resume), the
// agent's words and its commands' output as they stream, each line with its time.
import type { YokeClient } from '../../client/client.ts';
import type { Task, TaskLogEntry, TaskStatus } from '../../protocol/methods-task.ts';
import { LogPrinter } from './task-render.ts';

const TERMINAL = new Set<TaskStatus>(['succeeded', 'failed', 'cancelled']);

/** Prints the stored log, from entry `printer.seq` on. */
export async function readLog(client: YokeClient, id: string, printer: LogPrinter): Promise<void> {
  let cursor: string | null = printer.seq ? String(printer.seq) : null;
  do {
    const page: { data: TaskLogEntry[]; nextCursor: string | null } = await client.request(
      'task/log/read',
      { taskId: id, cursor },
    );
    for (const entry of page.data) printer.print(entry);
    cursor = page.nextCursor;
  } while (cursor);
}

/** Prints the log, then live entries and deltas, until the task ends; answers its final state. */
export async function follow(
  client: YokeClient,
  id: string,
  write: (text: string) => void,
): Promise<Task> {
  // The agent's messages streamed here already: the log's copy of each is not printed again.
  const streamed = new Set<string>();
  const printer = new LogPrinter(write);
  printer.skip = (entry) => isStreamed(entry, streamed);
  let live: TaskLogEntry[] | null = [];
  let ended: ((task: Task) => void) | null = null;
  const done = new Promise<Task>((resolve) => (ended = resolve));
  const watched = new Set<string>();
  const started = new Set<string>();
  const watch = (task: Task) => {
    if (TERMINAL.has(task.status)) return;
    for (const threadId of task.threadIds) {
      if (watched.has(threadId)) continue;
      watched.add(threadId);
      client.request('thread/resume', { threadId, excludeTurns: true }).then(
        () => printer.note(`streaming thread ${threadId} live`),
        () => {},
      );
    }
  };
  // Listen first, so nothing falls between the stored log and the live stream.
  const offUpdates = client.onNotification('task/updated', ({ task, entries }) => {
    if (task.id !== id) return;
    if (live) live.push(...entries);
    else for (const entry of entries) printer.print(entry);
    watch(task);
    if (TERMINAL.has(task.status)) ended?.(task);
  });
  const offDeltas = client.onNotification('*', (n) => {
    if (live) return; // the stored log comes first; deltas from before it are in it already
    const threadId = 'threadId' in n.params ? n.params.threadId : null;
    if (!threadId || !watched.has(threadId)) return;
    // Only items seen from their start: one joined half-way is printed whole from the log.
    if (n.method === 'item/started') started.add(n.params.item.id);
    else if (n.method === 'item/agentMessage/delta' && started.has(n.params.itemId))
      printer.delta(n.params.delta);
    else if (n.method === 'item/commandExecution/outputDelta' && started.has(n.params.itemId))
      printer.delta(n.params.delta);
    else if (n.method === 'item/completed' && started.delete(n.params.item.id)) {
      if (n.params.item.type === 'agentMessage') streamed.add(n.params.item.text.trim());
      printer.endDelta();
    }
  });
  try {
    await readLog(client, id, printer);
    for (const entry of live) printer.print(entry);
    live = null;
    const { task } = await client.request('task/read', { taskId: id });
    watch(task);
    if (TERMINAL.has(task.status)) ended!(task);
    const final = await done;
    // The store is ahead of notifications: catch up on entries not announced yet.
    await readLog(client, id, printer);
    return final;
  } finally {
    offUpdates();
    offDeltas();
  }
}

const isStreamed = (entry: TaskLogEntry, streamed: Set<string>) =>
  entry.type === 'output' && entry.text.trim() !== '' && streamed.has(entry.text.trim());
