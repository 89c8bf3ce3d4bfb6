// review/start (Codex App Server v2): a review turn on the thread's working tree, a base
// branch, a commit or custom instructions. The turn starts with an `enteredReviewMode` item
// and ends with an `exitedReviewMode` item carrying the review, then the review again as an
// `agentMessage`, as Codex sends them.
import * as z from 'zod';
import { def } from './method-def.ts';
import { Turn } from './thread.ts';

export const ReviewTarget = z.discriminatedUnion('type', [
  /** The working tree: staged, unstaged and untracked files. */
  z.object({ type: z.literal('uncommittedChanges') }),
  /** The changes of the current branch since it left `branch` (from their merge base). */
  z.object({ type: z.literal('baseBranch'), branch: z.string() }),
  /** The changes one commit introduced; `title` labels it for people. */
  z.object({ type: z.literal('commit'), sha: z.string(), title: z.string().nullable().optional() }),
  /** Free-form review instructions. */
  z.object({ type: z.literal('custom'), instructions: z.string() }),
]);
export type ReviewTarget = z.infer<typeof ReviewTarget>;

export const reviewMethods = {
  'review/start': def(
    'clientRequest',
    'Starts a review turn. The diff of the target is computed with git in the thread’s cwd ' +
      'and given to the model with Yoke’s review instructions, which ask for Codex’s JSON ' +
      'findings (findings with title, body, confidence_score, priority and code_location; ' +
      'overall_correctness, overall_explanation, overall_confidence_score); a target git ' +
      'cannot show (not a repository, unknown commit or branch) is refused with -32602. The ' +
      'turn streams turn/started, an enteredReviewMode item (review: what is reviewed, e.g. ' +
      '"current changes"), the reviewer’s tool items (its own messages stay in its history, ' +
      'unshown), an exitedReviewMode item (review: the review as text — the explanation, the ' +
      'verdict, then "Review comment:" or "Full review comments:" with "- [P1] title — ' +
      '/path:start-end" and the body indented, as Codex renders it; an answer that is not ' +
      'the JSON is kept as it is), an agentMessage with the same text, then turn/completed. ' +
      'delivery "inline" ' +
      '(the default) runs it on the thread; "detached" (which Codex 0.169.0’s schema no ' +
      'longer lists) forks the thread, announces the fork with thread/started and reviews ' +
      'there. reviewThreadId is the thread the review runs on.',
    () =>
      z.object({
        threadId: z.string(),
        target: ReviewTarget,
        delivery: z.enum(['inline', 'detached']).nullable().optional(),
      }),
    () => z.object({ turn: Turn, reviewThreadId: z.string() }),
  ),
} as const;
