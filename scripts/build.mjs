// Builds dist/: the CLI bundled by esbuild into dist/yoke.js (start-up loads one file), and
// the native command starter dist/yoke-spawnd from native/spawnd.c when a C compiler exists
// (without it, Yoke starts commands from Node, a few milliseconds slower each).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { build } from 'esbuild';

const started = performance.now();
await build({
  entryPoints: ['src/surfaces/cli/main.ts'],
  outfile: 'dist/yoke.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  // Native addon: loaded from node_modules at run time.
  external: ['better-sqlite3'],
  banner: {
    js: "import { createRequire as __yokeCreateRequire } from 'node:module'; const require = __yokeCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
console.log(`built dist/yoke.js in ${Math.round(performance.now() - started)} ms`);

const source = 'native/spawnd.c';
const binary = 'dist/yoke-spawnd';
if (
  process.platform === 'linux' &&
  (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs)
) {
  mkdirSync('dist', { recursive: true });
  const cc = process.env.CC || 'cc';
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', binary, source], { stdio: 'inherit' });
  if (r.error || r.status !== 0) {
    console.log(
      `note: could not compile ${source} with ${cc}; commands will start from Node (slower)`,
    );
  } else console.log(`built ${binary}`);
}
