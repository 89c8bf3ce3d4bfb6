// Picks the stream function for a provider's wire API.

import { createAnthropicStreamFn, type AnthropicOptions } from './anthropic.ts';
import { createChatStreamFn } from './chat.ts';
import type { TransportDeps } from './http.ts';
import { createResponsesStreamFn } from './responses.ts';
import type { ModelEvent, ProviderConfig, StreamFn } from './types.ts';

/** Settings only some wire APIs take. */
export type StreamOptions = { anthropic?: AnthropicOptions };

export function createStreamFn(
  config: ProviderConfig,
  deps: TransportDeps = {},
  options: StreamOptions = {},
): StreamFn {
  switch (config.wireApi) {
    case 'responses':
      return createResponsesStreamFn(config, deps);
    case 'chat':
      return createChatStreamFn(config, deps);
    case 'anthropic':
      return createAnthropicStreamFn(config, deps, options.anthropic);
    default:
      return unsupported(
        `${config.name}: unknown wireApi "${String(config.wireApi)}" — use "responses", "chat" or "anthropic"`,
      );
  }
}

function unsupported(message: string): StreamFn {
  return async function* (): AsyncGenerator<ModelEvent, void, undefined> {
    yield { type: 'end', stop: { type: 'error', error: { kind: 'protocol', message } } };
  };
}

export type { AnthropicOptions } from './anthropic.ts';
export type { TransportDeps } from './http.ts';
