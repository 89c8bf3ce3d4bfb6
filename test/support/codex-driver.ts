// A client written only from the Codex App Server protocol (reference/codex-app-server.md):
// raw JSON-RPC without "jsonrpc", over stdio JSONL or WebSocket frames. It uses nothing of
// Yoke's code, so it shows that a Codex client can drive Yoke. Every message is recorded for
// the conformance check against Codex's own JSON Schema.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';
import { YOKE_BIN } from './cli.ts';

export type Json = Record<string, unknown>;
export type Recorded = { dir: 'c2s' | 's2c'; message: Json };
type Waiter = { match: (m: Json) => boolean; resolve: (m: Json) => void };

export class CodexDriver {
  readonly transcript: Recorded[] = [];
  readonly notifications: Json[] = [];
  private nextId = 0;
  private readonly responses = new Map<number, (m: Json) => void>();
  private waiters: Waiter[] = [];
  /** Answers server→client requests (approvals). Default: no answer. */
  onServerRequest: ((request: Json) => Json | null) | null = null;

  private constructor(
    private readonly sendRaw: (text: string) => void,
    readonly close: () => Promise<void>,
  ) {}

  /** `yoke app-server` over stdio (`args`: more of its arguments, e.g. `-c key=value`). */
  static stdio(
    env: NodeJS.ProcessEnv,
    cwd: string,
    args: string[] = [],
  ): { driver: CodexDriver; child: ChildProcess } {
    const child = spawn(process.execPath, [YOKE_BIN, 'app-server', ...args], {
      cwd,
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    const driver = new CodexDriver(
      (text) => child.stdin!.write(`${text}\n`),
      async () => {
        child.stdin!.end();
        await exited;
      },
    );
    createInterface({ input: child.stdout! }).on('line', (line) => driver.receive(line));
    return { driver, child };
  }

  /** A WebSocket client of a listening server. */
  static async ws(url: string, headers: Record<string, string> = {}): Promise<CodexDriver> {
    const socket = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const driver = new CodexDriver(
      (text) => socket.send(text),
      async () => {
        socket.close();
        await closed;
      },
    );
    socket.on('message', (data) => driver.receive(String(data)));
    return driver;
  }

  async request(method: string, params: Json = {}): Promise<Json> {
    const id = this.nextId++;
    const reply = new Promise<Json>((resolve) => this.responses.set(id, resolve));
    this.send({ method, id, params });
    const message = await reply;
    if (message.error)
      throw Object.assign(new Error(String((message.error as Json).message)), {
        rpc: message.error,
      });
    return message.result as Json;
  }

  notify(method: string, params?: Json): void {
    this.send(params ? { method, params } : { method });
  }

  async initialize(name = 'codex-protocol-driver'): Promise<Json> {
    const result = await this.request('initialize', {
      clientInfo: { name, title: null, version: '1.0.0' },
      capabilities: null,
    });
    this.notify('initialized');
    return result;
  }

  /** Resolves with the first notification (already received or future) that matches. */
  waitFor(method: string, match: (params: Json) => boolean = () => true): Promise<Json> {
    const test = (m: Json) => m.method === method && match((m.params ?? {}) as Json);
    const seen = this.notifications.find(test);
    if (seen) return Promise.resolve(seen.params as Json);
    return new Promise((resolve) =>
      this.waiters.push({ match: test, resolve: (m) => resolve(m.params as Json) }),
    );
  }

  /** Resolves with the next message (from now on) that matches. */
  nextMessage(match: (m: Json) => boolean): Promise<Json> {
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Resolves with the next server→client request of `method`. */
  nextServerRequest(method: string): Promise<Json> {
    return new Promise((resolve) =>
      this.waiters.push({ match: (m) => m.method === method && m.id !== undefined, resolve }),
    );
  }

  respond(id: unknown, result: Json): void {
    this.send({ id, result });
  }

  private send(message: Json): void {
    this.transcript.push({ dir: 'c2s', message });
    this.sendRaw(JSON.stringify(message));
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as Json;
    this.transcript.push({ dir: 's2c', message });
    if (message.method === undefined) {
      const resolve = this.responses.get(message.id as number);
      this.responses.delete(message.id as number);
      resolve?.(message);
      return;
    }
    if (message.id === undefined) this.notifications.push(message);
    else if (this.onServerRequest) {
      const answer = this.onServerRequest(message);
      if (answer) this.respond(message.id, answer);
    }
    const ready = this.waiters.filter((w) => w.match(message));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(message);
  }
}

export type WsServer = {
  url: string;
  /** The bearer token the server wrote (0600) and printed the path of. */
  token: string;
  child: ChildProcess;
  /** A driver connected with the token (and any extra headers). */
  connect: (headers?: Record<string, string>) => Promise<CodexDriver>;
  stop: () => Promise<void>;
};

/**
 * Starts `yoke app-server --listen ws://127.0.0.1:0` and resolves once it listens, with its URL
 * and the bearer token it wrote.
 */
export async function startWsServer(
  env: NodeJS.ProcessEnv,
  cwd: string,
  extra: string[] = [],
): Promise<WsServer> {
  const child = spawn(
    process.execPath,
    [YOKE_BIN, 'app-server', '--listen', 'ws://127.0.0.1:0', ...extra],
    {
      cwd,
      env,
      stdio: ['ignore', 'inherit', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const [url, tokenFile] = await new Promise<[string, string]>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const m = /listening on (ws:\/\/\S+) \(bearer token in (.+)\)$/.exec(line);
      if (m) resolve([m[1]!, m[2]!]);
    });
    child.once('close', (code) =>
      reject(new Error(`app-server exited (${code}) before listening`)),
    );
  });
  const token = readFileSync(tokenFile, 'utf8').trim();
  return {
    url,
    token,
    child,
    connect: (headers = {}) =>
      CodexDriver.ws(url, { Authorization: `Bearer ${token}`, ...headers }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
