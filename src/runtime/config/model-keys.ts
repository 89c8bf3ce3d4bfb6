// Config keys that choose the model and how to reach it.
//
//   model = "qwen3-coder"
//   model_provider = "ollama"
//   model_reasoning_effort = "high"
//   openai_base_url = "https://…/v1"     # the built-in "openai" provider's endpoint
//   [model_providers.ollama]
//   base_url = "http://127.0.0.1:11434/v1"
//   wire_api = "chat"
//   …
import * as z from 'zod';
import { ReasoningEffort } from '../../protocol/thread.ts';
import { durationMs, envName, httpUrl, int, namedTables, nonEmpty, table } from './table.ts';

/** Efforts newer Codex clients send that OpenAI-compatible APIs do not take: sent as xhigh. */
export const EFFORT_ALIASES = ['max', 'ultra', 'persistent'] as const;

export const WireApi = z.enum(['responses', 'chat', 'anthropic']);

export const ProviderKeys = table({
  /** Codex's display name; Yoke names a provider by its key. */
  name: nonEmpty,
  base_url: httpUrl,
  wire_api: WireApi,
  env_key: envName,
  http_headers: z.record(z.string(), z.string()),
  request_max_retries: int(0, 100),
  /** Reconnects of a stream that broke off before its end (Codex's key; default 5). */
  stream_max_retries: int(0, 100),
  retry_base_ms: durationMs(),
  stream_idle_timeout_ms: durationMs(),
  /** A response body past this fails the turn (default 32 MiB). */
  max_response_bytes: int(1024, 2 ** 40),
  stream_first_byte_timeout_ms: durationMs(),
});

export const modelKeys = {
  model: nonEmpty,
  model_provider: nonEmpty,
  model_reasoning_effort: z.union([ReasoningEffort, z.enum(EFFORT_ALIASES)]),
  openai_base_url: httpUrl,
  /** How long a request may go without a byte of answer, for every provider (60 s). */
  stream_first_byte_timeout_ms: durationMs(),
  model_providers: namedTables(ProviderKeys),
};
