// A thread's sandbox: the policy its current settings resolve to, the runner that applies it
// (approved escalations run outside it), and the exec-policy rules its approvals consult.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Rule } from '../sandbox/exec-policy.ts';
import type { McpRule } from '../sandbox/mcp-policy.ts';
import { resolvePolicy, type SandboxPolicy } from '../sandbox/policy.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import type { AuthorizeEnv } from './approvals.ts';
import type { SandboxDeps, ThreadSettings } from './session-types.ts';

export class SessionSandbox {
  private cache: { key: string; policy: SandboxPolicy } | null = null;
  private tmpDir: string | null = null;
  private wrapped: ProcessRunner | null = null;
  private rules: readonly Rule[] | null = null;
  private mcpRules: readonly McpRule[] | null = null;

  constructor(
    private readonly settings: ThreadSettings,
    private readonly deps: SandboxDeps,
    private readonly base: ProcessRunner,
  ) {}

  /** The policy of the current settings (paths resolved; cached until the settings change). */
  policy(): SandboxPolicy {
    const network = this.settings.networkAccess ?? this.deps.networkAccess;
    const key = `${this.settings.sandboxMode}\0${this.settings.cwd}\0${network}`;
    if (this.cache?.key !== key) {
      this.tmpDir ??= mkdtempSync(join(tmpdir(), 'yoke-cmd-'));
      const policy = resolvePolicy({
        mode: this.settings.sandboxMode,
        cwd: this.settings.cwd,
        extraRoots: this.deps.writableRoots,
        networkAccess: network,
        tmpDir: this.tmpDir,
      });
      this.cache = { key, policy };
    }
    return this.cache.policy;
  }

  /** Commands run sandboxed by the current policy; approved escalations run outside it. */
  runner(): ProcessRunner {
    if (!this.wrapped) {
      const sandboxed = this.deps.wrap(() => this.policy());
      const base = this.base;
      this.wrapped = {
        name: sandboxed.name,
        run: (spec, opts) => (spec.unsandboxed ? base.run(spec, opts) : sandboxed.run(spec, opts)),
      };
    }
    return this.wrapped;
  }

  /** What an approval decision reads: mode, policy, rules (loaded once), and amendments. */
  authorizeEnv(): AuthorizeEnv {
    const rules = () => (this.rules ??= this.deps.loadRules(this.settings.cwd));
    return {
      mode: () => this.settings.approvalPolicy,
      policy: () => this.policy(),
      rules,
      amend: (prefix) => {
        this.rules = [...rules(), this.deps.amend(prefix)];
      },
      mcpRules: () => (this.mcpRules ??= this.deps.loadMcpRules(this.settings.cwd)),
      amendMcp: (server, tool) => {
        const amended = this.deps.amendMcp(server, tool);
        this.mcpRules = [...(this.mcpRules ?? this.deps.loadMcpRules(this.settings.cwd)), amended];
      },
    };
  }
}
