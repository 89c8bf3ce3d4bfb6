// npm run check: formatting, lint (zero warnings, layer rules included), typecheck, and
// freshness of generated files. Stops at the first failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const steps = [
  ['format', ['node_modules/.bin/prettier', '--check', '--log-level=warn', '.']],
  ['lint', ['node_modules/.bin/eslint', '--max-warnings', '0', '.']],
  ['typecheck', ['node_modules/.bin/tsc', '--noEmit', '-p', '.']],
  // The web page has its own tsconfig (Preact's JSX, the DOM, no Node types).
  ['typecheck web', ['node_modules/.bin/tsc', '--noEmit', '-p', 'web']],
];
if (existsSync('scripts/gen-protocol.ts')) {
  steps.push([
    'generated',
    [process.execPath, '--import', 'tsx', 'scripts/gen-protocol.ts', '--check'],
  ]);
}
for (const [name, [cmd, ...args]] of steps) {
  const started = performance.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  const ms = Math.round(performance.now() - started);
  if (r.status !== 0) {
    console.error(`check: ${name} failed (${ms} ms)`);
    process.exit(1);
  }
  console.log(`check: ${name} ok (${ms} ms)`);
}
