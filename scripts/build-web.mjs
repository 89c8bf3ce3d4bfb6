// Builds the web page (web/ → web/dist) with Vite, unless web/dist is newer than every source
// the page is made of (web/, src/client/, src/protocol/, the lock file): `npm run build` stays
// fast when nothing there changed. Vite is a dev dependency; without it the step is skipped
// with a note (an existing web/dist is still served).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = 'web/dist/index.html';
const SOURCES = ['web/index.html', 'web/vite.config.ts', 'web/src', 'src/client', 'src/protocol'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export async function buildWeb({ force = false } = {}) {
  const started = performance.now();
  const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
  const sources = Math.max(...SOURCES.map(newestMtime), newestMtime('package-lock.json'));
  if (!force && built > sources) {
    console.log('web/dist is up to date');
    return;
  }
  let vite;
  try {
    vite = await import('vite');
  } catch {
    console.log('note: vite is not installed (dev dependency); web/dist was not rebuilt');
    return;
  }
  await vite.build({
    root: 'web',
    configFile: 'web/vite.config.ts',
    logLevel: 'warn',
  });
  console.log(`built web/dist in ${Math.round(performance.now() - started)} ms`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildWeb({ force: process.argv.includes('--force') });
}
