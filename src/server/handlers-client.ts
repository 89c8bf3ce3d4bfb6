// Handlers of what a Codex client asks beside its threads: account, configuration (with the
// layer each key came from), requirements, skills, hooks, collaboration modes and plugins.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ConfigLayerSource } from '../protocol/methods-client.ts';
import type { ResultOf } from '../protocol/methods.ts';
import type { ResolvedConfig } from '../runtime/config.ts';
import { mergeTables, type ConfigSourceLayer } from '../runtime/config/layers.ts';
import { OPENAI_DEFAULT_URL } from '../runtime/config/provider.ts';
import type { ConfigFile } from '../runtime/config/schema.ts';
import { isTable } from '../runtime/config/table.ts';
import { RuntimeError } from '../runtime/errors.ts';
import { discoverSkills } from '../runtime/skills.ts';
import type { AppServer } from './app-server.ts';
import type { Handlers } from './router.ts';

export function clientHandlers(server: AppServer): Handlers {
  const config = () => server.manager.config;
  const cwdsOf = (cwds: string[] | undefined) => (cwds?.length ? cwds : [process.cwd()]);
  return {
    'account/read': () => {
      const { provider } = config();
      // Only the built-in OpenAI endpoint is OpenAI's; another provider needs no OpenAI login.
      const openai = provider.name === 'openai' && provider.baseUrl === OPENAI_DEFAULT_URL;
      return {
        account: provider.apiKey ? { type: 'apiKey' as const } : null,
        requiresOpenaiAuth: openai,
      };
    },
    'account/bedrock/checkGovCloudRequirements': () => ({ isGovCloud: false, shouldWarn: false }),
    'configRequirements/read': () => ({ requirements: null }),
    'skills/list': (params) => ({
      data: cwdsOf(params.cwds).map((cwd) => {
        const { skills, errors } = discoverSkills(config().home, cwd);
        return { cwd, skills: skills.map((s) => ({ ...s, enabled: true })), errors };
      }),
    }),
    'hooks/list': (params) => ({
      data: cwdsOf(params.cwds).map((cwd) => ({ cwd, hooks: [], warnings: [], errors: [] })),
    }),
    'collaborationMode/list': () => ({
      data: [{ name: 'Default', mode: 'default', model: null, reasoning_effort: null }],
    }),
    'plugin/installed': () => ({ marketplaces: [] }),
    'experimentalFeature/list': () => ({ data: [], nextCursor: null }),
    'experimentalFeature/enablement/set': (params) => {
      const names = Object.keys(params.enablement);
      if (names.length)
        throw new RuntimeError(
          'input_invalid',
          `Yoke has no experimental feature ${names.join(', ')}: its behaviour is set in config.toml`,
        );
      return { enablement: {} };
    },
    fuzzyFileSearch: async (params) => ({
      files: (await server.fileSearch.search(params.query, params.roots)).map((m) => ({
        ...m,
        match_type: 'file' as const,
      })),
    }),
  };
}

type ConfigRead = ResultOf<'config/read'>;

/** The effective configuration, which layer set each key, and the layers themselves. */
export function readConfig(config: ResolvedConfig, includeLayers: boolean): ConfigRead {
  let merged: ConfigFile = {};
  const origins: ConfigRead['origins'] = {};
  for (const layer of config.layers) {
    merged = mergeTables(merged, layer.values);
    const meta = { name: layerSource(layer), version: layerVersion(layer) };
    for (const key of leafKeys(layer.values)) origins[key] = meta;
  }
  const effective: Record<string, unknown> = {
    ...merged,
    // What the runtime resolved, defaults included, so a client shows what is really used.
    model: config.model,
    model_provider: config.provider.name,
    approval_policy: config.approvalPolicy,
    sandbox_mode: config.sandboxMode,
    model_reasoning_effort: config.reasoningEffort,
  };
  return {
    config: effective,
    origins,
    ...(includeLayers
      ? {
          layers: [...config.layers].reverse().map((layer) => ({
            name: layerSource(layer),
            version: layerVersion(layer),
            config: layer.values as Record<string, unknown>,
          })),
        }
      : {}),
  };
}

export function layerSource(layer: ConfigSourceLayer): ConfigLayerSource {
  switch (layer.kind) {
    case 'user':
      return { type: 'user', file: layer.source };
    case 'project':
      return { type: 'project', dotCodexFolder: join(layer.source, '..') };
    case 'session':
      return { type: 'sessionFlags' };
  }
}

export function layerVersion(layer: ConfigSourceLayer): string {
  if (layer.version) return layer.version;
  return `sha256:${createHash('sha256').update(JSON.stringify(layer.values)).digest('hex')}`;
}

/** Dotted paths of the values of a table (arrays and scalars are leaves). */
function leafKeys(table: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(table).flatMap(([key, value]) =>
    isTable(value) ? leafKeys(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}
