// Helpers for tests that drive a StreamFn: configs, requests, and reading the event list.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStreamFn, type TransportDeps } from '../../src/models/provider.ts';
import type {
  HistoryItem,
  ModelError,
  ModelEvent,
  ModelRequest,
  ProviderConfig,
  WireApi,
} from '../../src/models/types.ts';

/** Injected sleep that records the delays and returns at once. */
export function fastSleep(): { delays: number[]; deps: TransportDeps } {
  const delays: number[] = [];
  return { delays, deps: { sleep: async (ms) => void delays.push(ms), random: () => 0.5 } };
}

export function provider(
  baseUrl: string,
  wireApi: WireApi,
  extra: Partial<ProviderConfig> = {},
): ProviderConfig {
  return { name: 'mock', baseUrl, wireApi, apiKey: 'sk-test', envKey: 'MOCK_API_KEY', ...extra };
}

export const user = (text: string): HistoryItem => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_text', text }],
});

export function request(
  input: HistoryItem[] = [user('hi')],
  extra: Partial<ModelRequest> = {},
): ModelRequest {
  return {
    model: 'mock-1',
    instructions: 'You are a test.',
    input,
    tools: [{ name: 'shell', description: 'Run a command', parameters: { type: 'object' } }],
    promptCacheKey: 'thread-1',
    ...extra,
  };
}

export async function run(
  config: ProviderConfig,
  req: ModelRequest = request(),
  deps: TransportDeps = {},
  signal: AbortSignal = new AbortController().signal,
): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const event of createStreamFn(config, deps)(req, signal)) events.push(event);
  assert.equal(events.filter((e) => e.type === 'end').length, 1, 'exactly one end event');
  assert.equal(events.at(-1)?.type, 'end', 'end comes last');
  return events;
}

export function stop(events: ModelEvent[]): Extract<ModelEvent, { type: 'end' }>['stop'] {
  const last = events.at(-1);
  assert.ok(last?.type === 'end');
  return last.stop;
}

export function errorOf(events: ModelEvent[]): ModelError {
  const result = stop(events);
  assert.equal(result.type, 'error', `expected an error, got ${JSON.stringify(result)}`);
  return (result as { type: 'error'; error: ModelError }).error;
}

export const items = (events: ModelEvent[]): HistoryItem[] =>
  events.flatMap((e) => (e.type === 'item' ? [e.item] : []));
export const deltas = (events: ModelEvent[]): string =>
  events.map((e) => (e.type === 'text-delta' ? e.delta : '')).join('');
export const kinds = (events: ModelEvent[]): string[] => events.map((e) => e.type);

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
