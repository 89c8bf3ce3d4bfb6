// Fixtures for the JSON-RPC layer tests: a dummy handler map (no runtime), a raw peer that
// sends arbitrary text and collects parsed answers, and helpers to wire both over the
// in-memory transport pair.
import type { ParamsOf, ResultOf } from '../../src/protocol/methods.ts';
import type { Thread, Turn } from '../../src/protocol/thread.ts';
import { createMemoryTransportPair, type MessageTransport } from '../../src/protocol/transport.ts';
import { RuntimeError } from '../../src/runtime/errors.ts';
import { Connection, type ConnectionOptions } from '../../src/server/connection.ts';
import { createRouter, type Handlers, type Router } from '../../src/server/router.ts';

export const INIT_RESULT: ResultOf<'initialize'> = {
  userAgent: 'yoke-test/0.0.0',
  codexHome: '/tmp/yoke-test-home',
  platformFamily: 'unix',
  platformOs: 'linux',
};

export const fakeThread = (id: string): Thread => ({
  id,
  sessionId: id,
  forkedFromId: null,
  preview: '',
  ephemeral: false,
  modelProvider: 'mock',
  model: 'mock-model',
  createdAt: 1,
  updatedAt: 1,
  status: { type: 'idle' },
  path: null,
  cwd: '/tmp',
  cliVersion: '0.0.0',
  source: 'appServer',
  name: null,
  projectId: null,
  turns: [],
});

const fakeTurn = (id: string): Turn => ({ id, items: [], status: 'inProgress' });

/**
 * Handlers standing in for the runtime. turn/start's threadId chooses a behaviour:
 * "missing" → thread_not_found, "busy" → thread_busy, "bad-input" → input_invalid,
 * "boom" → a plain Error; anything else → a turn.
 */
export function dummyHandlers(log: string[] = []): Handlers {
  let threads = 0;
  return {
    initialize: (params) => {
      log.push(`initialize ${params.clientInfo.name}`);
      return INIT_RESULT;
    },
    'thread/start': (params, ctx) => {
      const thread = fakeThread(`thr_${++threads}`);
      // Like Codex: the notification follows the response.
      queueMicrotask(() => ctx.notify({ method: 'thread/started', params: { thread } }));
      return {
        thread,
        model: params.model ?? 'mock-model',
        modelProvider: 'mock',
        cwd: params.cwd ?? '/tmp',
        approvalPolicy: 'never',
        approvalsReviewer: 'user',
        sandbox: { type: 'dangerFullAccess' },
        reasoningEffort: null,
        instructionSources: [],
      };
    },
    'turn/start': async (params: ParamsOf<'turn/start'>) => {
      const { threadId } = params;
      if (threadId === 'missing')
        throw new RuntimeError('thread_not_found', 'thread not found: missing');
      if (threadId === 'busy')
        throw new RuntimeError('thread_busy', 'thread busy: a turn is running');
      if (threadId === 'bad-input') throw new RuntimeError('input_invalid', 'image not readable');
      if (threadId === 'boom') throw new Error('kaboom at /secret/path');
      return { turn: fakeTurn(`turn_${threadId}`) };
    },
    'thread/loaded/list': () => ({ data: [], nextCursor: null }),
  };
}

export type Harness = {
  connection: Connection;
  peer: RawPeer;
  router: Router;
};

/** A server connection over the memory pair, with a raw peer on the other end. */
export function memoryHarness(
  handlers: Handlers = dummyHandlers(),
  options: ConnectionOptions = {},
): Harness {
  const [serverSide, clientSide] = createMemoryTransportPair();
  const router = createRouter(handlers);
  const connection = new Connection(serverSide, router, { log: () => {}, ...options });
  return { connection, peer: new RawPeer(clientSide), router };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** Sends raw text, receives parsed messages, and waits for the ones a test expects. */
export class RawPeer {
  readonly messages: Json[] = [];
  closedWith: string | null = null;
  private waiters: { match: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];
  private closeWaiters: ((reason: string) => void)[] = [];

  constructor(readonly transport: MessageTransport) {
    transport.onMessage((text) => {
      const message = JSON.parse(text) as Json;
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
    transport.onClose((reason) => {
      this.closedWith = reason;
      for (const w of this.closeWaiters.splice(0)) w(reason);
    });
  }

  send(message: string | object): void {
    this.transport.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (already received or future) that matches. */
  waitFor(match: (m: Json) => boolean): Promise<Json> {
    const seen = this.messages.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** The answer to request `id` (result or error). */
  answer(id: string | number | null): Promise<Json> {
    return this.waitFor((m) => m.id === id && ('result' in m || 'error' in m));
  }

  /** Sends a request and waits for its answer. */
  call(id: string | number, method: string, params?: unknown): Promise<Json> {
    this.send(params === undefined ? { id, method } : { id, method, params });
    return this.answer(id);
  }

  closed(): Promise<string> {
    if (this.closedWith !== null) return Promise.resolve(this.closedWith);
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  async initialize(id: string | number = 'init'): Promise<Json> {
    return this.call(id, 'initialize', { clientInfo: { name: 'raw', version: '1' } });
  }
}

/** A deterministic PRNG (mulberry32), so fuzz runs repeat exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
