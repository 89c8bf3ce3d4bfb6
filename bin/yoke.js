#!/usr/bin/env node
// The yoke command: runs the bundled CLI, dist/yoke.cjs (built by `npm run build`), from V8's
// code cache. Node 20 keeps no compiled code for ES modules between runs, so the bundle is a
// CommonJS script compiled here with vm.Script and dist/yoke.cjs.cache, the compiled code of a
// start-up that `npm run build` recorded: V8 checks the cache against the source and this Node,
// and compiles afresh when it does not match. The script is wrapped as Node wraps a CommonJS
// module, plus what an ES module would have had: import.meta.url and import().
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

const file = fileURLToPath(new URL('../dist/yoke.cjs', import.meta.url));
const cacheFile = `${file}.cache`;

let source;
try {
  // esbuild writes ASCII (it escapes the rest): read as latin1, the cheapest string to make.
  source = readFileSync(file, 'latin1');
} catch {
  process.stderr.write(
    'yoke: dist/yoke.cjs is missing; run `npm run build` in the Yoke checkout first\n',
  );
  process.exit(1);
}
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  // No cache: compiled as any script is.
}

const script = new Script(
  `(function (exports, require, module, __filename, __dirname, __yokeMetaUrl, __yokeImport) {${source}\n})`,
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
    dirname(file),
    dist.href,
    yokeImport,
  );
