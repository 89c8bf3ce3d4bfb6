// Configuration: ~/.yoke/config.toml (YOKE_HOME moves it), then the project's
// .yoke/config.toml (which may tighten but never loosen safety), then environment variables,
// then `-c key=value` overrides, then flags. Every key has a typed, ranged schema
// (config/schema.ts); each source is validated on its own, so a bad value is one error naming
// the key and where it came from. Keys are Codex's snake_case; camelCase is accepted too.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ModelSpec } from '../context/model-catalog.ts';
import { parseMcpServers, type McpServersConfig } from '../mcp/config.ts';
import { McpError } from '../mcp/errors.ts';
import { parseToolsets, toolsetOf, type Toolsets } from '../mcp/toolsets.ts';
import type { ProviderConfig, ReasoningEffort } from '../models/types.ts';
import type { AskForApproval, SandboxMode } from '../protocol/thread.ts';
import type { ApprovalTimeoutDecision } from './config/approval-keys.ts';
import {
  fileVersion,
  mergeTables,
  overrideTable,
  parseTomlText,
  readTomlText,
  validateLayer,
  type ConfigSourceLayer,
  type Layer,
} from './config/layers.ts';
import { EFFORT_ALIASES } from './config/model-keys.ts';
import { OPENAI_DEFAULT_URL, resolveProvider, type ClientInfo } from './config/provider.ts';
import type { ConfigFile } from './config/schema.ts';
import type { EnvPolicyConfig } from '../sandbox/env-policy.ts';
import { defaultLimits, type SandboxLimits } from '../sandbox/process-limit.ts';
import { RuntimeError } from './errors.ts';
import { yokeHome } from './yoke-home.ts';

export type ResolvedConfig = {
  home: string;
  model: string;
  provider: ProviderConfig;
  reasoningEffort: ReasoningEffort | null;
  approvalPolicy: AskForApproval;
  sandboxMode: SandboxMode;
  networkAccess: boolean;
  writableRoots: string[];
  /** What sandboxed commands may not read, the holes in it, the host sockets they may reach. */
  sandboxAccess: SandboxAccessConfig;
  /** Per-command limits from `[sandbox_limits]`; unset ones take the sandbox's defaults. */
  sandboxLimits: Partial<SandboxLimits>;
  /** What commands' environment holds (`[shell_environment_policy]`, Codex's shape). */
  shellEnvironmentPolicy: EnvPolicyConfig;
  commandTimeoutMs: number;
  outputBudgetBytes: number;
  context: ContextConfig;
  /** An approval nobody answers is answered this way after `ms` (null: wait forever). */
  approvalTimeout: { ms: number; decision: ApprovalTimeoutDecision } | null;
  /** `[mcp_servers]`: yours, narrowed by the project's. */
  mcpServers: McpServersConfig;
  /** `[toolsets]`: named lists of tool patterns. */
  toolsets: Toolsets;
  /** `toolset`: the toolset of threads that name none (null: every tool). */
  toolset: string | null;
  /** Things the user should hear about (unknown keys, ignored values). */
  warnings: string[];
  /** Every source that set something, lowest precedence first, as validated (config/read). */
  layers: ConfigSourceLayer[];
  /** What it was loaded from, to load it again (config/read after a config write). */
  input?: ConfigInput;
};

export type SandboxAccessConfig = {
  /** The home of the user running Yoke (`~` in the lists below). */
  userHome: string;
  /** `sandbox_workspace_write.deny_read`: hidden on top of the defaults. */
  denyRead: string[];
  /** `sandbox_workspace_write.allow_read`: holes in the hidden paths (user config only). */
  allowRead: string[];
  /** `sandbox_workspace_write.allow_unix_sockets`: host sockets commands may use (user config only). */
  allowUnixSockets: string[];
};

export type ContextConfig = {
  /** Names used for a folder's instructions when it has no AGENTS.md (e.g. CLAUDE.md). */
  fallbackNames: string[];
  /** Cap on the AGENTS.md text sent at thread start. */
  agentsMdMaxBytes: number;
  /** Compact when the next request is estimated past this many tokens (null: use the share). */
  autoCompactTokenLimit: number | null;
  /** …or past this share of the model's context window. */
  autoCompactShare: number;
  /** Extra or overriding model catalog entries (`model_catalog`), by model id or prefix*. */
  modelCatalog: Record<string, Partial<ModelSpec>>;
};

export type ConfigInput = {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** `-c key=value` overrides, in order. */
  overrides?: string[];
  /** The user config's table in place of the file's (a config write checks its result). */
  userTable?: Record<string, unknown>;
  /** The surface the model requests go out for (its originator header); default codex_cli_rs. */
  client?: ClientInfo;
  flags?: {
    model?: string;
    provider?: string;
    sandbox?: SandboxMode;
    approvalPolicy?: AskForApproval;
    reasoningEffort?: ReasoningEffort;
    /** More writable roots (`--add-dir`), added to the configured ones. */
    writableRoots?: string[];
  };
};

export const DEFAULT_MODEL = 'gpt-5.5';

/** Environment variables that set config keys (the API keys are read by the provider). */
const ENV_KEYS = { YOKE_MODEL: 'model', OPENAI_BASE_URL: 'openai_base_url' } as const;

export { yokeHome };

export function loadConfig(input: ConfigInput = {}): ResolvedConfig {
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const home = yokeHome(env);
  const warnings: string[] = [];
  const layers: ConfigSourceLayer[] = [];
  const record = (
    kind: ConfigSourceLayer['kind'],
    source: string,
    values: ConfigFile,
    version?: string,
  ) => {
    if (Object.keys(values).length)
      layers.push({ kind, source, values, ...(version ? { version } : {}) });
    return values;
  };
  const layer = (raw: unknown, source: string) =>
    record('session', source, validateLayer(raw, source, warnings).values);

  const userFile = join(home, 'config.toml');
  const projectFile = join(cwd, '.yoke', 'config.toml');
  const userText = input.userTable ? null : readTomlText(userFile);
  let merged: ConfigFile = record(
    'user',
    userFile,
    validateLayer(input.userTable ?? parseTomlText(userFile, userText!), userFile, warnings).values,
    userText === null ? undefined : fileVersion(userText),
  );
  // A project's [mcp_servers] narrows yours entry by entry (mcp/config.ts), never merges in.
  const projectText = readTomlText(projectFile);
  const { mcp_servers: projectMcp, ...project } = validateLayer(
    parseTomlText(projectFile, projectText),
    projectFile,
    warnings,
  ).values;
  merged = mergeTables(
    merged,
    record(
      'project',
      projectFile,
      tighten(merged, { source: projectFile, values: project }, warnings),
      fileVersion(projectText),
    ),
  );
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    if (env[name]) merged = mergeTables(merged, layer({ [key]: env[name] }, name));
  }
  for (const override of input.overrides ?? [])
    merged = mergeTables(merged, layer(overrideTable(override), `-c ${override}`));
  const flags = input.flags ?? {};
  const flagTable = {
    model: flags.model,
    model_provider: flags.provider,
    sandbox_mode: flags.sandbox,
    approval_policy: flags.approvalPolicy,
    model_reasoning_effort: flags.reasoningEffort,
    sandbox_workspace_write: flags.writableRoots && {
      writable_roots: [
        ...(merged.sandbox_workspace_write?.writable_roots ?? []),
        ...flags.writableRoots,
      ],
    },
  };
  merged = mergeTables(merged, layer(defined(flagTable), 'the command line'));
  const mcp = mcpConfig(merged, projectMcp, { user: userFile, project: projectFile }, warnings);
  return {
    ...resolveConfig(home, merged, env, warnings, input.client),
    ...mcp,
    layers,
    input: { ...input, env, cwd },
  };
}

/** The effective MCP servers (yours, narrowed by the project's) and the toolsets. */
function mcpConfig(
  c: ConfigFile,
  projectMcp: ConfigFile['mcp_servers'],
  where: { user: string; project: string },
  warnings: string[],
): Pick<ResolvedConfig, 'mcpServers' | 'toolsets' | 'toolset'> {
  try {
    const parsed = parseMcpServers(c.mcp_servers, projectMcp, where);
    warnings.push(...parsed.warnings);
    const toolsets = parseToolsets(c.toolsets);
    if (c.toolset && !toolsetOf(toolsets, c.toolset))
      throw new McpError(
        'mcp_config_invalid',
        `toolset = "${c.toolset}" names no [toolsets.${c.toolset}] (toolsets: ${Object.keys(toolsets).join(', ') || 'none'})`,
      );
    return { mcpServers: parsed.servers, toolsets, toolset: c.toolset ?? null };
  } catch (err) {
    if (err instanceof McpError) throw new RuntimeError('config_invalid', err.message);
    throw err;
  }
}

function resolveConfig(
  home: string,
  c: ConfigFile,
  env: NodeJS.ProcessEnv,
  warnings: string[],
  client: ClientInfo | undefined,
): Omit<ResolvedConfig, 'mcpServers' | 'toolsets' | 'toolset' | 'layers'> {
  let effort = c.model_reasoning_effort ?? null;
  if (effort && (EFFORT_ALIASES as readonly string[]).includes(effort)) {
    warnings.push(`model_reasoning_effort "${effort}" is sent as "xhigh"`);
    effort = 'xhigh';
  }
  const sww = c.sandbox_workspace_write ?? {};
  return {
    home,
    model: c.model ?? DEFAULT_MODEL,
    provider: resolveProvider(c, env, client),
    reasoningEffort: effort as ReasoningEffort | null,
    approvalPolicy: c.approval_policy ?? 'never',
    sandboxMode: c.sandbox_mode ?? 'workspace-write',
    networkAccess: sww.network_access ?? false,
    writableRoots: sww.writable_roots ?? [],
    sandboxAccess: {
      userHome: env.HOME || homedir(),
      denyRead: sww.deny_read ?? [],
      allowRead: sww.allow_read ?? [],
      allowUnixSockets: sww.allow_unix_sockets ?? [],
    },
    shellEnvironmentPolicy: defined({
      inherit: c.shell_environment_policy?.inherit,
      ignoreDefaultExcludes: c.shell_environment_policy?.ignore_default_excludes,
      exclude: c.shell_environment_policy?.exclude,
      set: c.shell_environment_policy?.set,
      includeOnly: c.shell_environment_policy?.include_only,
    }),
    sandboxLimits: defined({
      memoryBytes: mib(c.sandbox_limits?.memory_mb),
      fileSizeBytes: mib(c.sandbox_limits?.file_size_mb),
      processes: c.sandbox_limits?.processes,
    }),
    commandTimeoutMs: c.command_timeout_ms ?? 10 * 60 * 1000,
    outputBudgetBytes: c.tool_output_budget_bytes ?? 24 * 1024,
    context: {
      fallbackNames: c.project_doc_fallback_filenames ?? [],
      agentsMdMaxBytes: c.project_doc_max_bytes ?? 32 * 1024,
      autoCompactTokenLimit: c.model_auto_compact_token_limit ?? null,
      autoCompactShare: c.auto_compact_share ?? 0.8,
      modelCatalog: Object.fromEntries(
        Object.entries(c.model_catalog ?? {}).map(([id, entry]) => [
          id,
          defined({
            contextWindow: entry.context_window,
            maxOutputTokens: entry.max_output_tokens,
            reasoning: entry.reasoning,
            defaultReasoningEffort: entry.default_reasoning_effort,
          }),
        ]),
      ),
    },
    approvalTimeout:
      c.approval_timeout_ms === undefined
        ? null
        : { ms: c.approval_timeout_ms, decision: c.approval_timeout_decision ?? 'decline' },
    warnings,
  };
}

const STRICTNESS: Record<string, number> = {
  'danger-full-access': 0,
  'workspace-write': 1,
  'read-only': 2,
  never: 0,
  'on-failure': 1,
  'on-request': 1,
  untrusted: 2,
};

/** A project file may tighten safety settings but not loosen them: looser values are dropped. */
function tighten(user: ConfigFile, project: Layer, warnings: string[]): ConfigFile {
  const out = { ...project.values };
  const where = project.source;
  for (const key of ['sandbox_mode', 'approval_policy'] as const) {
    const current = user[key];
    const wanted = out[key];
    if (current && wanted && STRICTNESS[wanted]! < STRICTNESS[current]!) {
      warnings.push(`${where}: ${key} = "${wanted}" is looser than your "${current}"; ignored`);
      delete out[key];
    }
  }
  if (out.shell_environment_policy) {
    // A project may keep more out of commands' environment, never let more in.
    const { exclude, ...rest } = out.shell_environment_policy;
    for (const key of Object.keys(rest))
      warnings.push(
        `${where}: shell_environment_policy.${key} can only be set in your own config; ignored`,
      );
    out.shell_environment_policy = {
      ...user.shell_environment_policy,
      ...(exclude
        ? { exclude: [...(user.shell_environment_policy?.exclude ?? []), ...exclude] }
        : {}),
    };
  }
  if (out.fleet) {
    // Where the fleet's store and queue are is the user's to say, never a repository's.
    warnings.push(`${where}: [fleet] can only be set in your own config; ignored`);
    delete out.fleet;
  }
  if (out.sandbox_limits) out.sandbox_limits = lowerOnly(user, out.sandbox_limits, where, warnings);
  if (out.sandbox_workspace_write)
    out.sandbox_workspace_write = tightenSandbox(
      user.sandbox_workspace_write ?? {},
      out.sandbox_workspace_write,
      where,
      warnings,
    );
  return out;
}

type SandboxTable = NonNullable<ConfigFile['sandbox_workspace_write']>;
type LimitsTable = NonNullable<ConfigFile['sandbox_limits']>;

/** A project's sandbox_limits may lower yours (or the defaults), never raise them. */
function lowerOnly(
  user: ConfigFile,
  project: LimitsTable,
  where: string,
  warnings: string[],
): LimitsTable {
  const defaults = defaultLimits();
  const current: Required<LimitsTable> = {
    memory_mb: user.sandbox_limits?.memory_mb ?? defaults.memoryBytes / MIB,
    file_size_mb: user.sandbox_limits?.file_size_mb ?? defaults.fileSizeBytes / MIB,
    processes: user.sandbox_limits?.processes ?? defaults.processes,
  };
  const out: LimitsTable = { ...project };
  for (const key of ['memory_mb', 'file_size_mb', 'processes'] as const) {
    const wanted = project[key];
    if (wanted === undefined || wanted <= current[key]) continue;
    warnings.push(
      `${where}: sandbox_limits.${key} = ${wanted} is above your ${current[key]}; ignored`,
    );
    delete out[key];
  }
  return out;
}

const MIB = 1024 * 1024;

function mib(value: number | undefined): number | undefined {
  return value === undefined ? undefined : value * MIB;
}

/**
 * A project may hide more (its deny_read adds to yours); it may not open anything: network,
 * writable roots, read holes and host sockets come from your own config only.
 */
function tightenSandbox(
  user: SandboxTable,
  project: SandboxTable,
  where: string,
  warnings: string[],
): SandboxTable {
  const out: SandboxTable = { ...project };
  if (project.deny_read) out.deny_read = [...(user.deny_read ?? []), ...project.deny_read];
  if (project.network_access && !user.network_access) {
    warnings.push(
      `${where}: sandbox_workspace_write.network_access = true needs your own config; ignored`,
    );
    out.network_access = false;
  }
  for (const key of ['writable_roots', 'allow_read', 'allow_unix_sockets'] as const) {
    if (project[key] === undefined) continue;
    warnings.push(
      `${where}: sandbox_workspace_write.${key} can only be set in your own config; ignored`,
    );
    delete out[key];
  }
  return out;
}

/** The object without its undefined values. */
function defined<T extends Record<string, unknown>>(
  values: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/**
 * Whether a model can be reached at all, checked before a surface starts a turn: the default
 * OpenAI endpoint with no key, or a provider whose `env_key` variable is unset, is one clear
 * error now instead of a failed request later.
 */
export function requireModelAccess(config: ResolvedConfig): void {
  const { provider } = config;
  if (provider.apiKey) return;
  const home = join(config.home, 'config.toml');
  if (provider.name === 'openai' && provider.baseUrl === OPENAI_DEFAULT_URL) {
    throw new RuntimeError(
      'model_unconfigured',
      'no model provider is configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for another ' +
        'OpenAI-compatible server), or add a provider such as Ollama or vLLM to ' +
        `${home} (see README, "Configuration")`,
    );
  }
  if (provider.envKey && provider.name !== 'openai') {
    throw new RuntimeError(
      'model_unconfigured',
      `model provider "${provider.name}" reads its API key from ${provider.envKey}, which is not set`,
    );
  }
}
