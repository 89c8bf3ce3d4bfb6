// Where Yoke's native helpers are (native/*.c, compiled by `npm run build`): beside the bundle
// (dist/), or two levels up in dist/ — from a chunk in dist/chunks/, or from src/ when running
// from source. An environment variable names another path, or
// `off` to do without.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The helper `name` (e.g. yoke-spawnd), or null when it was not built or is switched off. */
export function findNativeHelper(
  name: string,
  envVar: string,
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  if (env[envVar] === 'off') return null;
  const candidates = [
    env[envVar],
    fileURLToPath(new URL(`./${name}`, import.meta.url)),
    fileURLToPath(new URL(`../../dist/${name}`, import.meta.url)),
  ];
  return candidates.find((path): path is string => Boolean(path) && existsSync(path!)) ?? null;
}
