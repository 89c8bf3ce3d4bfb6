// /review: a review turn (review/start) of the uncommitted changes, or — as Codex's own /review
// menu offers — of the current branch against a base branch, of one commit, or by the
// instructions typed after it. The server computes the diff; the turn's enteredReviewMode and
// exitedReviewMode items and the review itself reach the transcript like any turn's items.
import type { ReviewTarget } from '../../protocol/methods-review.ts';
import type { TuiController } from './controller.ts';

export const REVIEW_USAGE =
  '/review (uncommitted changes), /review --base BRANCH, /review --commit SHA, /review INSTRUCTIONS';

/** The target `/review ARG` names, or a one-line reason it names none. */
export function reviewTarget(arg: string): ReviewTarget | { error: string } {
  const text = arg.trim();
  if (!text) return { type: 'uncommittedChanges' };
  const flag = /^(--base|--commit)(?:[\s=]+(\S+))?\s*(.*)$/s.exec(text);
  if (!flag) {
    if (text.startsWith('--')) return { error: `unknown option ${text.split(/\s/)[0]}` };
    return { type: 'custom', instructions: text };
  }
  const [, option, value, extra] = flag;
  if (!value) return { error: `${option} needs a ${option === '--base' ? 'branch' : 'commit'}` };
  if (extra) return { error: `unexpected "${extra}" after ${option} ${value}` };
  return option === '--base'
    ? { type: 'baseBranch', branch: value }
    : { type: 'commit', sha: value, title: null };
}

export async function runReview(ctrl: TuiController, arg: string): Promise<void> {
  if (ctrl.busy) return ctrl.note('a turn is running; review when it ends', 'warn');
  const target = reviewTarget(arg);
  if ('error' in target) return ctrl.note(`${target.error}; ${REVIEW_USAGE}`, 'warn');
  await ctrl.startReview(target);
}
