// Configuration: ~/.yoke/config.toml (YOKE_HOME moves it), then the project's
// .yoke/config.toml (which may tighten but never loosen safety), then environment variables,
// then `-c key=value` overrides, then flags. Keys are accepted in Codex's snake_case and in
// camelCase.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { ProviderConfig, ReasoningEffort, WireApi } from '../models/types.ts';
import type { AskForApproval, SandboxMode } from '../protocol/thread.ts';
import { RuntimeError } from './errors.ts';

export type ResolvedConfig = {
  home: string;
  model: string;
  provider: ProviderConfig;
  reasoningEffort: ReasoningEffort | null;
  approvalPolicy: AskForApproval;
  sandboxMode: SandboxMode;
  networkAccess: boolean;
  writableRoots: string[];
  commandTimeoutMs: number;
  outputBudgetBytes: number;
  context: ContextConfig;
  /** An approval nobody answers is answered this way after `ms` (null: wait forever). */
  approvalTimeout: { ms: number; decision: 'decline' | 'cancel' } | null;
  /** Things the user should hear about (unknown keys, ignored values). */
  warnings: string[];
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
  /** Extra or overriding model catalog entries (the raw `model_catalog` table). */
  modelCatalog: unknown;
};

export type ConfigInput = {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** `-c key=value` overrides, in order. */
  overrides?: string[];
  flags?: {
    model?: string;
    provider?: string;
    sandbox?: SandboxMode;
    approvalPolicy?: AskForApproval;
    reasoningEffort?: ReasoningEffort;
  };
};

export const DEFAULT_MODEL = 'gpt-5.5';
const APPROVALS: readonly AskForApproval[] = ['untrusted', 'on-failure', 'on-request', 'never'];
const SANDBOXES: readonly SandboxMode[] = ['read-only', 'workspace-write', 'danger-full-access'];
const EFFORTS: readonly ReasoningEffort[] = ['minimal', 'low', 'medium', 'high', 'xhigh'];
const WIRE_APIS: readonly WireApi[] = ['responses', 'chat', 'anthropic'];

type Table = Record<string, unknown>;

/** Every key Yoke understands, in camelCase; Codex snake_case spellings map onto these. */
const KNOWN_KEYS = new Set([
  'model',
  'modelProvider',
  'modelReasoningEffort',
  'approvalPolicy',
  'sandboxMode',
  'openaiBaseUrl',
  'modelProviders',
  'sandboxWorkspaceWrite',
  'commandTimeoutMs',
  'toolOutputBudgetBytes',
  'modelCatalog',
  'projectDocFallbackFilenames',
  'projectDocMaxBytes',
  'modelAutoCompactTokenLimit',
  'autoCompactShare',
  'approvalTimeoutMs',
  'approvalTimeoutDecision',
]);
/** Codex keys a user may carry over that Yoke accepts and does not act on. */
const IGNORED_QUIETLY = new Set([
  'webSearch',
  'modelReasoningSummary',
  'modelVerbosity',
  'analytics',
]);

export function yokeHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.YOKE_HOME || join(homedir(), '.yoke'));
}

export function loadConfig(input: ConfigInput = {}): ResolvedConfig {
  const env = input.env ?? process.env;
  const cwd = input.cwd ?? process.cwd();
  const home = yokeHome(env);
  const warnings: string[] = [];

  const user = readToml(join(home, 'config.toml'));
  const project = readToml(join(cwd, '.yoke', 'config.toml'));
  const merged = normalize(user, warnings, 'config.toml');
  const projectTable = normalize(project, warnings, '.yoke/config.toml');
  applyProject(merged, projectTable, warnings);
  for (const override of input.overrides ?? []) applyOverride(merged, override, warnings);

  const flags = input.flags ?? {};
  const providerName = flags.provider ?? str(merged.modelProvider) ?? 'openai';
  const provider = resolveProvider(providerName, merged, env);
  const model = flags.model ?? str(merged.model) ?? env.YOKE_MODEL ?? DEFAULT_MODEL;
  const reasoningEffort =
    flags.reasoningEffort ??
    oneOf(effortAlias(merged.modelReasoningEffort, warnings), EFFORTS, 'model_reasoning_effort') ??
    null;
  const approvalPolicy =
    flags.approvalPolicy ?? oneOf(merged.approvalPolicy, APPROVALS, 'approval_policy') ?? 'never';
  const sandboxMode =
    flags.sandbox ?? oneOf(merged.sandboxMode, SANDBOXES, 'sandbox_mode') ?? 'workspace-write';
  const sww = (merged.sandboxWorkspaceWrite ?? {}) as Table;
  return {
    home,
    model,
    provider,
    reasoningEffort,
    approvalPolicy,
    sandboxMode,
    networkAccess: sww.networkAccess === true,
    writableRoots: Array.isArray(sww.writableRoots) ? sww.writableRoots.map(String) : [],
    commandTimeoutMs: num(merged.commandTimeoutMs) ?? 10 * 60 * 1000,
    outputBudgetBytes: num(merged.toolOutputBudgetBytes) ?? 24 * 1024,
    context: {
      fallbackNames: Array.isArray(merged.projectDocFallbackFilenames)
        ? merged.projectDocFallbackFilenames.map(String)
        : [],
      agentsMdMaxBytes: num(merged.projectDocMaxBytes) ?? 32 * 1024,
      autoCompactTokenLimit: num(merged.modelAutoCompactTokenLimit) ?? null,
      autoCompactShare: share(merged.autoCompactShare),
      modelCatalog: merged.modelCatalog,
    },
    approvalTimeout:
      num(merged.approvalTimeoutMs) === undefined
        ? null
        : {
            ms: num(merged.approvalTimeoutMs)!,
            decision:
              oneOf(
                merged.approvalTimeoutDecision,
                ['decline', 'cancel'] as const,
                'approval_timeout_decision',
              ) ?? 'decline',
          },
    warnings,
  };
}

function resolveProvider(name: string, config: Table, env: NodeJS.ProcessEnv): ProviderConfig {
  const providers = (config.modelProviders ?? {}) as Record<string, Table>;
  const entry = providers[name];
  if (!entry) {
    if (name !== 'openai') {
      const known = ['openai', ...Object.keys(providers)].join(', ');
      throw new RuntimeError(
        'config_invalid',
        `unknown model provider "${name}"; configured providers: ${known}`,
      );
    }
    const apiKey = env.OPENAI_API_KEY || env.CODEX_API_KEY || undefined;
    return {
      name: 'openai',
      baseUrl: trimSlash(
        str(config.openaiBaseUrl) ?? (env.OPENAI_BASE_URL || 'https://api.openai.com/v1'),
      ),
      wireApi: 'responses',
      envKey: env.OPENAI_API_KEY
        ? 'OPENAI_API_KEY'
        : env.CODEX_API_KEY
          ? 'CODEX_API_KEY'
          : 'OPENAI_API_KEY',
      ...(apiKey ? { apiKey } : {}),
    };
  }
  const baseUrl = str(entry.baseUrl);
  if (!baseUrl) {
    throw new RuntimeError(
      'config_invalid',
      `model provider "${name}" has no baseUrl (base_url) in config.toml`,
    );
  }
  const wireApi = (str(entry.wireApi) ?? 'responses') as WireApi;
  if (!WIRE_APIS.includes(wireApi)) {
    throw new RuntimeError(
      'config_invalid',
      `model provider "${name}": wireApi must be one of ${WIRE_APIS.join(', ')}, not "${wireApi}"`,
    );
  }
  const envKey = str(entry.envKey);
  const apiKey = envKey ? env[envKey] : undefined;
  return {
    name,
    baseUrl: trimSlash(baseUrl),
    wireApi,
    ...(envKey ? { envKey } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(entry.httpHeaders && typeof entry.httpHeaders === 'object'
      ? { headers: entry.httpHeaders as Record<string, string> }
      : {}),
    ...(num(entry.requestMaxRetries) !== undefined
      ? { maxRetries: num(entry.requestMaxRetries) }
      : {}),
    ...(num(entry.retryBaseMs) !== undefined ? { retryBaseMs: num(entry.retryBaseMs) } : {}),
    ...(num(entry.streamIdleTimeoutMs) !== undefined
      ? { streamIdleTimeoutMs: num(entry.streamIdleTimeoutMs) }
      : {}),
  };
}

function readToml(path: string): Table {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new RuntimeError('config_invalid', `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return parseToml(text) as Table;
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    throw new RuntimeError('config_invalid', `${path} is not valid TOML: ${first}`);
  }
}

/** camelCases keys (recursively for known tables) and warns about unknown top-level keys. */
function normalize(table: Table, warnings: string[], where: string): Table {
  const out: Table = {};
  for (const [key, value] of Object.entries(table)) {
    const camel = camelCase(key);
    if (!KNOWN_KEYS.has(camel)) {
      if (!IGNORED_QUIETLY.has(camel)) warnings.push(`${where}: unknown key "${key}" ignored`);
      continue;
    }
    out[camel] =
      camel === 'modelProviders' || camel === 'modelCatalog'
        ? normalizeProviders(value)
        : deepCamel(value);
  }
  return out;
}

function normalizeProviders(value: unknown): Table {
  const out: Table = {};
  for (const [name, entry] of Object.entries((value ?? {}) as Table)) out[name] = deepCamel(entry);
  return out;
}

function deepCamel(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value as Table).map(([k, v]) => [camelCase(k), deepCamel(v)]),
  );
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

/** A project file may tighten safety settings but not loosen them. */
function applyProject(merged: Table, project: Table, warnings: string[]): void {
  for (const [key, value] of Object.entries(project)) {
    if (key === 'sandboxMode' || key === 'approvalPolicy') {
      const current = str(merged[key]);
      if (current && (STRICTNESS[String(value)] ?? 0) < (STRICTNESS[current] ?? 0)) {
        warnings.push(
          `.yoke/config.toml: ${key} = "${String(value)}" is looser than your "${current}"; ignored`,
        );
        continue;
      }
    }
    if (key === 'sandboxWorkspaceWrite' && (project[key] as Table).networkAccess === true) {
      const user = (merged[key] ?? {}) as Table;
      if (user.networkAccess !== true) {
        warnings.push(
          '.yoke/config.toml: sandbox_workspace_write.network_access = true needs your own config; ignored',
        );
        merged[key] = { ...(project[key] as Table), networkAccess: false };
        continue;
      }
    }
    merged[key] = value;
  }
}

/** Applies one `key.path=value` override; the value is TOML, or a bare string. */
function applyOverride(merged: Table, override: string, warnings: string[]): void {
  const eq = override.indexOf('=');
  if (eq <= 0) {
    throw new RuntimeError('config_invalid', `--config expects key=value, got "${override}"`);
  }
  const path = override.slice(0, eq).trim().split('.').map(camelCase);
  const raw = override.slice(eq + 1).trim();
  let value: unknown;
  try {
    value = (parseToml(`v = ${raw}`) as Table).v;
  } catch {
    value = raw;
  }
  const [first, ...rest] = path;
  if (!first || !KNOWN_KEYS.has(first)) {
    if (!first || !IGNORED_QUIETLY.has(first))
      warnings.push(`--config: unknown key "${override.slice(0, eq)}" ignored`);
    return;
  }
  if (rest.length === 0) {
    merged[first] = value;
    return;
  }
  let table = (merged[first] ??= {}) as Table;
  for (const key of rest.slice(0, -1)) table = (table[key] ??= {}) as Table;
  table[rest.at(-1)!] = value;
}

function oneOf<T extends string>(
  value: unknown,
  allowed: readonly T[],
  key: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  throw new RuntimeError(
    'config_invalid',
    `${key} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`,
  );
}

/** Efforts newer Codex clients send that OpenAI-compatible APIs do not take: the nearest one. */
function effortAlias(value: unknown, warnings: string[]): unknown {
  if (value === 'max' || value === 'ultra' || value === 'persistent') {
    warnings.push(`model_reasoning_effort "${value}" is sent as "xhigh"`);
    return 'xhigh';
  }
  return value;
}

function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function share(value: unknown): number {
  if (value === undefined) return 0.8;
  if (typeof value === 'number' && value > 0 && value <= 1) return value;
  throw new RuntimeError(
    'config_invalid',
    `auto_compact_share must be a number in (0, 1], not ${JSON.stringify(value)}`,
  );
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
