// One session's App Server notifications as ACP `session/update`s, as they happen: message and
// reasoning deltas become chunks, tool items become `tool_call` / `tool_call_update`, command
// output streams into its tool call, the plan and the context usage follow.
import type * as acp from '@agentclientprotocol/sdk';
import type { ThreadItem } from '../../protocol/items.ts';
import type { ServerNotification } from '../../protocol/methods.ts';
import { planUpdate, reasoningText } from './replay.ts';
import { isToolItem, outputContent, toolCallFields, type ToolItem } from './tool-calls.ts';

/** The most output one update carries (its tail); the whole output is in the stored item. */
const OUTPUT_TAIL = 64 * 1024;

export class LiveUpdates {
  /** Text streamed so far per message / reasoning item, to send only what deltas missed. */
  private readonly streamed = new Map<string, number>();
  private readonly output = new Map<string, string>();
  /** Tool items started and not yet completed (a question about one shows it). */
  private readonly running = new Map<string, ToolItem>();

  toolItem(itemId: string): ToolItem | undefined {
    return this.running.get(itemId);
  }

  /** The command running now (the newest), if any. */
  runningCommand(): string | undefined {
    return [...this.running.values()].reverse().find((i) => i.type === 'commandExecution')?.id;
  }

  updatesFor(n: ServerNotification): acp.SessionUpdate[] {
    switch (n.method) {
      case 'item/agentMessage/delta':
        return [this.chunk('agent_message_chunk', n.params.itemId, n.params.delta)];
      case 'item/reasoning/summaryTextDelta':
        return [this.chunk('agent_thought_chunk', n.params.itemId, n.params.delta)];
      case 'item/commandExecution/outputDelta': {
        const { itemId, delta } = n.params;
        const all = (this.output.get(itemId) ?? '') + delta;
        this.output.set(itemId, all);
        return [
          {
            sessionUpdate: 'tool_call_update',
            toolCallId: itemId,
            content: outputContent(all.length > OUTPUT_TAIL ? all.slice(-OUTPUT_TAIL) : all),
          },
        ];
      }
      case 'item/started':
        return this.started(n.params.item);
      case 'item/completed':
        return this.completed(n.params.item);
      case 'thread/tokenUsage/updated': {
        const { last, modelContextWindow } = n.params.tokenUsage;
        if (!modelContextWindow) return [];
        return [
          { sessionUpdate: 'usage_update', used: last.totalTokens, size: modelContextWindow },
        ];
      }
      default:
        return [];
    }
  }

  private chunk(
    kind: 'agent_message_chunk' | 'agent_thought_chunk',
    itemId: string,
    text: string,
  ): acp.SessionUpdate {
    this.streamed.set(itemId, (this.streamed.get(itemId) ?? 0) + text.length);
    return { sessionUpdate: kind, messageId: itemId, content: { type: 'text', text } };
  }

  private started(item: ThreadItem): acp.SessionUpdate[] {
    if (!isToolItem(item)) return [];
    this.running.set(item.id, item);
    return [{ sessionUpdate: 'tool_call', toolCallId: item.id, ...toolCallFields(item) }];
  }

  private completed(item: ThreadItem): acp.SessionUpdate[] {
    if (isToolItem(item)) {
      this.output.delete(item.id);
      this.running.delete(item.id);
      return [{ sessionUpdate: 'tool_call_update', toolCallId: item.id, ...toolCallFields(item) }];
    }
    if (item.type === 'plan') return [planUpdate(item.text)];
    if (item.type === 'agentMessage') return this.rest('agent_message_chunk', item.id, item.text);
    if (item.type === 'reasoning')
      return this.rest('agent_thought_chunk', item.id, reasoningText(item));
    return [];
  }

  /** What the deltas of a message did not carry (all of it when none came). */
  private rest(
    kind: 'agent_message_chunk' | 'agent_thought_chunk',
    itemId: string,
    text: string,
  ): acp.SessionUpdate[] {
    const sent = this.streamed.get(itemId) ?? 0;
    this.streamed.delete(itemId);
    if (text.length <= sent) return [];
    return [this.chunk(kind, itemId, text.slice(sent))];
  }
}
