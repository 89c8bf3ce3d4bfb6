// `yoke exec` for people: progress on stderr as it happens (colours on a TTY), the final
// answer alone on stdout so it can be piped.
import { errorText } from '../../client/thread-view.ts';
import { displayedCommand } from '../../protocol/command-line.ts';
import type { ThreadItem } from '../../protocol/items.ts';
import type { ServerNotification } from '../../protocol/methods.ts';
import type { TokenUsageBreakdown, TurnError, TurnStatus } from '../../protocol/thread.ts';

type Out = { write: (text: string) => unknown; isTTY?: boolean };

const MAX_OUTPUT_LINES = 20;
const MAX_DIFF_LINES = 60;

export class ExecHumanRenderer {
  private readonly color: boolean;
  private streaming: string | null = null;
  private lastMessage: string | null = null;
  /** The last error printed from an `error` notification that ended the turn. */
  private shownError: string | null = null;

  constructor(
    private readonly err: Out,
    private readonly out: Out,
    env: NodeJS.ProcessEnv = process.env,
    /** `--color`: always, never, or auto (on a terminal, unless NO_COLOR is set). */
    color = 'auto',
    /** Paths under it are shown relative to it. */
    private readonly cwd: string | null = null,
  ) {
    this.color = color === 'always' || (color === 'auto' && Boolean(err.isTTY) && !env.NO_COLOR);
  }

  header(lines: [string, string][]): void {
    for (const [k, v] of lines) this.err.write(`${this.dim(k.padEnd(10))} ${v}\n`);
    this.err.write('\n');
  }

  notification(n: ServerNotification): void {
    switch (n.method) {
      case 'item/started':
        this.started(n.params.item);
        return;
      case 'item/agentMessage/delta':
        if (!this.err.isTTY) return;
        if (this.streaming !== n.params.itemId) {
          this.streaming = n.params.itemId;
          this.err.write(`${this.bold('agent')} `);
        }
        this.err.write(n.params.delta);
        return;
      case 'item/completed':
        this.completed(n.params.item);
        return;
      case 'turn/plan/updated':
        this.err.write(`${this.bold('plan')}\n`);
        for (const s of n.params.plan) {
          const mark = s.status === 'completed' ? '✔' : s.status === 'inProgress' ? '▶' : '·';
          this.err.write(`  ${mark} ${s.step}\n`);
        }
        return;
      case 'error':
        if (!n.params.willRetry) this.shownError = n.params.error.message;
        this.err.write(
          `${this.yellow(notice(n.params.willRetry, n.params.error.additionalDetails))} ${errorText(n.params.error)}\n`,
        );
        return;
    }
  }

  turnEnded(
    status: TurnStatus,
    error: TurnError | null,
    usage: TokenUsageBreakdown,
    lastMessage: string | null,
  ): void {
    const tokens = `${usage.inputTokens} in (${usage.cachedInputTokens} cached), ${usage.outputTokens} out`;
    if (status === 'completed') this.err.write(`${this.dim(`tokens ${tokens}`)}\n`);
    else if (status === 'interrupted')
      this.err.write(`${this.yellow('interrupted')} the turn was stopped and saved\n`);
    else if (error === null || error.message !== this.shownError)
      // An error already printed as it happened is not printed again.
      this.err.write(`${this.red('failed')} ${error?.message ?? 'the turn failed'}\n`);
    const final = lastMessage ?? this.lastMessage;
    // On a terminal the answer was just shown with the progress: once is enough. Piped or
    // redirected, stdout gets it alone.
    const shown = Boolean(this.out.isTTY) && Boolean(this.err.isTTY);
    if (status === 'completed' && final !== null && !shown)
      this.out.write(final.endsWith('\n') ? final : `${final}\n`);
  }

  private started(item: ThreadItem): void {
    if (item.type === 'commandExecution')
      this.err.write(`${this.cyan('$')} ${displayedCommand(item.command)}\n`);
  }

  private completed(item: ThreadItem): void {
    switch (item.type) {
      case 'agentMessage':
        this.lastMessage = item.text;
        if (this.streaming === item.id) this.err.write('\n');
        else this.err.write(`${this.bold('agent')} ${item.text}\n`);
        this.streaming = null;
        return;
      case 'reasoning':
        if (item.summary.length)
          this.err.write(`${this.dim(`thinking ${item.summary.join(' ')}`)}\n`);
        return;
      case 'commandExecution': {
        const lines = (item.aggregatedOutput ?? '')
          .split('\n')
          .filter((l, i, a) => l || i < a.length - 1);
        const shown =
          lines.length > MAX_OUTPUT_LINES
            ? [
                ...lines.slice(0, MAX_OUTPUT_LINES),
                `… ${lines.length - MAX_OUTPUT_LINES} more lines`,
              ]
            : lines;
        for (const line of shown) this.err.write(`${this.dim(`  ${line}`)}\n`);
        const status =
          item.exitCode === 0 ? this.green('exit 0') : this.red(`exit ${item.exitCode ?? '?'}`);
        this.err.write(`  ${status} ${this.dim(`${item.durationMs ?? 0} ms`)}\n`);
        return;
      }
      case 'fileChange':
        for (const c of item.changes) {
          const mark = c.kind.type === 'add' ? 'A' : c.kind.type === 'delete' ? 'D' : 'M';
          const path =
            this.cwd && c.path.startsWith(`${this.cwd}/`)
              ? c.path.slice(this.cwd.length + 1)
              : c.path;
          this.err.write(
            `${this.cyan('patch')} ${mark} ${path}${item.status === 'completed' ? '' : this.red(` (${item.status})`)}\n`,
          );
          this.diff(c.diff);
        }
        return;
      case 'dynamicToolCall': {
        const args =
          typeof item.arguments === 'string' ? item.arguments : JSON.stringify(item.arguments);
        const failed =
          item.status !== 'completed'
            ? this.red(` ${item.status}: ${item.contentItems?.[0]?.text ?? ''}`)
            : '';
        this.err.write(`${this.cyan(item.tool)} ${this.dim(args.slice(0, 160))}${failed}\n`);
        return;
      }
      case 'mcpToolCall': {
        const args = JSON.stringify(item.arguments ?? {});
        const failed = item.error ? this.red(` failed: ${item.error.message}`) : '';
        this.err.write(
          `${this.cyan(`${item.server}/${item.tool}`)} ${this.dim(args.slice(0, 160))}${failed}\n`,
        );
        return;
      }
      case 'error':
        this.err.write(`${this.yellow('warning')} ${item.message}\n`);
        return;
    }
  }

  /** A change's unified diff, coloured, its headers left out, cut after MAX_DIFF_LINES. */
  private diff(text: string): void {
    const lines = text
      .split('\n')
      .filter((l, i, a) => !/^(---|\+\+\+|diff |index )/.test(l) && (l || i < a.length - 1));
    for (const line of lines.slice(0, MAX_DIFF_LINES)) {
      const painted = line.startsWith('+')
        ? this.green(line)
        : line.startsWith('-')
          ? this.red(line)
          : line.startsWith('@@')
            ? this.cyan(line)
            : this.dim(line);
      this.err.write(`    ${painted}\n`);
    }
    if (lines.length > MAX_DIFF_LINES)
      this.err.write(`${this.dim(`    … ${lines.length - MAX_DIFF_LINES} more lines`)}\n`);
  }

  private paint(code: string, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
  private dim = (t: string) => this.paint('2', t);
  private bold = (t: string) => this.paint('1', t);
  private red = (t: string) => this.paint('31', t);
  private green = (t: string) => this.paint('32', t);
  private yellow = (t: string) => this.paint('33', t);
  private cyan = (t: string) => this.paint('36', t);
}

/** How an `error` notification is labelled: waiting (for a first byte), retry, or error. */
function notice(willRetry: boolean, details: string | null | undefined): string {
  if (!willRetry) return 'error';
  return details === 'waiting' ? 'waiting' : 'retry';
}
