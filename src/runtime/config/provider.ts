// The model provider a merged configuration names: the built-in "openai" (OPENAI_API_KEY or
// CODEX_API_KEY; `openai_base_url` or OPENAI_BASE_URL moves it), or a `[model_providers.NAME]`
// entry.
import { clientIdentity } from '../../models/client-identity.ts';
import type { ProviderConfig } from '../../models/types.ts';
import { CLI_VERSION } from '../version.ts';
import { RuntimeError } from '../errors.ts';
import type { ConfigFile } from './schema.ts';

export const OPENAI_DEFAULT_URL = 'https://api.openai.com/v1';

/** Who sends the requests: the surface's originator and its client name (exec: codex_exec). */
export type ClientInfo = { originator: string; name: string; version: string };

export function resolveProvider(
  config: ConfigFile,
  env: NodeJS.ProcessEnv,
  client?: ClientInfo,
): ProviderConfig {
  return { ...providerEntry(config, env), ...identity(env, client) };
}

/** The `originator` and `user-agent` headers Codex sends (CODEX_INTERNAL_ORIGINATOR_OVERRIDE wins). */
export function identity(
  env: NodeJS.ProcessEnv,
  client?: ClientInfo,
): Pick<ProviderConfig, 'originator' | 'userAgent'> {
  return clientIdentity({
    env,
    version: CLI_VERSION,
    ...(client
      ? {
          defaultOriginator: client.originator,
          client: { name: client.name, version: client.version },
        }
      : {}),
  });
}

function providerEntry(config: ConfigFile, env: NodeJS.ProcessEnv): ProviderConfig {
  const name = config.model_provider ?? 'openai';
  const providers = config.model_providers ?? {};
  const entry = providers[name];
  if (!entry) {
    if (name !== 'openai') {
      const known = ['openai', ...Object.keys(providers)].join(', ');
      throw new RuntimeError(
        'config_invalid',
        `unknown model provider "${name}"; configured providers: ${known}`,
      );
    }
    const envKey = env.OPENAI_API_KEY
      ? 'OPENAI_API_KEY'
      : env.CODEX_API_KEY
        ? 'CODEX_API_KEY'
        : null;
    return {
      name: 'openai',
      baseUrl: trimSlash(config.openai_base_url ?? OPENAI_DEFAULT_URL),
      wireApi: 'responses',
      envKey: envKey ?? 'OPENAI_API_KEY',
      ...(envKey ? { apiKey: env[envKey] } : {}),
      ...firstByte(config.stream_first_byte_timeout_ms),
    };
  }
  if (!entry.base_url) {
    throw new RuntimeError(
      'config_invalid',
      `model provider "${name}" has no base_url: set model_providers.${name}.base_url`,
    );
  }
  const apiKey = entry.env_key ? env[entry.env_key] : undefined;
  return {
    name,
    baseUrl: trimSlash(entry.base_url),
    wireApi: entry.wire_api ?? 'responses',
    ...(entry.env_key ? { envKey: entry.env_key } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(entry.http_headers ? { headers: entry.http_headers } : {}),
    ...(entry.request_max_retries !== undefined ? { maxRetries: entry.request_max_retries } : {}),
    ...(entry.stream_max_retries !== undefined
      ? { streamMaxRetries: entry.stream_max_retries }
      : {}),
    ...(entry.retry_base_ms !== undefined ? { retryBaseMs: entry.retry_base_ms } : {}),
    ...(entry.stream_idle_timeout_ms !== undefined
      ? { streamIdleTimeoutMs: entry.stream_idle_timeout_ms }
      : {}),
    ...(entry.max_response_bytes !== undefined
      ? { maxResponseBytes: entry.max_response_bytes }
      : {}),
    ...firstByte(entry.stream_first_byte_timeout_ms ?? config.stream_first_byte_timeout_ms),
  };
}

function firstByte(ms: number | undefined): { streamFirstByteTimeoutMs?: number } {
  return ms === undefined ? {} : { streamFirstByteTimeoutMs: ms };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
