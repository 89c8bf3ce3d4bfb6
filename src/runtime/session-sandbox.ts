// A thread's sandbox: the policy its current settings resolve to, the runner that applies it
// (approved escalations run outside it), and the exec-policy rules its approvals consult.
import { resolve } from 'node:path';
import type { Rule } from '../sandbox/exec-policy.ts';
import type { SandboxDetails } from '../protocol/thread.ts';
import { findHidden } from '../sandbox/bwrap-mounts.ts';
import type { McpRule } from '../sandbox/mcp-policy.ts';
import { realpathForWrite } from '../sandbox/path-resolve.ts';
import { canRead, resolvePolicy, type SandboxPolicy } from '../sandbox/policy.ts';
import { tildePath } from '../sandbox/read-rules.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import type { AuthorizeEnv } from './approvals.ts';
import { makeCommandTmp, removeCommandTmp } from './command-tmp.ts';
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
    private base: ProcessRunner,
  ) {}

  /** Commands start through `base` from now on (an editor's terminal); still sandboxed. */
  useBase(base: ProcessRunner): void {
    if (base === this.base) return;
    this.base = base;
    this.wrapped = null;
  }

  /** The policy of the current settings (paths resolved; cached until the settings change). */
  policy(): SandboxPolicy {
    const network = this.settings.networkAccess ?? this.deps.networkAccess;
    const extra = [...this.deps.writableRoots, ...(this.settings.writableRoots ?? [])];
    const key = JSON.stringify([this.settings.sandboxMode, this.settings.cwd, network, extra]);
    if (this.cache?.key !== key) {
      this.tmpDir ??= makeCommandTmp();
      const policy = resolvePolicy({
        mode: this.settings.sandboxMode,
        cwd: this.settings.cwd,
        extraRoots: extra,
        networkAccess: network,
        tmpDir: this.tmpDir,
        read: this.deps.read,
        unixSockets: this.deps.unixSockets,
      });
      this.cache = { key, policy };
    }
    return this.cache.policy;
  }

  /** Removes the commands' private temp dir (the thread is unloaded). */
  dispose(): void {
    if (this.tmpDir) removeCommandTmp(this.tmpDir);
    this.tmpDir = null;
    this.cache = null;
  }

  /** What the sandbox hides now and the host sockets it lets through (null: no sandbox). */
  details(): SandboxDetails | null {
    // From the settings, not the resolved policy: a workspace that does not exist (yet) is
    // an error for the first command, not for the thread's answer.
    if (this.settings.sandboxMode === 'danger-full-access') return null;
    const home = this.deps.userHome;
    return {
      hiddenPaths: findHidden(this.deps.read).hidden.map((h) => tildePath(h.path, home)),
      unixSockets: this.deps.unixSockets,
    };
  }

  /**
   * May the file tools read `path` (absolute)? Both the path as written and where its symlinks
   * lead must be visible: a link in the workspace to ~/.ssh/id_rsa is as hidden as the key.
   */
  canRead(path: string): boolean {
    const policy = this.policy();
    return canRead(policy, resolve(path)) && canRead(policy, realpathForWrite(path));
  }

  /** Commands run sandboxed by the current policy; approved escalations run outside it. */
  runner(): ProcessRunner {
    if (!this.wrapped) {
      const sandboxed = this.deps.wrap(() => this.policy(), this.base);
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
