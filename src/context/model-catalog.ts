// What Yoke knows about models: context window, output limit, reasoning support and default
// effort. This is the ONE place model ids are matched; everything else asks `lookup`.
//
// Matching: the id is lowercased and a `vendor/` prefix dropped (OpenRouter's
// "anthropic/claude-sonnet-4-5" is "claude-sonnet-4-5"). An entry is an exact id, or a prefix
// when it ends with `*`; an exact id beats any prefix and a longer prefix beats a shorter
// one, so "claude-opus-4-5*" wins over "claude-opus-4*" for claude-opus-4-5-20251101.
// Dated snapshots and Ollama tags ("qwen3:32b") therefore need no entries of their own.
//
// Config (`model_catalog` in config.toml) adds or corrects entries with the same keys:
//
//   [model_catalog."my-finetune"]
//   context_window = 65536
//   max_output_tokens = 8192
//   [model_catalog."qwen3*"]          # a prefix, e.g. for a server run with a smaller window
//   context_window = 16384
//
// A config entry is laid over what the built-in table says for the same model, so it may set
// only what differs. Figures are the providers' published limits; local servers often run a
// smaller window than the model supports, which is what a config entry is for.

import type { ReasoningEffort } from '../protocol/thread.ts';

export type ModelSpec = {
  /** Total tokens the model attends to (input + output). */
  contextWindow: number;
  /** Most tokens one response may produce. */
  maxOutputTokens: number;
  /** Takes a reasoning effort / thinking budget. */
  reasoning: boolean;
  /** Effort to use when the user sets none (null: the provider's default). */
  defaultReasoningEffort: ReasoningEffort | null;
};

export type ModelInfo = ModelSpec & {
  /** The id as asked for. */
  model: string;
  /** The entry that matched (`gpt-5*`, `my-model`), or null when none did. */
  matched: string | null;
  /** False when nothing matched and the defaults were used. */
  known: boolean;
};

/** For a model nothing matches: modest, so compaction starts early rather than too late. */
export const DEFAULT_MODEL_SPEC: ModelSpec = {
  contextWindow: 128_000,
  maxOutputTokens: 16_384,
  reasoning: false,
  defaultReasoningEffort: null,
};

const spec = (
  contextWindow: number,
  maxOutputTokens: number,
  reasoning = false,
  defaultReasoningEffort: ReasoningEffort | null = null,
): ModelSpec => ({ contextWindow, maxOutputTokens, reasoning, defaultReasoningEffort });

/** The built-in table. Keys ending in `*` are prefixes. */
export const BUILT_IN_MODELS: Readonly<Record<string, ModelSpec>> = {
  // OpenAI
  'gpt-5*': spec(400_000, 128_000, true, 'medium'),
  'gpt-5-chat-latest': spec(128_000, 16_384),
  'gpt-5.1-chat-latest': spec(128_000, 16_384),
  'gpt-4.1*': spec(1_047_576, 32_768),
  'gpt-4o*': spec(128_000, 16_384),
  'o1*': spec(200_000, 100_000, true, 'medium'),
  'o1-mini*': spec(128_000, 65_536, true, 'medium'),
  'o3*': spec(200_000, 100_000, true, 'medium'),
  'o4-mini*': spec(200_000, 100_000, true, 'medium'),
  'codex-mini*': spec(200_000, 100_000, true, 'medium'),
  'gpt-oss*': spec(131_072, 32_768, true, 'medium'),
  // Anthropic
  'claude-opus-4*': spec(200_000, 32_000, true),
  'claude-opus-4-5*': spec(200_000, 64_000, true),
  'claude-sonnet-4*': spec(200_000, 64_000, true),
  'claude-haiku-4*': spec(200_000, 64_000, true),
  'claude-3-7-sonnet*': spec(200_000, 64_000, true),
  'claude-3-5-sonnet*': spec(200_000, 8192),
  'claude-3-5-haiku*': spec(200_000, 8192),
  'claude-3-opus*': spec(200_000, 4096),
  'claude-3-haiku*': spec(200_000, 4096),
  'claude-*': spec(200_000, 32_000, true),
  // Common local models (native windows; see the note above about servers)
  'qwen3-coder*': spec(262_144, 65_536),
  'qwen3*': spec(40_960, 32_768, true),
  'qwen2.5-coder*': spec(32_768, 8192),
  'deepseek-r1*': spec(131_072, 32_768, true),
  'deepseek-coder-v2*': spec(163_840, 8192),
  'devstral*': spec(131_072, 16_384),
  'llama3.1*': spec(131_072, 8192),
  'llama3.2*': spec(131_072, 8192),
  'llama3.3*': spec(131_072, 8192),
  'gemma3*': spec(131_072, 8192),
  'mistral*': spec(32_768, 8192),
  'phi4*': spec(16_384, 4096),
};

export class ModelCatalog {
  private readonly builtIn: Matcher;
  private readonly extra: Matcher;

  constructor(extra: Readonly<Record<string, Partial<ModelSpec>>> = {}) {
    this.builtIn = new Matcher(BUILT_IN_MODELS);
    this.extra = new Matcher(extra);
  }

  lookup(model: string): ModelInfo {
    const id = normalizeModelId(model);
    const base = this.builtIn.find(id);
    const override = this.extra.find(id);
    const matched = override?.key ?? base?.key ?? null;
    return {
      ...DEFAULT_MODEL_SPEC,
      ...base?.value,
      ...override?.value,
      model,
      matched,
      known: matched !== null,
    };
  }
}

/** Lowercased, without a `vendor/` prefix. */
export function normalizeModelId(model: string): string {
  const id = model.trim().toLowerCase();
  const slash = id.lastIndexOf('/');
  return slash === -1 ? id : id.slice(slash + 1);
}

class Matcher<T = Partial<ModelSpec>> {
  private readonly exact = new Map<string, T>();
  /** Longest first, so the first hit is the most specific. */
  private readonly prefixes: [string, string, T][] = [];

  constructor(table: Readonly<Record<string, T>>) {
    for (const [key, value] of Object.entries(table)) {
      const id = key.toLowerCase();
      if (id.endsWith('*')) this.prefixes.push([id.slice(0, -1), key, value]);
      else this.exact.set(id, value);
    }
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  find(id: string): { key: string; value: T } | null {
    const value = this.exact.get(id);
    if (value !== undefined) return { key: id, value };
    for (const [prefix, key, entry] of this.prefixes) {
      if (id.startsWith(prefix)) return { key, value: entry };
    }
    return null;
  }
}
