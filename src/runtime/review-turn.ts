// A review turn (review/start) as its clients see it: the engine's events, with the reviewer's
// own messages hidden and the review, read and rendered by review-output.ts, at the end.
import type { EngineEvent } from '../engine/events.ts';
import type { ThreadItem } from '../protocol/items.ts';
import { uuidv7 } from './ids.ts';
import { reviewText } from './review-output.ts';

/**
 * A review turn's events as Codex tells them: the reviewer's own messages (the JSON answer,
 * and any words on the way) stay in the model's history but are not shown; at the end come
 * the exitedReviewMode item with the review as text (review-output.ts), then an agentMessage
 * with the same text — the turn's last message.
 */
export async function* reviewEnded(events: AsyncIterable<EngineEvent>): AsyncIterable<EngineEvent> {
  const hidden = new Set<string>();
  for await (const event of events) {
    if (event.type === 'itemStarted' || event.type === 'itemCompleted') {
      if (event.item.type === 'agentMessage') {
        hidden.add(event.item.id);
        continue;
      }
    } else if (event.type === 'agentMessageDelta' && hidden.has(event.itemId)) continue;
    if (event.type === 'turnEnd') {
      // As Codex: a review cut short is said to be, whatever the reviewer had said so far.
      const review =
        event.status !== 'completed'
          ? `The review was ${event.status === 'interrupted' ? 'interrupted' : 'stopped by an error'} before it was finished.`
          : event.lastMessage?.trim()
            ? reviewText(event.lastMessage)
            : 'The reviewer gave no review.';
      const exited: ThreadItem = { type: 'exitedReviewMode', id: uuidv7(), review };
      yield { type: 'itemStarted', item: exited };
      yield { type: 'itemCompleted', item: exited };
      const message: ThreadItem = { type: 'agentMessage', id: uuidv7(), text: review };
      yield { type: 'itemStarted', item: message };
      yield { type: 'itemCompleted', item: message };
      yield { ...event, lastMessage: review };
      continue;
    }
    yield event;
  }
}
