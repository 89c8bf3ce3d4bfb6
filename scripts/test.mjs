// Builds the CLI, then runs every test file with node's test runner through tsx.
// (Node 20's --test does not expand globs, so the files are listed here.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { missingLine } from './prerequisites.mjs';

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

/** A whole test file's limit (a single test's is in test/support/timeouts/node-test.mjs). */
const FILE_TIMEOUT_MS = 900_000;

const only = process.argv.slice(2);

// The whole suite needs system packages (scripts/prerequisites.mjs): say what is missing in one
// line rather than fail a test at a time. A chosen file runs regardless.
if (only.length === 0) {
  const line = missingLine();
  if (line) {
    console.error(line);
    process.exit(1);
  }
}
const files = only.length
  ? only
  : readdirSync('test', { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => join('test', f))
      .sort();

mkdirSync('test-artifacts', { recursive: true });
const tap = join('test-artifacts', 'results.tap');
rmSync(tap, { force: true });
const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    // Every test gets a timeout unless it sets its own (test/support/timeouts), and every file
    // one too, so a hang fails by name instead of stalling the suite.
    '--import',
    './test/support/timeouts/register.mjs',
    '--test',
    `--test-timeout=${FILE_TIMEOUT_MS}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
// One plain closing line, whatever reporter output CI reads.
const summary = existsSync(tap) ? readFileSync(tap, 'utf8') : '';
const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(summary)?.[1] ?? 0);
// A test that timed out is "cancelled" in TAP: it failed, so it is counted with the failures.
const failed = count('fail') + count('cancelled');
console.log(`${count('pass')} passed, ${failed} failed, ${count('skipped')} skipped`);
process.exit(run.status ?? 1);
