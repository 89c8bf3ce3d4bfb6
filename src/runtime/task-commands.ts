// The sandbox of a task's deterministic commands (setup, `run` nodes, checks): the same as the
// agent's — hidden credentials and Yoke home, host sockets refused, the known-safe environment,
// the limits — with writes confined to the worktree (the command's cwd) and the task's declared
// cache folders, and the network as the task says (ProcessSpec.sandbox). A repository's own
// scripts (`npm ci` runs every dependency's install script) cannot read what the agent cannot.
import { mkdirSync } from 'node:fs';
import { SandboxError } from '../sandbox/errors.ts';
import { resolvePolicy } from '../sandbox/policy.ts';
import { notStarted, type ProcessRunner } from '../sandbox/process-runner.ts';
import { expandHome, type ReadRules } from '../sandbox/read-rules.ts';
import { createSandboxRunner } from '../sandbox/select.ts';
import type { ResolvedConfig } from './config.ts';
import { makeCommandTmp, removeCommandTmp } from './command-tmp.ts';

export function createTaskCommandRunner(
  config: ResolvedConfig,
  read: ReadRules,
  base: ProcessRunner,
): ProcessRunner {
  const home = config.sandboxAccess.userHome;
  return {
    name: 'task-sandbox',
    async run(spec, opts) {
      const box = spec.sandbox ?? { networkAccess: false };
      const tmpDir = makeCommandTmp();
      try {
        const extraRoots = (box.extraRoots ?? []).map((path) => expandHome(path, home));
        // A declared cache that does not exist yet is made, so that it can be bound writable.
        for (const root of extraRoots) mkdirSync(root, { recursive: true });
        const policy = resolvePolicy({
          mode: box.mode ?? 'workspace-write',
          cwd: spec.cwd,
          extraRoots,
          networkAccess: box.networkAccess,
          tmpDir,
          read,
          unixSockets: config.sandboxAccess.allowUnixSockets,
        });
        const { runner } = createSandboxRunner({
          policy,
          base,
          limits: config.sandboxLimits,
          envPolicy: config.shellEnvironmentPolicy,
        });
        const { sandbox: _box, ...rest } = spec;
        return await runner.run(rest, opts);
      } catch (err) {
        if (err instanceof SandboxError) return notStarted({ spawnError: err.message });
        throw err;
      } finally {
        removeCommandTmp(tmpDir);
      }
    },
  };
}
