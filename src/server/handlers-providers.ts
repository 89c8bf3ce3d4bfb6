// modelProvider/list: the providers of the merged configuration, as Codex clients show them.
import type { ResultOf } from '../protocol/methods.ts';
import type { ResolvedConfig } from '../runtime/config.ts';
import { mergeTables } from '../runtime/config/layers.ts';
import { OPENAI_DEFAULT_URL } from '../runtime/config/provider.ts';
import type { ConfigFile } from '../runtime/config/schema.ts';
import type { AppServer } from './app-server.ts';
import type { Handlers } from './router.ts';

type Summary = ResultOf<'modelProvider/list'>['data'][number];

/** A URL that is safe to show: not one with a user or password in it. */
function shownUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.username || parsed.password ? null : url;
  } catch {
    return null;
  }
}

export function listProviders(config: ResolvedConfig): ResultOf<'modelProvider/list'> {
  const merged = config.layers.reduce<ConfigFile>((acc, l) => mergeTables(acc, l.values), {});
  const custom = merged.model_providers ?? {};
  const data: Summary[] = [];
  if (!Object.hasOwn(custom, 'openai'))
    data.push({
      id: 'openai',
      name: 'OpenAI',
      baseUrl: shownUrl(merged.openai_base_url ?? OPENAI_DEFAULT_URL),
      canEdit: false,
      settings: { type: 'openai' },
    });
  for (const [id, entry] of Object.entries(custom))
    data.push({
      id,
      name: entry.name ?? id,
      baseUrl: entry.base_url ? shownUrl(entry.base_url) : null,
      canEdit: false,
      settings: {
        type: 'customGateway',
        auth: entry.env_key
          ? { mode: 'environmentVariable', envKey: entry.env_key }
          : { mode: 'none' },
      },
    });
  return { data, defaultProviderId: config.provider.name, canChangeDefault: false };
}

export function providerHandlers(server: AppServer): Handlers {
  return { 'modelProvider/list': () => listProviders(server.manager.config) };
}
