// What a review turn (review/start) gives the model: Yoke's review instructions, what is
// reviewed, and the diff, computed with git in the thread's cwd — the working tree (staged,
// unstaged and untracked files), a branch since its merge base with a base branch, or one
// commit. Custom reviews carry their own instructions and no diff. The instructions ask for
// the JSON object of findings Codex's reviewers answer with; review-output.ts reads it.
import type { ReviewTarget } from '../protocol/methods-review.ts';
import { gitRaw } from '../tasks/git.ts';
import { RuntimeError } from './errors.ts';

export type ReviewRequest = {
  /** What is reviewed, for people: the `review` of the enteredReviewMode item. */
  hint: string;
  /** The user message of the review turn. */
  prompt: string;
};

/** A diff larger than this is cut (at a line end) and the model told how to read the rest. */
export const REVIEW_DIFF_BUDGET_BYTES = 256 * 1024;

/** Untracked files shown as diffs, one git process each; the rest are named. */
const MAX_UNTRACKED_DIFFS = 200;

/** git's empty tree: what a repository without a commit is compared with. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

const INSTRUCTIONS = `You are reviewing a code change as a careful senior engineer would before it is merged.

Look for what would hurt someone who relies on this change: bugs and wrong behaviour, unhandled
errors and edge cases, security problems, data loss, races, broken compatibility, misleading
names or comments, and missing or weak tests. Skip matters of taste and anything a formatter or
linter would catch. Report only problems the change itself introduces, that you can point at in
the code (not guess at), and that its author would want to fix once told. Report every such
problem, one finding each; when there is none, report none rather than a weak one.

You may read files and run read-only commands (git log, git show, the tests) to check a
suspicion. Do not modify any file: this is a review, not a fix.

Each finding has a title of at most 80 characters, in the imperative, that starts with its
priority tag: [P0] must be fixed before anything ships, whatever the inputs; [P1] should be
fixed soon; [P2] should be fixed some day; [P3] is a small improvement. Its body is one short
Markdown paragraph, matter-of-fact, saying why it is a problem and in which situation it
shows; code in it is quoted in backticks and never longer than three lines. Its location is
the absolute path of the file and the shortest line range (a few lines at most) that shows
the problem, within the change.

Finally judge the change as a whole: "patch is correct" when it breaks no existing code or
test and has no bug or other blocking problem (style, typos and documentation do not count),
else "patch is incorrect", with one to three sentences saying why.

Answer with one JSON object and nothing else: no Markdown fence, no text before or after it.
Its shape:

{
  "findings": [
    {
      "title": "[P1] <title>",
      "body": "<why this is a problem>",
      "confidence_score": <0.0 to 1.0>,
      "priority": <0, 1, 2 or 3 — the tag's number; null when you cannot tell>,
      "code_location": {
        "absolute_file_path": "<absolute path of the file>",
        "line_range": {"start": <first line>, "end": <last line>}
      }
    }
  ],
  "overall_correctness": "patch is correct" | "patch is incorrect",
  "overall_explanation": "<why, in one to three sentences>",
  "overall_confidence_score": <0.0 to 1.0>
}`;

/** The review request for `target`, its diff computed in `cwd`; refuses what git cannot show. */
export async function reviewRequest(target: ReviewTarget, cwd: string): Promise<ReviewRequest> {
  if (target.type === 'custom') {
    const instructions = target.instructions.trim();
    if (!instructions)
      throw new RuntimeError('input_invalid', 'review/start: custom instructions are empty');
    return {
      hint: instructions,
      prompt: `${INSTRUCTIONS}\n\n## What to review\n\n${instructions}\n\nThe working directory is ${cwd}.`,
    };
  }
  await requireRepository(cwd);
  const root = (await gitOut(cwd, ['rev-parse', '--show-toplevel'])).trim();
  const request = (hint: string, what: string, diff: string, command: string) =>
    requestFor(hint, what, diff, command, root);
  switch (target.type) {
    case 'uncommittedChanges': {
      const diff = await uncommittedDiff(cwd);
      return request(
        'current changes',
        'the uncommitted changes of the working tree (staged, unstaged and untracked files)',
        diff,
        'git status and git diff HEAD',
      );
    }
    case 'baseBranch': {
      const branch = target.branch.trim();
      if (!branch || branch.startsWith('-'))
        throw new RuntimeError('input_invalid', `review/start: "${target.branch}" is not a branch`);
      if (!(await resolves(cwd, `${branch}^{commit}`)))
        throw new RuntimeError('input_invalid', `review/start: no branch "${branch}" in ${cwd}`);
      const base = await gitOut(cwd, ['merge-base', 'HEAD', branch]);
      if (!base)
        throw new RuntimeError(
          'input_invalid',
          `review/start: the current branch and "${branch}" share no history in ${cwd}`,
        );
      const diff = await gitOut(cwd, ['diff', '--no-color', '--no-ext-diff', base]);
      return request(
        `changes against '${branch}'`,
        `the changes of the current branch against "${branch}": the diff from their merge base ${base} to the working tree`,
        diff,
        `git diff ${base}`,
      );
    }
    case 'commit': {
      const sha = target.sha.trim();
      if (!sha || sha.startsWith('-') || !(await resolves(cwd, `${sha}^{commit}`)))
        throw new RuntimeError(
          'input_invalid',
          `review/start: no commit "${target.sha}" in ${cwd}`,
        );
      const title = target.title?.trim();
      const short = sha.slice(0, 7);
      const diff = await gitOut(cwd, [
        'show',
        '--no-color',
        '--no-ext-diff',
        '--format=fuller',
        sha,
      ]);
      return request(
        title ? `commit ${short}: ${title}` : `commit ${short}`,
        `the changes of commit ${sha}${title ? ` ("${title}")` : ''}`,
        diff,
        `git show ${sha}`,
      );
    }
  }
}

function requestFor(
  hint: string,
  what: string,
  diff: string,
  command: string,
  root: string,
): ReviewRequest {
  const body = diff.trim()
    ? `The paths in the diff are relative to the repository's root, ${root}.\n\n${fenced(budgeted(diff, command))}`
    : 'The diff is empty: there is nothing to review. Say so in overall_explanation, with no findings.';
  return { hint, prompt: `${INSTRUCTIONS}\n\n## What to review\n\n${what}.\n\n${body}` };
}

function budgeted(diff: string, command: string): string {
  if (Buffer.byteLength(diff) <= REVIEW_DIFF_BUDGET_BYTES) return diff;
  const cut = Buffer.from(diff).subarray(0, REVIEW_DIFF_BUDGET_BYTES).toString('utf8');
  const kept = cut.slice(0, Math.max(0, cut.lastIndexOf('\n') + 1));
  return `${kept}[… the diff goes on: ${Buffer.byteLength(diff) - Buffer.byteLength(kept)} more bytes, read them with ${command}]\n`;
}

/** The diff in a fence longer than any backtick run inside it. */
function fenced(diff: string): string {
  const longest = Math.max(2, ...[...diff.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}diff\n${diff.endsWith('\n') ? diff : `${diff}\n`}${fence}`;
}

async function requireRepository(cwd: string): Promise<void> {
  const r = await gitRaw(cwd, ['rev-parse', '--is-inside-work-tree']);
  if (r.code !== 0 || r.stdout.trim() !== 'true')
    throw new RuntimeError(
      'input_invalid',
      `review/start: ${cwd} is not in a git repository (a review compares git revisions; a custom review needs none)`,
    );
}

async function resolves(cwd: string, rev: string): Promise<boolean> {
  return (await gitRaw(cwd, ['rev-parse', '--verify', '--quiet', rev])).code === 0;
}

/** git's stdout, trimmed of its last newline for one-line answers; '' when git fails. */
async function gitOut(cwd: string, args: string[]): Promise<string> {
  const r = await gitRaw(cwd, args);
  if (r.code !== 0) {
    if (args[0] === 'merge-base') return '';
    const detail = r.stderr.trim().split('\n').slice(-2).join(' ') || `exit ${r.code}`;
    throw new RuntimeError(
      'input_invalid',
      `review/start: git ${args[0]} failed in ${cwd}: ${detail}`,
    );
  }
  return args[0] === 'merge-base' ? r.stdout.trim() : r.stdout;
}

/** Staged and unstaged changes against HEAD (or the empty tree), then each untracked file. */
async function uncommittedDiff(cwd: string): Promise<string> {
  const base = (await resolves(cwd, 'HEAD^{commit}')) ? 'HEAD' : EMPTY_TREE;
  const tracked = await gitOut(cwd, ['diff', '--no-color', '--no-ext-diff', base]);
  const listed = await gitOut(cwd, ['ls-files', '--others', '--exclude-standard', '-z']);
  const parts = [tracked];
  let bytes = Buffer.byteLength(tracked);
  const untracked = listed.split('\0').filter(Boolean);
  for (const [i, file] of untracked.entries()) {
    if (bytes > REVIEW_DIFF_BUDGET_BYTES || i >= MAX_UNTRACKED_DIFFS) {
      // Past the budget the rest would be cut anyway: their names say they exist.
      parts.push(`\nUntracked files not shown:\n${untracked.slice(i).join('\n')}\n`);
      break;
    }
    // --no-index exits 1 when the files differ: that is the answer, not a failure.
    const r = await gitRaw(cwd, [
      'diff',
      '--no-color',
      '--no-ext-diff',
      '--no-index',
      '--',
      '/dev/null',
      file,
    ]);
    if (r.code <= 1) {
      parts.push(r.stdout);
      bytes += Buffer.byteLength(r.stdout);
    }
  }
  return parts.join('');
}
