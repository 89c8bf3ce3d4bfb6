#!/usr/bin/env node
// The yoke command: loads the bundled CLI (built by `npm run build`).
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/yoke.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write(
    'yoke: dist/yoke.js is missing; run `npm run build` in the Yoke checkout first\n',
  );
  process.exit(1);
}
await import(bundle.href);
