// Picks the stream function for a provider's wire API.

import { createChatStreamFn } from './chat.ts';
import type { TransportDeps } from './http.ts';
import { createResponsesStreamFn } from './responses.ts';
import type { ModelEvent, ProviderConfig, StreamFn } from './types.ts';

export function createStreamFn(config: ProviderConfig, deps: TransportDeps = {}): StreamFn {
  switch (config.wireApi) {
    case 'responses':
      return createResponsesStreamFn(config, deps);
    case 'chat':
      return createChatStreamFn(config, deps);
    case 'anthropic':
      return unsupported(
        `${config.name}: wireApi "anthropic" is not supported yet — use wireApi "responses" or "chat" for this provider`,
      );
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

export type { TransportDeps } from './http.ts';
