// How `yoke task` prints tasks: a list row, the full `show`, and log entries as they come.
import type { Task, TaskLogEntry } from '../../protocol/methods-task.ts';

const MARK: Record<string, string> = {
  succeeded: '✔',
  failed: '✘',
  skipped: '–',
  cancelled: '■',
  running: '▶',
};

export function age(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const oneLine = (text: string, width: number) => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > width ? `${line.slice(0, width - 1)}…` : line;
};

export function listTable(tasks: readonly Task[]): string {
  if (tasks.length === 0) return 'no tasks\n';
  const rows = tasks.map((t) => [
    t.id,
    t.status,
    age(t.createdAtMs),
    t.currentNode ?? '',
    oneLine(t.prompt, 50),
  ]);
  const header = ['ID', 'STATUS', 'AGE', 'NODE', 'PROMPT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

export function showTask(t: Task): string {
  const out: string[] = [];
  out.push(`task ${t.id}: ${t.status}${t.retryOf ? ` (retry of ${t.retryOf})` : ''}`);
  out.push(`  prompt:    ${oneLine(t.prompt, 200)}`);
  out.push(`  repo:      ${t.repo}`);
  out.push(`  base:      ${t.baseRef} (${t.baseCommit.slice(0, 12)})`);
  out.push(`  branch:    ${t.branch}`);
  out.push(`  blueprint: ${t.blueprint}`);
  if (t.worktree) out.push(`  worktree:  ${t.worktree}`);
  if (t.fixRounds.max) out.push(`  fix rounds: ${t.fixRounds.used} of ${t.fixRounds.max}`);
  if (t.model) out.push(`  model:     ${t.model}`);
  if (t.tokensUsed) out.push(`  tokens:    ${t.tokensUsed}`);
  if (t.threadIds.length) out.push(`  threads:   ${t.threadIds.join(', ')}`);
  if (t.error) out.push(`  error:     ${t.error.message}`);
  if (t.nodes.length) {
    out.push('', 'nodes:');
    for (const n of t.nodes) {
      const took = n.completedAtMs
        ? ` ${((n.completedAtMs - n.startedAtMs) / 1000).toFixed(1)}s`
        : '';
      const visit = n.visit > 1 ? ` #${n.visit}` : '';
      const summary = n.summary ? `  ${oneLine(n.summary, 100)}` : '';
      out.push(`  ${MARK[n.status] ?? '?'} ${n.node}${visit} (${n.type})${took}${summary}`);
    }
  }
  if (t.checkResults.length) {
    out.push('', 'checks:');
    for (const c of t.checkResults) {
      out.push(
        `  ${c.passed ? '✔' : '✘'} ${c.command} (exit ${c.exitCode ?? 'none'}, ${c.durationMs} ms)`,
      );
      if (!c.passed && c.output.trim()) {
        const lines = c.output.trimEnd().split('\n').slice(-15);
        for (const line of lines) out.push(`      ${line}`);
      }
    }
  }
  if (t.result) {
    const r = t.result;
    out.push(
      '',
      `result: ${r.commits.length} commit(s) on ${r.branch}, head ${r.headCommit.slice(0, 12)}`,
    );
    for (const c of r.commits) out.push(`  ${c.sha.slice(0, 12)} ${c.subject}`);
    if (r.diffStat) out.push(...r.diffStat.split('\n').map((l) => `  ${l}`));
    if (r.summary)
      out.push(
        '',
        'summary:',
        ...r.summary
          .trimEnd()
          .split('\n')
          .map((l) => `  ${l}`),
      );
  }
  return `${out.join('\n')}\n`;
}

/**
 * Prints log entries and live deltas, each line with its time: output goes out as it came (a
 * line may arrive in pieces), other entries on lines of their own.
 */
export class LogPrinter {
  private atLineStart = true;
  private lastSeq = 0;
  /** Entries not to print (they still count as seen). */
  skip: (e: TaskLogEntry) => boolean = () => false;

  constructor(private readonly write: (text: string) => void) {}

  /** The last entry printed (entries at or before it are skipped: reads and live ones overlap). */
  get seq(): number {
    return this.lastSeq;
  }

  print(e: TaskLogEntry): void {
    if (e.seq <= this.lastSeq) return;
    this.lastSeq = e.seq;
    if (this.skip(e)) return;
    if (e.type === 'output') return this.text(e.text, e.atMs);
    this.endDelta();
    this.write(`[${clock(e.atMs)}] ${logLine(e)}`);
  }

  /** Text streamed live (an agent's words, a command's output), stamped as it arrives. */
  delta(text: string, atMs = Date.now()): void {
    this.text(text, atMs);
  }

  /** A line of the follower's own (not from the log). */
  note(text: string): void {
    this.endDelta();
    this.write(`[${clock(Date.now())}] ${text}\n`);
  }

  /** Ends a line left open by output or a delta. */
  endDelta(): void {
    if (!this.atLineStart) this.write('\n');
    this.atLineStart = true;
  }

  private text(text: string, atMs: number): void {
    if (!text) return;
    const stamp = `[${clock(atMs)}]   `;
    const parts = text.split('\n');
    const out = parts.map((part, i) => {
      const last = i === parts.length - 1;
      if (last && part === '') return '';
      const start = i === 0 ? this.atLineStart : true;
      return `${start ? stamp : ''}${part}${last ? '' : '\n'}`;
    });
    this.write(out.join(''));
    this.atLineStart = text.endsWith('\n');
  }
}

const clock = (atMs: number) => new Date(atMs).toISOString().slice(11, 19);

function logLine(e: Exclude<TaskLogEntry, { type: 'output' }>): string {
  switch (e.type) {
    case 'status':
      return `status ${e.status}${e.message ? `: ${e.message}` : ''}\n`;
    case 'nodeStarted':
      return `▶ ${e.node}${e.visit > 1 ? ` #${e.visit}` : ''} (${e.nodeType})\n`;
    case 'nodeCompleted':
      return `${MARK[e.status] ?? '?'} ${e.node} ${e.status}${e.summary ? `: ${e.summary}` : ''}\n`;
  }
}
