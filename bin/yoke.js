#!/usr/bin/env node
// The yoke command: runs the bundled CLI, dist/yoke.cjs (built by `npm run build`), from V8's
// code cache. Node 20 keeps no compiled code for ES modules between runs, so the bundle is a
// CommonJS script compiled here with vm.Script and dist/yoke.cjs.cache, the compiled code of a
// start-up that `npm run build` recorded: V8 checks the cache against the source and this Node,
// and compiles afresh when it does not match. The script is wrapped as Node wraps a CommonJS
// module, plus what an ES module would have had: import.meta.url and import().
//
// This file is CommonJS too (bin/package.json): an ES module entry costs Node ~10 ms more to
// start. `yoke app-server` first goes through its start-up stage, dist/yoke-boot.cjs, which
// answers the client's initialize before the bundle loads (src/surfaces/cli/app-server-boot.ts);
// `yoke --version` is answered from that small bundle too.
'use strict';
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { Script } = require('node:vm');

const dir = join(__dirname, '..', 'dist');
const file = join(dir, 'yoke.cjs');

function runCli() {
  let source;
  try {
    // esbuild writes ASCII (it escapes the rest): read as latin1, the cheapest string to make.
    source = readFileSync(file, 'latin1');
  } catch {
    missing('yoke.cjs');
  }
  const cacheFile = `${file}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // No cache: compiled as any script is.
  }

  const script = new Script(
    `(function (exports, require, module, __filename, __dirname, __yokeMetaUrl, __yImp) {${source}\n})`,
    { filename: file, ...(cachedData ? { cachedData } : {}) },
  );
  if (process.env.YOKE_WRITE_CODE_CACHE === '1') {
    // `npm run build` records the cache from one start-up: what ran by exit is compiled in it.
    process.once('exit', () => {
      writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
      renameSync(`${cacheFile}.tmp`, cacheFile);
    });
  }

  const dist = pathToFileURL(file);
  /** The bundle's import(): relative to dist/, packages from Yoke's node_modules. */
  const yokeImport = (specifier) =>
    import(specifier.startsWith('.') ? new URL(specifier, dist).href : specifier);
  const module = { exports: {} };
  script
    .runInThisContext()
    .call(
      module.exports,
      module.exports,
      createRequire(file),
      module,
      file,
      dir,
      dist.href,
      yokeImport,
    );
}

function missing(name) {
  process.stderr.write(
    `yoke: dist/${name} is missing; run \`npm run build\` in the Yoke checkout first\n`,
  );
  process.exit(1);
}

const args = process.argv.slice(2);
const version = args.length === 1 && (args[0] === '--version' || args[0] === '-V');
if (args[0] === 'app-server' || version) {
  let boot;
  try {
    boot = require(join(dir, 'yoke-boot.cjs'));
  } catch (err) {
    if (err.code === 'MODULE_NOT_FOUND') missing('yoke-boot.cjs');
    throw err;
  }
  if (version) process.stdout.write(`yoke ${boot.CLI_VERSION}\n`);
  else boot.bootAppServer(args.slice(1), runCli);
} else runCli();
