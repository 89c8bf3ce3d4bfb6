// What every thread of this process shares: the model catalog and the providers' streams, the
// tools, the process runner and the sandbox backends, the exec-policy rules.
import { join } from 'node:path';
import { ModelCatalog } from '../context/model-catalog.ts';
import { BASE_INSTRUCTIONS } from '../engine/instructions.ts';
import { McpHub } from '../mcp/hub.ts';
import { createStreamFn } from '../models/provider.ts';
import type { ProviderConfig, StreamFn } from '../models/types.ts';
import type { SandboxMode } from '../protocol/thread.ts';
import { checkBwrap, prefetchBwrapCheck } from '../sandbox/bwrap.ts';
import { createDefaultRunner } from '../sandbox/default-runner.ts';
import { amendRules, loadRules, userRulesFile } from '../sandbox/exec-policy-files.ts';
import { amendMcpRules, loadMcpRules } from '../sandbox/mcp-rules-files.ts';
import type { ProcessRunner } from '../sandbox/process-runner.ts';
import { createSandboxRunner } from '../sandbox/select.ts';
import { builtinTools } from '../tools/registry.ts';
import { loadConfig, type ResolvedConfig } from './config.ts';
import { RuntimeError } from './errors.ts';
import { sandboxReadRules } from './sandbox-access.ts';
import type { SessionDeps } from './session-types.ts';

export type DepsOptions = {
  config: ResolvedConfig;
  /** Runs every command as it is, with no sandbox backend around it (tests, embedding). */
  runner?: ProcessRunner;
  /** For tests: replace how model streams are made. */
  streamFor?: (provider: string) => StreamFn;
};

export function sessionDeps(options: DepsOptions): SessionDeps {
  const { config } = options;
  const catalog = new ModelCatalog(config.context.modelCatalog);
  const runner = options.runner ?? createDefaultRunner();
  return {
    catalog,
    context: config.context,
    streamFor: options.streamFor ?? providerStreams(config, catalog),
    tools: builtinTools(),
    mcp: new McpHub({ servers: config.mcpServers, cwd: process.cwd(), env: process.env }),
    toolsets: config.toolsets,
    runner,
    instructions: BASE_INSTRUCTIONS,
    commandTimeoutMs: config.commandTimeoutMs,
    outputBudgetBytes: config.outputBudgetBytes,
    approvalTimeout: config.approvalTimeout,
    sandbox: {
      writableRoots: config.writableRoots,
      networkAccess: config.networkAccess,
      read: sandboxReadRules(config),
      unixSockets: config.sandboxAccess.allowUnixSockets,
      userHome: config.sandboxAccess.userHome,
      // An injected runner is used as it is. A sandboxed policy whose backend is missing is
      // a clear error with the install hint — never a quiet run without a sandbox.
      wrap: (policy, base) => {
        if (options.runner) return base;
        try {
          return createSandboxRunner({
            policy,
            base,
            mode: 'auto',
            limits: config.sandboxLimits,
            envPolicy: config.shellEnvironmentPolicy,
          }).runner;
        } catch (err) {
          throw new RuntimeError('config_invalid', (err as Error).message);
        }
      },
      loadRules: (cwd) =>
        loadRules({
          userDir: join(config.home, 'rules'),
          projectDir: join(cwd, '.yoke', 'rules'),
          projectTrusted: false,
        }).rules,
      amend: (prefix) => amendRules(userRulesFile(config.home), prefix),
      loadMcpRules: (cwd) =>
        loadMcpRules({
          userDir: join(config.home, 'rules'),
          projectDir: join(cwd, '.yoke', 'rules'),
        }),
      amendMcp: (server, tool) => amendMcpRules(userRulesFile(config.home), server, tool),
    },
  };
}

/** One stream function per provider name, made on first use. */
function providerStreams(config: ResolvedConfig, catalog: ModelCatalog) {
  const streams = new Map<string, StreamFn>();
  // Anthropic counts max_tokens against the window: ask for what the model can produce.
  const anthropic = {
    maxTokens: (model: string) => Math.min(32_000, catalog.lookup(model).maxOutputTokens),
  };
  return (provider: string): StreamFn => {
    let fn = streams.get(provider);
    if (!fn) {
      const resolved =
        provider === config.provider.name
          ? config.provider
          : { ...loadConfig({ flags: { provider } }).provider, ...clientHeaders(config.provider) };
      fn = createStreamFn(resolved, {}, { anthropic });
      streams.set(provider, fn);
    }
    return fn;
  };
}

/** Fails early, at thread start, when the sandbox a thread asks for cannot run here. */
export function checkSandboxAvailable(options: DepsOptions, mode: SandboxMode): void {
  if (options.runner || mode === 'danger-full-access' || process.platform !== 'linux') return;
  const check = checkBwrap();
  if (!check.ok) throw new RuntimeError('config_invalid', check.message);
}

/** Starts that check in the background (a server between initialize and its first thread). */
export function prefetchSandboxCheck(options: DepsOptions, mode: SandboxMode): void {
  if (options.runner || mode === 'danger-full-access' || process.platform !== 'linux') return;
  void prefetchBwrapCheck();
}

/** The surface's originator and user agent, carried over to another provider. */
function clientHeaders(provider: ProviderConfig): Pick<ProviderConfig, 'originator' | 'userAgent'> {
  return {
    ...(provider.originator ? { originator: provider.originator } : {}),
    ...(provider.userAgent ? { userAgent: provider.userAgent } : {}),
  };
}
