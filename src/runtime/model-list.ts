// model/list: the models the configured provider offers, as it lists them — GET {baseUrl}/models
// (OpenAI, Anthropic, vLLM, LM Studio, OpenRouter, Ollama's OpenAI API), or Ollama's own
// /api/tags — each described from Yoke's model catalogue (context window, output limit), the
// configured model first. When the provider's list cannot be read, Yoke's catalogue is offered
// instead as hidden entries (ids such as `gpt-5*`, a prefix), so a client can still tell a
// name Yoke knows from a typo. Lists are kept for a minute.
import { BUILT_IN_MODELS, type ModelCatalog } from '../context/model-catalog.ts';
import type { ProviderConfig } from '../models/types.ts';
import type { Model } from '../protocol/methods.ts';
import type { ResolvedConfig } from './config.ts';

const TIMEOUT_MS = 5_000;
const KEEP_MS = 60_000;
const EFFORTS = ['minimal', 'low', 'medium', 'high', 'xhigh'];

export type FetchModelIds = (provider: ProviderConfig) => Promise<string[] | null>;

export class ModelLister {
  private kept: { at: number; ids: string[] | null } | null = null;

  constructor(
    private readonly config: ResolvedConfig,
    private readonly catalog: ModelCatalog,
    private readonly fetchIds: FetchModelIds = providerModelIds,
  ) {}

  async list(provider: string | null, includeHidden: boolean): Promise<Model[]> {
    const { config } = this;
    if (provider && provider !== config.provider.name) return [];
    if (!this.kept || Date.now() - this.kept.at > KEEP_MS)
      this.kept = { at: Date.now(), ids: await this.fetchIds(config.provider) };
    const listed = this.kept.ids;
    const ids = [config.model, ...(listed ?? []).filter((id) => id !== config.model)];
    const models = ids.map((id) => this.entry(id, listed));
    if (listed === null && includeHidden) models.push(...this.catalogueEntries());
    return models;
  }

  private entry(id: string, listed: string[] | null): Model {
    const { config } = this;
    const info = this.catalog.lookup(id);
    const where =
      listed === null
        ? `${config.provider.name}'s list could not be read`
        : listed.includes(id)
          ? `listed by ${config.provider.name}`
          : `configured; not listed by ${config.provider.name}`;
    const known = info.known
      ? `${compact(info.contextWindow)} context, ${compact(info.maxOutputTokens)} output`
      : "not in Yoke's catalogue";
    return {
      id,
      model: id,
      displayName: id,
      description: `${where}; ${known}`,
      hidden: false,
      isDefault: id === config.model,
      // The configured model keeps what model/list always said of it.
      defaultReasoningEffort:
        (id === config.model ? config.reasoningEffort : info.defaultReasoningEffort) ?? 'medium',
      supportedReasoningEfforts:
        info.reasoning || id === config.model
          ? EFFORTS.map((e) => ({ reasoningEffort: e, description: e }))
          : [],
    };
  }

  /** The catalogue's entries (built in, then config.toml's), for checking names against. */
  private catalogueEntries(): Model[] {
    const keys = [
      ...new Set([
        ...Object.keys(BUILT_IN_MODELS),
        ...Object.keys(this.config.context.modelCatalog),
      ]),
    ];
    return keys.map((key) => {
      const info = this.catalog.lookup(key.replace(/\*$/, ''));
      return {
        id: key,
        model: key,
        displayName: key,
        description: `Yoke's catalogue: ${compact(info.contextWindow)} context`,
        hidden: true,
        isDefault: false,
        defaultReasoningEffort: info.defaultReasoningEffort ?? 'medium',
        supportedReasoningEfforts: [],
      };
    });
  }
}

/** The model ids the provider lists, or null when it cannot be asked or does not answer. */
export async function providerModelIds(provider: ProviderConfig): Promise<string[] | null> {
  const headers: Record<string, string> = { ...provider.headers };
  if (provider.apiKey) {
    if (provider.wireApi === 'anthropic') {
      headers['x-api-key'] = provider.apiKey;
      headers['anthropic-version'] = '2023-06-01';
    } else headers.authorization = `Bearer ${provider.apiKey}`;
  }
  const base = provider.baseUrl.replace(/\/+$/, '');
  const openAi = await getJson(`${base}/models`, headers);
  const data = (openAi as { data?: unknown } | null)?.data;
  if (Array.isArray(data)) return idsOf(data, 'id');
  // Ollama's own list, at the server's root (the base URL of its OpenAI API ends in /v1).
  const ollama = await getJson(`${base.replace(/\/v1$/, '')}/api/tags`, headers);
  const models = (ollama as { models?: unknown } | null)?.models;
  return Array.isArray(models) ? idsOf(models, 'name') : null;
}

function idsOf(entries: unknown[], key: 'id' | 'name'): string[] {
  return entries
    .map((e) => (e as Record<string, unknown> | null)?.[key])
    .filter((id): id is string => typeof id === 'string' && id.length > 0)
    .sort();
}

async function getJson(url: string, headers: Record<string, string>): Promise<unknown> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok) return null;
    return (await res.json()) as unknown;
  } catch {
    return null;
  }
}

function compact(n: number): string {
  return n >= 1000 ? `${Math.round(n / 1000)}k` : String(n);
}
