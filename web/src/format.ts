// Small formatting helpers shared by the views.

/** 850 ms, 4.2 s, 3 min 20 s, 1 h 5 min. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "12 s ago", "5 min ago", or the date for old times. */
export function ago(atMs: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - atMs) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(atMs).toLocaleDateString();
}

/** 0.734 → "73%"; null → "–". */
export function percent(share: number | null): string {
  return share === null ? '–' : `${Math.round(share * 100)}%`;
}

/** 1234567 → "1,234,567". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function basename(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts.at(-1) ?? path;
}

/** The first line, cut to `max` characters. */
export function firstLine(text: string, max = 120): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `path` relative to the first of `roots` it lies under (a worktree, a thread's cwd). */
export function relativePath(path: string, roots: readonly (string | null | undefined)[]): string {
  for (const root of roots) {
    if (!root) continue;
    const prefix = root.endsWith('/') ? root : `${root}/`;
    if (path.startsWith(prefix)) return path.slice(prefix.length);
  }
  return path;
}

/** Where a task's worktree lives: `…/worktrees/<task id>/` inside YOKE_HOME. */
export function taskWorktreePrefix(path: string, taskId: string): string | null {
  const marker = `/worktrees/${taskId}/`;
  const at = path.indexOf(marker);
  return at < 0 ? null : path.slice(0, at + marker.length);
}

/** What an item's status means to a person: "awaiting approval", "applied", "interrupted"… */
export function itemStatusText(
  item: { type: string; status: string; exitCode?: number | null },
  opts: { awaiting: boolean; turnInterrupted: boolean },
): string {
  if (item.status === 'inProgress') {
    if (opts.awaiting) return 'awaiting approval';
    if (opts.turnInterrupted) return 'interrupted';
    return item.type === 'fileChange' ? 'applying' : 'running';
  }
  if (item.type === 'fileChange') {
    if (item.status === 'completed') return 'applied';
    if (item.status === 'declined') return 'declined';
    return opts.turnInterrupted ? 'interrupted' : 'not applied';
  }
  // A command killed when the turn was stopped has no exit code of its own (-1 on the wire).
  if (item.status === 'failed' && opts.turnInterrupted && (item.exitCode ?? -1) < 0)
    return 'interrupted';
  if (item.status === 'completed') return 'done';
  return item.status;
}

/** The badge class for that text: colours for running, waiting, done, failed. */
export function itemStatusClass(text: string): string {
  if (text === 'awaiting approval') return 'waiting';
  if (text === 'running' || text === 'applying') return 'inProgress';
  if (text === 'done' || text === 'applied') return 'completed';
  if (text === 'interrupted') return 'interrupted';
  return text === 'declined' ? 'declined' : 'failed';
}

/**
 * A task's error as one sentence: "The implement step failed: 2 of 2 checks failed." — the
 * runner's message names the node already ("implement failed: …"), so it is not said twice.
 */
export function taskErrorSentence(error: { message: string; node: string | null }): string {
  let message = error.message.trim();
  let lead = '';
  if (error.node) {
    const prefix = `${error.node} failed: `;
    if (message.startsWith(prefix)) message = message.slice(prefix.length);
    lead = `The ${error.node} step failed: `;
  }
  const body = lead ? message : message.charAt(0).toUpperCase() + message.slice(1);
  const sentence = `${lead}${body}`;
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

/** A task's status in words: "awaiting approval" for waiting_approval. */
export function taskStatusText(status: string): string {
  return status === 'waiting_approval' ? 'awaiting approval' : status.replace('_', ' ');
}
