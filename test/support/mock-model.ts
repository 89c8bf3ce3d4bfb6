// A scripted mock model server speaking the real streaming formats, for tests and benchmarks.
//
//   const mock = await startMockModel([text('hello'), step(toolCall('ls', {}), text('…'))]);
//   const config = { name: 'mock', baseUrl: mock.url, wireApi: 'responses' };
//   …
//   await mock.close();
//
// Serves POST /v1/responses (Responses SSE), POST /v1/chat/completions (chat SSE) and
// POST /v1/messages (Anthropic SSE, see mock-model-anthropic.ts) on 127.0.0.1, one script
// entry per request (or a function of the request). Every request is recorded, whatever its
// path. Usage: input ≈ body length / 4, cached ≈ the common prefix with the previous model
// request's body / 4, output ≈ output text / 4, unless the step overrides.
// No sleeps: each frame is written with res.write as soon as the request body is in.

import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { commonPrefixLength } from '../../src/models/cache-prefix.ts';
import { anthropicFrames } from './mock-model-anthropic.ts';
import { hugeFrames } from './mock-model-huge.ts';
import {
  toStep,
  type Gate,
  type MockOutput,
  type MockStep,
  type ScriptEntry,
} from './mock-model-script.ts';
import {
  chatFrames,
  IdCounters,
  responsesFrames,
  type RenderMode,
  type UsageNumbers,
} from './mock-model-sse.ts';

export {
  cut,
  error,
  failed,
  hang,
  huge,
  paced,
  raw,
  reasoning,
  reset,
  step,
  text,
  toolCall,
  toolCalls,
  usage,
} from './mock-model-script.ts';
export type { Gate, MockOutput, MockStep, MockUsage, ScriptEntry } from './mock-model-script.ts';

export type RecordedRequest = {
  /** 0-based position among all requests received. */
  index: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received. */
  body: string;
  /** The parsed body, or undefined when it is not JSON. */
  json: unknown;
  api: 'responses' | 'chat' | 'anthropic' | 'other';
};

export type MockScript = ScriptEntry[] | ((request: RecordedRequest, index: number) => ScriptEntry);

export type MockModel = {
  /** Base URL including /v1, e.g. http://127.0.0.1:41234/v1 */
  url: string;
  requests: RecordedRequest[];
  /** Scripting problems seen (script ran out, unknown path), also answered with an error. */
  problems: string[];
  /** How many responses the client hung up on before they were finished. */
  readonly clientCloses: number;
  waitForRequests(count: number): Promise<void>;
  waitForClientClose(count?: number): Promise<void>;
  close(): Promise<void>;
};

const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

export async function startMockModel(
  script: MockScript,
  options: {
    /**
     * GET /v1/models lists these; without them it (and Ollama's /api/tags) answers 404.
     * Neither is recorded as a request.
     */
    models?: string[];
  } = {},
): Promise<MockModel> {
  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  const ids = new IdCounters();
  const waiters = new Set<() => void>();
  let clientCloses = 0;
  let stepIndex = 0;
  let previousBody = '';
  let closing = false;
  const notify = (): void => {
    for (const check of [...waiters]) check();
  };
  const waitFor = (ready: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!ready()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });

  const nextStep = (request: RecordedRequest): MockStep => {
    const index = stepIndex++;
    if (typeof script === 'function') return toStep(script(request, index));
    const entry = script[index];
    if (entry !== undefined) return toStep(entry);
    const message = `mock model script ran out: request #${index + 1} but the script has ${script.length} steps`;
    problems.push(message);
    return {
      kind: 'error',
      status: 500,
      body: JSON.stringify({ error: { message, type: 'mock_script' } }),
      headers: {},
    };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      // The model list (model/list, /model in the TUI) is not a step of the script.
      if (req.method === 'GET' && (path === '/v1/models' || path === '/api/tags')) {
        const models = path === '/v1/models' ? options.models : undefined;
        res.writeHead(models ? 200 : 404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            models
              ? { object: 'list', data: models.map((id) => ({ id, object: 'model' })) }
              : { error: { message: 'no model list', type: 'not_found' } },
          ),
        );
        return;
      }
      const api =
        req.method !== 'POST'
          ? 'other'
          : path === '/v1/responses'
            ? 'responses'
            : path === '/v1/chat/completions'
              ? 'chat'
              : path === '/v1/messages'
                ? 'anthropic'
                : 'other';
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const request: RecordedRequest = {
        index: requests.length,
        method: req.method ?? '',
        path,
        headers: req.headers,
        body,
        json,
        api,
      };
      requests.push(request);
      let serverEnded = false;
      res.on('close', () => {
        if (!res.writableEnded && !serverEnded && !closing) {
          clientCloses++;
          notify();
        }
      });
      if (api === 'other') {
        const message = `mock model: no route for ${req.method} ${path}`;
        problems.push(message);
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message, type: 'not_found' } }));
        notify();
        return;
      }
      const step = nextStep(request);
      const cached = commonPrefixLength(previousBody, body);
      previousBody = body;
      notify();
      if (step.kind === 'reset') {
        serverEnded = true;
        req.socket.destroy();
        return;
      }
      if (step.kind === 'error') {
        res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
        res.end(step.body);
        return;
      }
      if (step.kind === 'raw' || step.kind === 'huge') {
        res.writeHead(200, SSE_HEADERS);
        const frames =
          step.kind === 'raw'
            ? step.chunks
            : hugeFrames(api === 'chat' ? 'chat' : 'responses', step.bytes, ids, modelOf(json));
        void writeSlowly(res, frames).then((all) => all && res.end());
        return;
      }
      const outputs = step.kind === 'failed' ? [] : step.outputs;
      const mode: RenderMode =
        step.kind === 'respond'
          ? 'full'
          : step.kind === 'failed'
            ? 'failed'
            : step.kind === 'cut' || outputs.length > 0
              ? 'cut'
              : 'start';
      const ctx = {
        ids,
        model: modelOf(json),
        usage: usageNumbers(
          body.length,
          cached,
          outputs,
          step.kind === 'respond' ? step.usage : undefined,
        ),
        ...(step.kind === 'failed' ? { failure: { code: step.code, message: step.message } } : {}),
      };
      const frames =
        api === 'responses'
          ? responsesFrames(outputs, mode, ctx)
          : api === 'anthropic'
            ? anthropicFrames(outputs, mode, {
                ...ctx,
                cacheControl: body.includes('"cache_control"'),
              })
            : chatFrames(outputs, mode, ctx);
      res.writeHead(200, SSE_HEADERS);
      const finish = (): void => {
        if (step.kind === 'respond' || step.kind === 'failed') res.end();
        else if (step.kind === 'cut') {
          serverEnded = true;
          res.socket?.destroySoon();
        }
        // hang: leave the response open until the client goes away.
      };
      const gate = step.kind === 'failed' ? undefined : step.gate;
      if (gate) {
        void writeSlowly(res, frames, gate).then((all) => all && finish());
        return;
      }
      res.cork(); // one writev for all frames, still one chunk per event on the wire
      for (const frame of frames) res.write(frame);
      res.uncork();
      finish();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    problems,
    get clientCloses() {
      return clientCloses;
    },
    waitForRequests: (count) => waitFor(() => requests.length >= count),
    waitForClientClose: (count = 1) => waitFor(() => clientCloses >= count),
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Writes frames one at a time, waiting for the socket to drain and for the gate; stops when
 * the client goes away. Resolves true when every frame was written.
 */
async function writeSlowly(
  res: ServerResponse,
  frames: Iterable<string>,
  gate?: Gate,
): Promise<boolean> {
  const list = gate ? [...frames] : null;
  let index = 0;
  for (const frame of list ?? frames) {
    await gate?.(index, list!.length);
    index++;
    if (res.destroyed || res.writableEnded) return false;
    if (!res.write(frame)) {
      const drained = await new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => () => {
          res.off('drain', onDrain);
          res.off('close', onClose);
          resolve(ok);
        };
        const onDrain = done(true);
        const onClose = done(false);
        res.once('drain', onDrain);
        res.once('close', onClose);
      });
      if (!drained) return false;
    }
  }
  return !res.destroyed;
}

function modelOf(json: unknown): string {
  if (
    typeof json === 'object' &&
    json !== null &&
    'model' in json &&
    typeof json.model === 'string'
  )
    return json.model;
  return 'mock-model';
}

function usageNumbers(
  bodyLength: number,
  cachedChars: number,
  outputs: MockOutput[],
  override:
    | {
        inputTokens?: number;
        cachedTokens?: number;
        outputTokens?: number;
        reasoningTokens?: number;
      }
    | undefined,
): UsageNumbers {
  let outputChars = 0;
  let reasoningChars = 0;
  for (const output of outputs) {
    if (output.kind === 'text') outputChars += output.text.length;
    else if (output.kind === 'toolCall')
      outputChars += output.name.length + output.arguments.length;
    else reasoningChars += output.summary.length;
  }
  const reasoning = override?.reasoningTokens ?? Math.ceil(reasoningChars / 4);
  return {
    input: override?.inputTokens ?? Math.ceil(bodyLength / 4),
    cached: override?.cachedTokens ?? Math.floor(cachedChars / 4),
    output: override?.outputTokens ?? Math.ceil(outputChars / 4) + reasoning,
    reasoning,
  };
}
