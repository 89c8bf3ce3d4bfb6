// The reviewer's answer read as Codex's JSON findings (src/runtime/review-output.ts): braces
// and quotes inside strings, stray braces in prose, other fences, missing fields, and text
// that is no review at all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReviewOutput, renderReviewOutput, reviewText } from '../src/runtime/review-output.ts';

const finding = (extra: Record<string, unknown> = {}) => ({
  title: 'Close the "file" {handle}',
  body: 'It leaks when `open()` throws } early.\n\nSee the loop.',
  ...extra,
});

test('braces and escaped quotes inside strings do not end the object', { timeout: 5_000 }, () => {
  const json = JSON.stringify({ findings: [finding({ priority: 2 })] });
  const out = parseReviewOutput(`Stray { before. ${json} and a } after.`);
  assert.equal(out?.findings?.[0]?.title, 'Close the "file" {handle}');
  assert.equal(
    renderReviewOutput(out!),
    [
      'Review comment:',
      '',
      '- [P2] Close the "file" {handle}',
      '  It leaks when `open()` throws } early.',
      '',
      '  See the loop.',
    ].join('\n'),
    'no location: the title alone; a blank body line stays blank',
  );
});

test('a ~~~ fence, and a fence with no language, are read', { timeout: 5_000 }, () => {
  const json = JSON.stringify({ overall_explanation: 'Fine.', findings: [] });
  assert.equal(reviewText(`~~~\n${json}\n~~~`), 'Fine.');
  assert.equal(reviewText(`Review:\n\`\`\`\n${json}\n\`\`\``), 'Fine.');
});

test(
  'priority: a tag already in the title is kept; out of range adds none',
  { timeout: 5_000 },
  () => {
    const out = parseReviewOutput(
      JSON.stringify({
        findings: [
          finding({ title: '[P0] Already tagged', priority: 1 }),
          finding({
            title: 'Odd priority',
            priority: 7,
            code_location: { absolute_file_path: '/a' },
          }),
        ],
      }),
    );
    const text = renderReviewOutput(out!);
    assert.match(text, /^Full review comments:/);
    assert.match(text, /^- \[P0\] Already tagged$/m);
    assert.match(text, /^- Odd priority — \/a$/m, 'a location without lines is the path');
  },
);

test('not a review: prose, other JSON, wrong types, broken JSON', { timeout: 5_000 }, () => {
  for (const answer of [
    'Looks good.',
    '{"verdict": "ok"}',
    '{"findings": "none"}',
    '{"findings": [{"title": 3}]}',
    '{',
    '{"overall_explanation": "unterminated',
  ])
    assert.equal(parseReviewOutput(answer), null, answer);
  assert.equal(reviewText('  Looks good.\n'), 'Looks good.');
  assert.equal(reviewText('{"findings": []}'), 'The reviewer reported no findings.');
});

test('a long answer of braces is read quickly', { timeout: 5_000 }, () => {
  const answer = `${'{'.repeat(200_000)} ${JSON.stringify({ overall_explanation: 'x' })}`;
  assert.equal(parseReviewOutput(answer), null, 'only the first starts are tried');
});
