// A stored thread as the `session/update`s that `session/load` replays: the user's messages,
// the agent's answers and reasoning, every tool call in its final state, the plan.
import type * as acp from '@agentclientprotocol/sdk';
import type { ThreadItem, UserInput } from '../../protocol/items.ts';
import type { Turn } from '../../protocol/thread.ts';
import { isToolItem, toolCallFields } from './tool-calls.ts';

export function replayUpdates(turns: readonly Turn[]): acp.SessionUpdate[] {
  return turns.flatMap((turn) => turn.items.flatMap(itemUpdates));
}

function itemUpdates(item: ThreadItem): acp.SessionUpdate[] {
  if (isToolItem(item))
    return [{ sessionUpdate: 'tool_call', toolCallId: item.id, ...toolCallFields(item) }];
  switch (item.type) {
    case 'userMessage':
      return item.content.map((input) => ({
        sessionUpdate: 'user_message_chunk',
        messageId: item.id,
        content: userContent(input),
      }));
    case 'agentMessage':
      return item.text
        ? [{ sessionUpdate: 'agent_message_chunk', messageId: item.id, content: text(item.text) }]
        : [];
    case 'reasoning': {
      const thought = reasoningText(item);
      return thought
        ? [{ sessionUpdate: 'agent_thought_chunk', messageId: item.id, content: text(thought) }]
        : [];
    }
    case 'plan':
      return [planUpdate(item.text)];
    default:
      return [];
  }
}

/** A reasoning item's summary parts, as one thought. */
export function reasoningText(item: Extract<ThreadItem, { type: 'reasoning' }>): string {
  return item.summary.join('\n\n');
}

/** A plan item's text (`[x] step` per line, as update_plan writes it) as an ACP plan. */
export function planUpdate(planText: string): acp.SessionUpdate {
  const entries = planText
    .split('\n')
    .filter((line) => line.trim())
    .map((line): acp.PlanEntry => {
      const mark = /^\[(.)\]\s*/.exec(line);
      const status =
        mark?.[1] === 'x' ? 'completed' : mark?.[1] === '~' ? 'in_progress' : 'pending';
      return { content: mark ? line.slice(mark[0].length) : line, priority: 'medium', status };
    });
  return { sessionUpdate: 'plan', entries };
}

function text(value: string): acp.ContentBlock {
  return { type: 'text', text: value };
}

function userContent(input: UserInput): acp.ContentBlock {
  switch (input.type) {
    case 'text':
      return text(input.text);
    case 'image': {
      const data = /^data:([^;,]+);base64,(.*)$/s.exec(input.url);
      return data
        ? { type: 'image', mimeType: data[1]!, data: data[2]! }
        : { type: 'resource_link', uri: input.url, name: input.url };
    }
    case 'localImage':
      return { type: 'resource_link', uri: `file://${input.path}`, name: input.path };
  }
}
