// The reviewer's answer: a JSON object of findings in the shape Codex's review model is trained
// to give (Codex core's ReviewOutputEvent, snake_case fields), read from the answer's text —
// bare, in a ```json fence, or inside prose — and rendered as the text Codex puts in the
// exitedReviewMode item: the overall explanation, then the findings block ("Review comment:"
// or "Full review comments:", then "- title — /path:start-end" with the body indented). An
// answer that holds no such object is the review as it stands.
import * as z from 'zod';

/** What the reviewer is asked to answer; every field but a finding's title may be missing. */
function reviewSchema() {
  const LineRange = z.object({ start: z.number().int(), end: z.number().int().nullish() });
  const Finding = z.object({
    title: z.string(),
    body: z.string().nullish(),
    confidence_score: z.number().nullish(),
    /** 0 (P0, must fix) to 3 (P3, nit); left out or null when the reviewer could not say. */
    priority: z.number().int().nullish(),
    code_location: z
      .object({ absolute_file_path: z.string(), line_range: LineRange.nullish() })
      .nullish(),
  });
  return z.object({
    findings: z.array(Finding).nullish(),
    overall_correctness: z.string().nullish(),
    overall_explanation: z.string().nullish(),
    overall_confidence_score: z.number().nullish(),
  });
}

export type ReviewOutput = z.infer<ReturnType<typeof reviewSchema>>;
export type ReviewFinding = NonNullable<ReviewOutput['findings']>[number];

/** Built on the first review, not when the runtime loads (every start-up would pay for it). */
let ReviewJson: ReturnType<typeof reviewSchema> | null = null;

/** How many `{` of a long answer are tried as the start of the object. */
const MAX_OBJECT_STARTS = 64;

/**
 * The review object in the reviewer's answer, or null when there is none: the whole text,
 * then each fenced block, then each balanced `{…}` in it, the first that is a review wins.
 * An object counts as a review when it has findings or an overall verdict or explanation.
 */
export function parseReviewOutput(text: string): ReviewOutput | null {
  for (const candidate of candidates(text)) {
    const output = asReview(candidate);
    if (output) return output;
  }
  return null;
}

function* candidates(text: string): Iterable<string> {
  yield text.trim();
  for (const m of text.matchAll(/(`{3,}|~{3,})[^\n]*\n([\s\S]*?)\n[ \t]*\1/g)) yield m[2]!;
  let starts = 0;
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) {
    if (++starts > MAX_OBJECT_STARTS) return;
    const end = balancedEnd(text, i);
    if (end > i) yield text.slice(i, end + 1);
  }
}

/** The index of the `}` closing the object opened at `start` (strings skipped), or -1. */
function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function asReview(candidate: string): ReviewOutput | null {
  if (!candidate.startsWith('{')) return null;
  let json: unknown;
  try {
    json = JSON.parse(candidate);
  } catch {
    return null;
  }
  const parsed = (ReviewJson ??= reviewSchema()).safeParse(json);
  if (!parsed.success) return null;
  const out = parsed.data;
  const isReview =
    Array.isArray(out.findings) ||
    typeof out.overall_correctness === 'string' ||
    typeof out.overall_explanation === 'string';
  return isReview ? out : null;
}

/**
 * The review as people read it, in Codex's layout: the overall explanation and verdict, then
 * the findings block. Empty when the object says nothing at all.
 */
export function renderReviewOutput(output: ReviewOutput): string {
  const sections: string[] = [];
  const explanation = output.overall_explanation?.trim();
  if (explanation) sections.push(explanation);
  const verdict = output.overall_correctness?.trim();
  if (verdict) sections.push(`Verdict: ${verdict}`);
  const findings = output.findings ?? [];
  if (findings.length > 0) sections.push(findingsBlock(findings));
  return sections.join('\n\n');
}

function findingsBlock(findings: ReviewFinding[]): string {
  const lines = [findings.length > 1 ? 'Full review comments:' : 'Review comment:'];
  for (const finding of findings) {
    const where = location(finding);
    lines.push('', `- ${titleOf(finding)}${where ? ` — ${where}` : ''}`);
    for (const line of (finding.body ?? '').trim().split('\n')) {
      if (line.trim()) lines.push(`  ${line}`);
      else lines.push('');
    }
  }
  return lines.join('\n').trimEnd();
}

/** The title, tagged with its priority ("[P1] …") when the reviewer gave one but no tag. */
function titleOf(finding: ReviewFinding): string {
  const title = finding.title.trim();
  const p = finding.priority;
  if (p === null || p === undefined || p < 0 || p > 3 || /^\[P\d\]/i.test(title)) return title;
  return `[P${p}] ${title}`;
}

function location(finding: ReviewFinding): string {
  const at = finding.code_location;
  if (!at?.absolute_file_path.trim()) return '';
  const range = at.line_range;
  if (!range) return at.absolute_file_path;
  return `${at.absolute_file_path}:${range.start}-${range.end ?? range.start}`;
}

/**
 * The text of the exitedReviewMode item for the reviewer's final answer: the rendered
 * findings when the answer is the review object, else the answer as it is.
 */
export function reviewText(answer: string): string {
  const output = parseReviewOutput(answer);
  if (!output) return answer.trim();
  return renderReviewOutput(output) || 'The reviewer reported no findings.';
}
