// POST over node:http(s) with keep-alive, shaped like the part of fetch's Response the
// transport uses. Node 20's global fetch loads undici on first use — about 70 ms and 11 MB
// before the first request leaves — so Yoke talks HTTP through node:http instead.
import http, { type IncomingMessage } from 'node:http';

export type HttpResponse = {
  ok: boolean;
  status: number;
  statusText: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  body: { getReader(): BodyReader } | null;
};

export type BodyReader = {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
  cancel(): Promise<void>;
};

export type HttpPost = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<HttpResponse>;

const httpAgent = new http.Agent({ keepAlive: true });
// TLS is loaded only when a provider is reached over https (local servers never need it).
let httpsModule: Promise<{ request: typeof http.request; agent: http.Agent }> | null = null;
const loadHttps = () =>
  (httpsModule ??= import('node:https').then((https) => ({
    request: https.request,
    agent: new https.Agent({ keepAlive: true }),
  })));

export const httpPost: HttpPost = async (url, init) => {
  const target = new URL(url);
  const transport =
    target.protocol === 'https:' ? await loadHttps() : { request: http.request, agent: httpAgent };
  return new Promise((resolve, reject) => {
    const request = transport.request(target, {
      method: init.method,
      headers: { ...init.headers, 'content-length': Buffer.byteLength(init.body) },
      agent: transport.agent,
      signal: init.signal,
    });
    request.on('error', reject);
    request.on('response', (res) => resolve(wrap(res)));
    request.end(init.body);
  });
};

function wrap(res: IncomingMessage): HttpResponse {
  const status = res.statusCode ?? 0;
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? '',
    headers: {
      get(name) {
        const value = res.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    async text() {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    body: { getReader: () => reader(res) },
  };
}

/** A pull reader over the response: one buffered chunk at a time, errors surfaced on read. */
function reader(res: IncomingMessage): BodyReader {
  const queue: Buffer[] = [];
  let ended = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    const fn = wake;
    wake = null;
    fn?.();
  };
  res.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    res.pause();
    notify();
  });
  res.on('end', () => {
    ended = true;
    notify();
  });
  res.on('error', (err) => {
    failure = err;
    notify();
  });
  res.on('close', () => {
    // Closed without 'end': the connection dropped mid-body.
    if (!ended && !failure)
      failure = Object.assign(new Error('connection closed mid-response'), { code: 'ECONNRESET' });
    notify();
  });
  return {
    async read() {
      for (;;) {
        const chunk = queue.shift();
        if (chunk) {
          if (queue.length === 0) res.resume();
          return { done: false, value: chunk };
        }
        if (failure) throw failure;
        if (ended) return { done: true };
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async cancel() {
      res.destroy();
    },
  };
}
