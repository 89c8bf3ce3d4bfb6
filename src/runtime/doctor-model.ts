// `yoke doctor`'s model check: can the configured endpoint be reached with the configured key?
// One GET of its model list (the cheapest authenticated request all three APIs answer).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ProviderConfig } from '../models/types.ts';
import type { DoctorCheck } from './doctor.ts';

const TIMEOUT_MS = 10_000;

export async function probeModel(provider: ProviderConfig, model: string): Promise<DoctorCheck> {
  const where = `${provider.name} at ${provider.baseUrl}`;
  if (provider.envKey && !provider.apiKey && !isLocal(provider.baseUrl))
    return {
      name: 'model',
      ok: false,
      detail: `${where}: no API key (${provider.envKey} is not set)`,
      fix: `export ${provider.envKey}=…, or point model_provider at a local server`,
    };
  const headers: Record<string, string> = { ...provider.headers };
  if (provider.apiKey) {
    if (provider.wireApi === 'anthropic') {
      headers['x-api-key'] = provider.apiKey;
      headers['anthropic-version'] = '2023-06-01';
    } else headers.authorization = `Bearer ${provider.apiKey}`;
  }
  let status: number;
  try {
    status = await getStatus(`${provider.baseUrl}/models`, headers);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return {
      name: 'model',
      ok: false,
      detail: `${where}: cannot be reached (${e.code ?? e.message})`,
      fix: 'start the model server, or fix base_url (openai_base_url, model_providers.NAME.base_url)',
    };
  }
  if (status === 401 || status === 403)
    return {
      name: 'model',
      ok: false,
      detail: `${where}: the key was refused (HTTP ${status})`,
      fix: `check ${provider.envKey ?? 'the API key'}`,
    };
  if (status >= 500)
    return {
      name: 'model',
      ok: false,
      detail: `${where}: the server fails (HTTP ${status})`,
      fix: 'try again later, or check the server',
    };
  // 404: some servers list no models; they answered, and the key was not refused.
  return { name: 'model', ok: true, detail: `${where} answers (HTTP ${status}); model ${model}` };
}

/** The status of a GET (Node's own client: no blocked ports, no proxy surprises). */
function getStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = get(url, { method: 'GET', headers, timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
    );
    req.on('error', reject);
    req.end();
  });
}

function isLocal(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}
