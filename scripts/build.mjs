// Builds dist/: the CLI bundled by esbuild into dist/yoke.js with code splitting, the
// terminal UI into its own bundle dist/yoke-tui.js, and the native helpers when a C compiler
// exists: dist/yoke-spawnd from native/spawnd.c (without it, Yoke starts commands from Node, a
// few milliseconds slower each) and dist/yoke-sandbox-exec from native/sandbox-exec.c (without
// it, sandboxed commands can reach the host's unix sockets; Yoke warns).
//
// `yoke acp` (the Agent Client Protocol SDK) is a bundle of its own too, dist/yoke-acp.js.
//
// The CLI is split: dist/yoke.js is the command dispatcher, and each command (reached by a
// dynamic import) with the code it needs lands in dist/chunks/, code shared between commands in
// shared chunks. A command reads and compiles only its own part: `yoke app-server` no longer
// compiles the fleet's BullMQ, ioredis and pg (1.4 of the 2.5 MB a single bundle had), which
// took a third of its start-up (`npm run bench -- app-server`). Native helpers and web/dist are
// found from dist/chunks/ as from dist/ (src/sandbox/native-helper.ts, serve-web.ts).
//
// The terminal UI (React, Ink, about 1 MB) is a bundle of its own: the CLI reaches it only by
// a dynamic import, which the plugin below points at dist/yoke-tui.js instead of inlining it,
// so `yoke exec` and the other commands never read or parse it. It carries its own copy of the
// code it shares with the CLI; only one of the two ever runs a command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { build } from 'esbuild';
import { buildWeb } from './build-web.mjs';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  jsx: 'automatic',
  sourcemap: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  // Native addon: loaded from node_modules at run time. The MCP SDK too: src/mcp imports it
  // lazily, and inlined as a lazy module it would pull zod's modules into lazy init ahead of
  // the code that uses zod at load (a "not a constructor" at start).
  external: ['better-sqlite3', '@modelcontextprotocol/sdk'],
  banner: {
    js: "import { createRequire as __yokeCreateRequire } from 'node:module'; const require = __yokeCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

/**
 * Ink imports react-devtools-core (an optional peer, not installed) only when DEV=true. In a
 * single bundle that import would be hoisted and fail at load: it gets an inert stand-in.
 */
const noDevtools = {
  name: 'no-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({
      path: 'stub',
      namespace: 'no-devtools',
    }));
    b.onLoad({ filter: /.*/, namespace: 'no-devtools' }, () => ({
      contents: 'export default { initialize() {}, connectToDevTools() {} };',
    }));
  },
};

/** `import('../tui/command.ts')` in the CLI becomes `import('./yoke-tui.js')`, left external. */
const tuiBundle = {
  name: 'tui-bundle',
  setup(b) {
    b.onResolve({ filter: /\/tui\/command\.ts$/ }, () => ({
      path: './yoke-tui.js',
      external: true,
    }));
  },
};

/** `import('../acp/command.ts')` in the CLI becomes `import('./yoke-acp.js')`: the ACP SDK's bundle. */
const acpBundle = {
  name: 'acp-bundle',
  setup(b) {
    b.onResolve({ filter: /\/acp\/command\.ts$/ }, (args) =>
      args.importer.includes('/surfaces/cli/')
        ? { path: './yoke-acp.js', external: true }
        : undefined,
    );
  },
};

const started = performance.now();
// Chunk names carry content hashes: clear the old ones so dist/ does not grow with each build.
rmSync('dist/chunks', { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: { yoke: 'src/surfaces/cli/main.ts' },
    outdir: 'dist',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [tuiBundle, acpBundle],
  }),
  build({
    ...common,
    entryPoints: ['src/surfaces/acp/command.ts'],
    outfile: 'dist/yoke-acp.js',
  }),
  build({
    ...common,
    entryPoints: ['src/surfaces/tui/command.ts'],
    outfile: 'dist/yoke-tui.js',
    plugins: [noDevtools],
  }),
]);
console.log(
  `built dist/yoke.js, dist/yoke-tui.js and dist/yoke-acp.js in ${Math.round(performance.now() - started)} ms`,
);

// Native helpers, rebuilt when their source is newer: yoke-spawnd (command starts) and
// yoke-sandbox-exec (rlimits and the connect() supervisor inside bwrap).
const natives = [
  {
    source: 'native/spawnd.c',
    binary: 'dist/yoke-spawnd',
    flags: [],
    without: 'commands will start from Node (slower)',
  },
  {
    source: 'native/sandbox-exec.c',
    binary: 'dist/yoke-sandbox-exec',
    flags: ['-pthread'],
    without: 'sandboxed commands will be able to reach unix sockets of the host',
  },
];
for (const { source, binary, flags, without } of natives) {
  if (
    process.platform !== 'linux' ||
    (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs)
  )
    continue;
  mkdirSync('dist', { recursive: true });
  const cc = process.env.CC || 'cc';
  const r = spawnSync(cc, ['-O2', '-Wall', ...flags, '-o', binary, source], { stdio: 'inherit' });
  if (r.error || r.status !== 0)
    console.log(`note: could not compile ${source} with ${cc}; ${without}`);
  else console.log(`built ${binary}`);
}

// The web page `yoke serve` serves (skipped when web/dist is up to date).
await buildWeb();
