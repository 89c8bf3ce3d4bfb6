// Builds dist/: the CLI bundled by esbuild into dist/yoke.js, and the native command starter
// dist/yoke-spawnd from native/spawnd.c when a C compiler exists (without it, Yoke starts
// commands from Node, a few milliseconds slower each).
//
// Code splitting is on so that what the CLI loads only by a dynamic import (the terminal UI
// with React and Ink) lands in dist/chunks/ and is read only when used: `yoke exec` start-up
// does not parse it. Code both halves share goes into a chunk the entry imports statically.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { build } from 'esbuild';
import { buildWeb } from './build-web.mjs';

const started = performance.now();
// Chunk names carry content hashes: clear the old ones so dist/ does not grow with each build.
rmSync('dist/chunks', { recursive: true, force: true });
await build({
  entryPoints: { yoke: 'src/surfaces/cli/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  jsx: 'automatic',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  // Native addon: loaded from node_modules at run time. react-devtools-core is an optional
  // peer of Ink, imported only when DEV=true; it is not installed.
  external: ['better-sqlite3', 'react-devtools-core'],
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

// The web page `yoke serve` serves (skipped when web/dist is up to date).
await buildWeb();
