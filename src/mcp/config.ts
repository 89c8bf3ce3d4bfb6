// `[mcp_servers.NAME]` in Codex's shape, so a Codex config can be copied as it is:
//
//   [mcp_servers.github]
//   command = "npx"                       # stdio: command, args, env, env_vars, cwd
//   args = ["-y", "@modelcontextprotocol/server-github"]
//   env = { GITHUB_PERSONAL_ACCESS_TOKEN = "…" }
//   enabled_tools = ["get_*", "search_issues"]      # only these (names or * patterns)
//   disabled_tools = ["delete_repo"]                # never these
//   startup_timeout_sec = 10
//   tool_timeout_sec = 60
//   enabled = true
//
//   [mcp_servers.docs]
//   url = "https://example.com/mcp"       # streamable HTTP: url, bearer_token_env_var,
//   bearer_token_env_var = "DOCS_TOKEN"   # http_headers, env_http_headers
//
// Keys of a server entry may be snake_case or camelCase; the tables inside (env, headers) keep
// their keys verbatim. A project's .yoke/config.toml may only narrow what the user configured:
// turn a server off, cut its tools down, shorten its timeouts — never add a server or change
// what runs.
import * as z from 'zod';
import { McpError } from './errors.ts';

export type StdioTransportConfig = {
  type: 'stdio';
  command: string;
  args: string[];
  /** Set in the server's environment (on top of a minimal inherited one). */
  env: Record<string, string>;
  /** Names of variables passed through from Yoke's own environment. */
  envVars: string[];
  cwd: string | null;
};

export type HttpTransportConfig = {
  type: 'http';
  url: string;
  /** The variable holding a bearer token, sent as `Authorization: Bearer …`. */
  bearerTokenEnvVar: string | null;
  httpHeaders: Record<string, string>;
  /** Header name → the variable its value comes from. */
  envHttpHeaders: Record<string, string>;
};

export type McpServerConfig = {
  name: string;
  transport: StdioTransportConfig | HttpTransportConfig;
  enabled: boolean;
  /** Only these tools (names or `*` patterns); null: all. */
  enabledTools: string[] | null;
  /** The project's enabled_tools: a tool must match this list too (null: no narrowing). */
  projectEnabledTools: string[] | null;
  /** Never these tools (names or `*` patterns). */
  disabledTools: string[];
  startupTimeoutMs: number;
  toolTimeoutMs: number;
};

export type McpServersConfig = Record<string, McpServerConfig>;

export const DEFAULT_STARTUP_TIMEOUT_MS = 10_000;
export const DEFAULT_TOOL_TIMEOUT_MS = 60_000;
/** Server names become part of tool names (`mcp__NAME__tool`). */
const SERVER_NAME = /^[A-Za-z0-9_-]+$/;

const strings = z.array(z.string().min(1));
const stringMap = z.record(z.string(), z.string());
const seconds = z
  .number()
  .positive()
  .max(24 * 3600);

const Entry = z
  .object({
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    env: stringMap.optional(),
    envVars: strings.optional(),
    cwd: z.string().min(1).optional(),
    url: z.string().url().optional(),
    bearerTokenEnvVar: z.string().min(1).optional(),
    httpHeaders: stringMap.optional(),
    envHttpHeaders: stringMap.optional(),
    enabledTools: strings.optional(),
    disabledTools: strings.optional(),
    startupTimeoutSec: seconds.optional(),
    startupTimeoutMs: z.number().int().positive().optional(),
    toolTimeoutSec: seconds.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
type Entry = z.infer<typeof Entry>;

/** Codex keys Yoke accepts and does not act on (OAuth, plugin and app settings). */
const IGNORED = new Set(['required', 'scopes', 'oauthResource', 'description', 'title']);
/** What a project file may set on a server the user configured. */
const NARROWING = new Set([
  'enabled',
  'enabledTools',
  'disabledTools',
  'startupTimeoutSec',
  'startupTimeoutMs',
  'toolTimeoutSec',
]);

export type ParsedMcpServers = { servers: McpServersConfig; warnings: string[] };

/**
 * The effective servers: the user's table, narrowed by the project's. `where` names the files
 * for messages. Throws McpError('mcp_config_invalid') naming the server and key at fault.
 */
export function parseMcpServers(
  user: unknown,
  project: unknown = undefined,
  where = { user: 'config.toml', project: '.yoke/config.toml' },
): ParsedMcpServers {
  const warnings: string[] = [];
  const servers: McpServersConfig = {};
  for (const [name, raw] of Object.entries(table(user, where.user))) {
    servers[name] = resolveEntry(name, entry(name, raw, where.user, warnings), where.user);
  }
  for (const [name, raw] of Object.entries(table(project, where.project))) {
    const base = servers[name];
    if (!base) {
      warnings.push(
        `${where.project}: [mcp_servers.${name}] is not in your own config; ignored (a project may only narrow servers you configured)`,
      );
      continue;
    }
    servers[name] = narrow(
      base,
      entry(name, raw, where.project, warnings),
      where.project,
      warnings,
    );
  }
  return { servers, warnings };
}

function table(value: unknown, where: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new McpError('mcp_config_invalid', `${where}: mcp_servers must be a table of servers`);
  return value as Record<string, unknown>;
}

function entry(name: string, raw: unknown, where: string, warnings: string[]): Entry {
  const at = `${where}: [mcp_servers.${name}]`;
  if (!SERVER_NAME.test(name))
    throw new McpError(
      'mcp_config_invalid',
      `${at}: a server name may use only letters, digits, "_" and "-"`,
    );
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new McpError('mcp_config_invalid', `${at} must be a table`);
  const keys: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const camel = camelCase(key);
    if (IGNORED.has(camel)) {
      warnings.push(`${at}: ${key} is not supported by Yoke; ignored`);
      continue;
    }
    keys[camel] = value;
  }
  const parsed = Entry.safeParse(keys);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const problem =
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map(snakeCase).join(', ')}`
        : `${issue.path.map((p) => snakeCase(String(p))).join('.')}: ${issue.message}`;
    throw new McpError('mcp_config_invalid', `${at}: ${problem}`);
  }
  return parsed.data;
}

function resolveEntry(name: string, e: Entry, where: string): McpServerConfig {
  const at = `${where}: [mcp_servers.${name}]`;
  if (e.command && e.url)
    throw new McpError('mcp_config_invalid', `${at}: set either command (stdio) or url, not both`);
  if (!e.command && !e.url)
    throw new McpError(
      'mcp_config_invalid',
      `${at}: needs command (a stdio server) or url (a streamable HTTP server)`,
    );
  const stdioOnly = ['args', 'env', 'envVars', 'cwd'] as const;
  const httpOnly = ['bearerTokenEnvVar', 'httpHeaders', 'envHttpHeaders'] as const;
  const misplaced = (e.command ? httpOnly : stdioOnly).filter((key) => e[key] !== undefined);
  if (misplaced.length)
    throw new McpError(
      'mcp_config_invalid',
      `${at}: ${misplaced.map(snakeCase).join(', ')} ${misplaced.length > 1 ? 'apply' : 'applies'} only to ${e.command ? 'url' : 'stdio (command)'} servers`,
    );
  const transport: McpServerConfig['transport'] = e.command
    ? {
        type: 'stdio',
        command: e.command,
        args: e.args ?? [],
        env: e.env ?? {},
        envVars: e.envVars ?? [],
        cwd: e.cwd ?? null,
      }
    : {
        type: 'http',
        url: e.url!,
        bearerTokenEnvVar: e.bearerTokenEnvVar ?? null,
        httpHeaders: e.httpHeaders ?? {},
        envHttpHeaders: e.envHttpHeaders ?? {},
      };
  return {
    name,
    transport,
    enabled: e.enabled ?? true,
    enabledTools: e.enabledTools ?? null,
    projectEnabledTools: null,
    disabledTools: e.disabledTools ?? [],
    startupTimeoutMs: startupMs(e) ?? DEFAULT_STARTUP_TIMEOUT_MS,
    toolTimeoutMs:
      e.toolTimeoutSec !== undefined ? e.toolTimeoutSec * 1000 : DEFAULT_TOOL_TIMEOUT_MS,
  };
}

function narrow(
  base: McpServerConfig,
  e: Entry,
  where: string,
  warnings: string[],
): McpServerConfig {
  const at = `${where}: [mcp_servers.${base.name}]`;
  const loosening = Object.keys(e).filter((key) => !NARROWING.has(key));
  if (loosening.length)
    warnings.push(
      `${at}: ${loosening.map(snakeCase).join(', ')} ignored (a project may only narrow a server: enabled = false, enabled_tools, disabled_tools, timeouts)`,
    );
  const next = { ...base, disabledTools: [...base.disabledTools] };
  if (e.enabled === false) next.enabled = false;
  else if (e.enabled === true && !base.enabled)
    warnings.push(`${at}: enabled = true ignored (you turned this server off)`);
  // Both lists must allow a tool: the project's list narrows the user's.
  if (e.enabledTools) next.projectEnabledTools = e.enabledTools;
  if (e.disabledTools) next.disabledTools.push(...e.disabledTools);
  const startup = startupMs(e);
  if (startup !== undefined) next.startupTimeoutMs = Math.min(base.startupTimeoutMs, startup);
  if (e.toolTimeoutSec !== undefined)
    next.toolTimeoutMs = Math.min(base.toolTimeoutMs, e.toolTimeoutSec * 1000);
  return next;
}

function startupMs(e: Entry): number | undefined {
  if (e.startupTimeoutSec !== undefined) return e.startupTimeoutSec * 1000;
  return e.startupTimeoutMs;
}

function camelCase(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
