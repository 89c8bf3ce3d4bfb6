// `yoke exec --json`: thread notifications rendered as the JSONL events `codex exec --json`
// prints (snake_case, synthetic item_N ids, no deltas), so tools built for Codex can read them.
import { errorText } from '../../client/thread-view.ts';
import type { ThreadItem } from '../../protocol/items.ts';
import type { ServerNotification } from '../../protocol/methods.ts';
import type { TokenUsageBreakdown, TurnError, TurnStatus } from '../../protocol/thread.ts';

export type ExecEvent = Record<string, unknown> & { type: string };

export class ExecJsonRenderer {
  private readonly ids = new Map<string, string>();

  constructor(private readonly write: (event: ExecEvent) => void) {}

  threadStarted(threadId: string): void {
    this.write({ type: 'thread.started', thread_id: threadId });
  }

  notification(n: ServerNotification): void {
    switch (n.method) {
      case 'turn/started':
        this.write({ type: 'turn.started' });
        return;
      case 'item/started': {
        const item = this.convert(n.params.item, false);
        if (item) this.write({ type: 'item.started', item });
        return;
      }
      case 'item/completed': {
        const item = this.convert(n.params.item, true);
        if (item) this.write({ type: 'item.completed', item });
        return;
      }
      case 'error':
        if (n.params.willRetry) this.write({ type: 'error', message: errorText(n.params.error) });
        return;
    }
  }

  turnEnded(status: TurnStatus, error: TurnError | null, usage: TokenUsageBreakdown): void {
    if (status === 'completed') {
      this.write({
        type: 'turn.completed',
        usage: {
          input_tokens: usage.inputTokens,
          cached_input_tokens: usage.cachedInputTokens,
          cache_write_input_tokens: usage.cacheWriteInputTokens,
          output_tokens: usage.outputTokens,
          reasoning_output_tokens: usage.reasoningOutputTokens,
        },
      });
      return;
    }
    const message =
      error?.message ?? (status === 'interrupted' ? 'turn interrupted' : 'turn failed');
    if (status === 'failed') this.write({ type: 'error', message });
    this.write({ type: 'turn.failed', error: { message } });
  }

  private id(itemId: string): string {
    let id = this.ids.get(itemId);
    if (!id) {
      id = `item_${this.ids.size}`;
      this.ids.set(itemId, id);
    }
    return id;
  }

  /** The exec-JSON form of an item; null for items exec does not show. */
  private convert(item: ThreadItem, completed: boolean): Record<string, unknown> | null {
    switch (item.type) {
      case 'agentMessage':
        return completed ? { id: this.id(item.id), type: 'agent_message', text: item.text } : null;
      case 'reasoning':
        return completed
          ? { id: this.id(item.id), type: 'reasoning', text: item.summary.join('\n\n') }
          : null;
      case 'commandExecution':
        return {
          id: this.id(item.id),
          type: 'command_execution',
          command: item.command,
          aggregated_output: item.aggregatedOutput ?? '',
          exit_code: item.exitCode ?? undefined,
          status:
            item.status === 'inProgress'
              ? 'in_progress'
              : item.status === 'completed'
                ? 'completed'
                : 'failed',
        };
      case 'fileChange':
        if (!completed) return null;
        return {
          id: this.id(item.id),
          type: 'file_change',
          changes: item.changes.map((c) => ({ path: c.path, kind: c.kind.type })),
          status: item.status === 'completed' ? 'completed' : 'failed',
        };
      case 'dynamicToolCall': {
        const text = item.contentItems?.map((c) => c.text).join('\n') ?? '';
        const failed = item.status === 'failed' || item.status === 'declined';
        return {
          id: this.id(item.id),
          type: 'mcp_tool_call',
          server: 'yoke',
          tool: item.tool,
          arguments: item.arguments,
          ...(completed && !failed
            ? { result: { content: [{ type: 'text', text }], structured_content: null } }
            : {}),
          ...(failed ? { error: { message: text } } : {}),
          status: item.status === 'inProgress' ? 'in_progress' : failed ? 'failed' : 'completed',
        };
      }
      case 'mcpToolCall':
        return {
          id: this.id(item.id),
          type: 'mcp_tool_call',
          server: item.server,
          tool: item.tool,
          arguments: item.arguments,
          ...(item.result
            ? {
                result: {
                  content: item.result.content,
                  structured_content: item.result.structuredContent,
                },
              }
            : {}),
          ...(item.error ? { error: item.error } : {}),
          status: item.status === 'inProgress' ? 'in_progress' : item.status,
        };
      case 'error':
        return completed ? { id: this.id(item.id), type: 'error', message: item.message } : null;
      case 'plan':
        return {
          id: this.id(item.id),
          type: 'todo_list',
          items: item.text
            .split('\n')
            .filter(Boolean)
            .map((line) => ({
              text: line.replace(/^\[.\] /, ''),
              completed: line.startsWith('[x]'),
            })),
        };
      default:
        return null;
    }
  }
}
