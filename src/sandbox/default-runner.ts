// The `none` backend as Yoke uses it: commands start through yoke-spawnd when the helper was
// built (`npm run build` compiles native/spawnd.c), else straight from Node.
import { createDirectRunner } from './direct-runner.ts';
import { findNativeHelper } from './native-helper.ts';
import type { ProcessRunner } from './process-runner.ts';
import { createSpawndRunner } from './spawnd-runner.ts';

export function createDefaultRunner(env: NodeJS.ProcessEnv = process.env): ProcessRunner {
  const spawnd = findNativeHelper('yoke-spawnd', 'YOKE_SPAWND', env);
  return spawnd ? createSpawndRunner(spawnd) : createDirectRunner();
}
