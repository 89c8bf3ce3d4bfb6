// What the /resume picker offers: stored threads, newest first, each with an id prefix long
// enough to tell it from every other one listed. The threads of tasks (their agent steps run
// as ordinary threads in the task's worktree) belong to the repository the task was submitted
// on; those of other repositories are left out unless all threads are asked for.
import type { TuiConnection, ThreadChoice } from './state.ts';

/** Shortest id prefix shown; longer when two listed ids share it. */
const MIN_ID = 8;
const LIST_LIMIT = 50;

export type ThreadChoices = { threads: ThreadChoice[]; hidden: number };

export async function threadChoices(
  connection: Pick<TuiConnection, 'request'>,
  options: { cwd: string; current: string | null; all: boolean },
): Promise<ThreadChoices> {
  const { data } = await connection.request('thread/list', { limit: LIST_LIMIT });
  const repoOfTask = await taskRepos(connection);
  const inside = (dir: string, root: string) => dir === root || dir.startsWith(`${root}/`);
  let hidden = 0;
  const listed = data.filter((t) => {
    if (t.id === options.current) return false;
    if (options.all) return true;
    const repo = repoOfTask.get(t.id);
    // Without the task list (an older server), a task's thread is known by its name.
    const isTask = repo !== undefined || (t.name ?? '').startsWith('task ');
    const ours = repo !== undefined ? inside(options.cwd, repo) : inside(t.cwd, options.cwd);
    if (isTask && !ours) {
      hidden++;
      return false;
    }
    return true;
  });
  const labels = uniquePrefixes(listed.map((t) => t.id));
  const threads = listed.map((t, i) => ({
    id: t.id,
    label: labels[i]!,
    preview: t.name ?? t.preview,
    updatedAt: t.updatedAt,
    cwd: t.cwd,
  }));
  return { threads, hidden };
}

/** Thread id → the repository of the task it ran for; empty when tasks cannot be listed. */
async function taskRepos(connection: Pick<TuiConnection, 'request'>): Promise<Map<string, string>> {
  const repos = new Map<string, string>();
  try {
    const { data } = await connection.request('task/list', { limit: 100 });
    for (const task of data) for (const id of task.threadIds) repos.set(id, task.repo);
  } catch {
    // No task runner behind this server: no thread is a task's.
  }
  return repos;
}

/** Each id cut to the shortest prefix (at least MIN_ID) that no other id in the list shares. */
export function uniquePrefixes(ids: string[]): string[] {
  return ids.map((id) => {
    let length = Math.min(MIN_ID, id.length);
    while (
      length < id.length &&
      ids.some((other) => other !== id && other.startsWith(id.slice(0, length)))
    )
      length++;
    return id.slice(0, length);
  });
}
