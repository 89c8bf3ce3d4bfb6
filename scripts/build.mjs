// Builds dist/: the CLI bundled by esbuild into dist/yoke.cjs, the terminal UI into its own
// bundle dist/yoke-tui.js, and the native helpers when a C compiler exists: dist/yoke-spawnd from
// native/spawnd.c (without it, Yoke starts commands from Node, a few milliseconds slower each)
// dist/yoke-sandbox-exec from native/sandbox-exec.c (without it, sandboxed commands can reach
// the host's unix sockets; Yoke warns), and dist/yoke-pty from native/pty.c (command/exec with
// a terminal; without it, `tty` is refused).
//
// `yoke acp` (the Agent Client Protocol SDK) is a bundle of its own too, dist/yoke-acp.js.
//
// The CLI is one CommonJS script run from V8's code cache (bin/yoke.js): Node 20 caches no
// compiled code for ES modules, and compiling the CLI's code took a fifth of `yoke app-server`'s
// start-up. bin/yoke.js compiles dist/yoke.cjs with vm.Script and the cache in
// dist/yoke.cjs.cache, which this script writes by running `yoke app-server` once to its
// initialize reply (the functions start-up runs are in it, compiled). A cache V8 rejects (another
// Node) costs only the compile. Everything the bundle imports at run time (the UI and ACP
// bundles, the MCP SDK, the tokenizer) goes through __yImp, which bin/yoke.js supplies: a
// script compiled by vm has no import() of its own. Code reached by a dynamic import inside the
// bundle (a command and what only it needs: the fleet's BullMQ, ioredis and pg) is initialised
// only when reached.
//
// The terminal UI (React, Ink, about 1 MB) is a bundle of its own: the CLI reaches it only by
// a dynamic import, which the plugin below points at dist/yoke-tui.js instead of inlining it,
// so `yoke exec` and the other commands never read or parse it. It carries its own copy of the
// code it shares with the CLI; only one of the two ever runs a command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
// What earlier builds left: the split ES-module CLI, a cache of an older bundle.
for (const old of ['dist/chunks', 'dist/yoke.js', 'dist/yoke.js.map', 'dist/yoke.cjs.cache'])
  rmSync(old, { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    format: 'cjs',
    // ES modules are strict; the bundle stays so (the directive opens the wrapper's body).
    banner: { js: '"use strict";' },
    define: { 'import.meta.url': '__yokeMetaUrl' },
    // The fleet's clients (1.4 MB bundled) load from node_modules when a fleet command first
    // reaches them, so no other command reads them. better-sqlite3's JavaScript is bundled:
    // src/store/sqlite.ts names its native addon, which stays in node_modules.
    external: ['@modelcontextprotocol/sdk', 'bullmq', 'ioredis', 'pg'],
    entryPoints: ['src/surfaces/cli/main.ts'],
    outfile: 'dist/yoke.cjs',
    plugins: [tuiBundle, acpBundle],
  }),
  // The start-up stage of `yoke app-server` (bin/yoke.js requires it): answers initialize
  // before dist/yoke.cjs loads. It opens the store, so better-sqlite3's JavaScript is in it too.
  build({
    ...common,
    format: 'cjs',
    banner: {
      js: '"use strict"; const __yokeMetaUrl = require("node:url").pathToFileURL(__filename).href;',
    },
    define: { 'import.meta.url': '__yokeMetaUrl' },
    external: [],
    entryPoints: ['src/surfaces/cli/app-server-boot.ts'],
    outfile: 'dist/yoke-boot.cjs',
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
routeImports('dist/yoke.cjs');
console.log(
  `built dist/yoke.cjs, dist/yoke-boot.cjs, dist/yoke-tui.js and dist/yoke-acp.js in ${Math.round(performance.now() - started)} ms`,
);

/**
 * Points the bundle's import() calls at __yImp. Fails the build on a call it does not
 * expect, so a new one is looked at. `__yImp(` is as long as `import(`, so the source map
 * esbuild wrote still has every column right.
 */
function routeImports(file) {
  const expected = [
    /^["']\.\/yoke-(tui|acp)\.js["']$/,
    /^["']@modelcontextprotocol\/sdk\/[\w/.]+["']$/,
    /^["']node:https["']$/,
    /^ENCODING_MODULE$/,
    /^WS_MODULE$/,
    /^processorFile$/,
  ];
  const text = readFileSync(file, 'utf8');
  const unexpected = [];
  // A call, not a method named `import` (`x.import(…)`, or `import(a, b) {` defining one).
  const routed = text.replace(/(?<![\w$.])import\(([^()]*)\)(?!\{)/g, (call, arg) => {
    if (!expected.some((re) => re.test(arg))) unexpected.push(call);
    return `__yImp(${arg})`;
  });
  if (unexpected.length)
    throw new Error(`build: unexpected import() in ${file}: ${unexpected.join(', ')}`);
  writeFileSync(file, routed);
}

// Native helpers, rebuilt when their source is newer: yoke-spawnd (command starts),
// yoke-sandbox-exec (rlimits and the connect() supervisor inside bwrap) and yoke-pty (a
// pseudo-terminal for command/exec).
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
  {
    source: 'native/pty.c',
    binary: 'dist/yoke-pty',
    flags: ['-lutil'],
    without: 'command/exec with tty (a terminal) will be refused',
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
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', binary, source, ...flags], { stdio: 'inherit' });
  if (r.error || r.status !== 0)
    console.log(`note: could not compile ${source} with ${cc}; ${without}`);
  else console.log(`built ${binary}`);
}

// The web page `yoke serve` serves (skipped when web/dist is up to date).
await buildWeb();

// The code cache: one `yoke app-server` run to its initialize reply, in a scratch home.
await writeCodeCache();

async function writeCodeCache() {
  const home = join(tmpdir(), `yoke-build-cache-${process.pid}`);
  mkdirSync(home, { recursive: true });
  try {
    const initialize = {
      method: 'initialize',
      id: 0,
      params: { clientInfo: { name: 'build', version: '1' } },
    };
    const r = spawnSync(process.execPath, [join(process.cwd(), 'bin', 'yoke.js'), 'app-server'], {
      input: `${JSON.stringify(initialize)}\n`,
      env: { PATH: process.env.PATH, HOME: home, YOKE_HOME: home, YOKE_WRITE_CODE_CACHE: '1' },
      cwd: home,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0 || !existsSync('dist/yoke.cjs.cache'))
      console.log(
        `note: no code cache written (start-up compiles the CLI): ${r.stderr || r.error}`,
      );
    else
      console.log(
        `built dist/yoke.cjs.cache (${Math.round(statSync('dist/yoke.cjs.cache').size / 1024)} KB)`,
      );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
