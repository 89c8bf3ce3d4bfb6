// The `none` backend as Yoke uses it: commands start through yoke-spawnd when the helper was
// built (`npm run build` compiles native/spawnd.c), else straight from Node.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDirectRunner } from './direct-runner.ts';
import type { ProcessRunner } from './process-runner.ts';
import { createSpawndRunner } from './spawnd-runner.ts';

/** Where the helper may be: beside the bundle (dist/), or in dist/ when running from src/. */
function findSpawnd(env: NodeJS.ProcessEnv): string | null {
  if (env.YOKE_SPAWND === 'off') return null;
  const candidates = [
    env.YOKE_SPAWND,
    fileURLToPath(new URL('./yoke-spawnd', import.meta.url)),
    fileURLToPath(new URL('../../dist/yoke-spawnd', import.meta.url)),
  ];
  return candidates.find((path): path is string => Boolean(path) && existsSync(path!)) ?? null;
}

export function createDefaultRunner(env: NodeJS.ProcessEnv = process.env): ProcessRunner {
  const spawnd = findSpawnd(env);
  return spawnd ? createSpawndRunner(spawnd) : createDirectRunner();
}
