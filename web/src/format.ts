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
