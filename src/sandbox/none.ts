// The `none` backend: no sandbox. Only for a user who chose it explicitly (`--sandbox none`,
// `sandbox_mode = "danger-full-access"`); it comes with a warning the CLI prints loudly.
// Commands still get the environment policy: dropping credentials is not a sandbox matter.
import { commandEnv, type EnvPolicyConfig } from './env-policy.ts';
import type { ProcessRunner } from './process-runner.ts';

export const NO_SANDBOX_WARNING =
  'WARNING: the sandbox is OFF (danger-full-access). Every command the model runs can read, ' +
  'change and delete anything your user can, reach the network, and outlive Yoke. ' +
  'Use this only inside a disposable machine or container.';

export function createNoneRunner(
  base: ProcessRunner,
  options: {
    envPolicy?: EnvPolicyConfig;
    hostEnv?: Readonly<Record<string, string | undefined>>;
  } = {},
): { runner: ProcessRunner; warning: string } {
  const runner: ProcessRunner = {
    name: 'none',
    run: (spec, opts) =>
      base.run(
        {
          ...spec,
          env: commandEnv(spec.env ?? options.hostEnv ?? process.env, options.envPolicy).env,
        },
        opts,
      ),
  };
  return { runner, warning: NO_SANDBOX_WARNING };
}
