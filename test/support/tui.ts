// Driving the terminal UI in tests: the App rendered by ink-testing-library, against either a
// real in-process App Server (with the scripted mock model) whose client traffic is recorded,
// or a fake connection the test feeds notifications and server requests by hand.
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import type { TestContext } from 'node:test';
import type { YokeClient } from '../../src/client/client.ts';
import type { RequestId } from '../../src/protocol/jsonrpc.ts';
import type {
  ClientRequestMethod,
  ParamsOf,
  ResultOf,
  ServerNotification,
  ServerRequestMethod,
} from '../../src/protocol/methods.ts';
import type { MessageTransport } from '../../src/protocol/transport.ts';
import { loadConfig } from '../../src/runtime/config.ts';
import { startAppServerHost } from '../../src/surfaces/app-server-host.ts';
import { App } from '../../src/surfaces/tui/app.tsx';
import { TuiController } from '../../src/surfaces/tui/controller.ts';
import type { ControllerDeps, TuiConnection } from '../../src/surfaces/tui/state.ts';
import { gitDiff, runLocalShell } from '../../src/surfaces/tui/local-shell.ts';
import { tempDir, tempRepo } from './cli.ts';
import { startMockModel, type MockModel, type MockScript } from './mock-model.ts';

export const KEYS = {
  enter: '\r',
  escape: '\x1b',
  ctrlC: '\x03',
  pageUp: '\x1b[5~',
  pageDown: '\x1b[6~',
  up: '\x1b[A',
  down: '\x1b[B',
};

export type Screen = ReturnType<typeof render>;

/** Polls `check` until it holds (there is no event for "the screen shows X"), bounded. */
export async function waitFor(
  check: () => boolean,
  what: string,
  timeoutMs = 10_000,
  describe: () => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function waitForScreen(screen: Screen, text: string | RegExp, timeoutMs?: number) {
  const has = () => {
    const frame = screen.lastFrame() ?? '';
    return typeof text === 'string' ? frame.includes(text) : text.test(frame);
  };
  return waitFor(
    has,
    `the screen to show ${String(text)}`,
    timeoutMs,
    () => screen.lastFrame() ?? '',
  );
}

/**
 * Waits until the app reads input (Ink attaches its stdin listener in an effect after the first
 * render), then lets everything already queued run: Ink renders in React's legacy mode, so a key
 * is handled and drawn synchronously when it is written, and one turn of the event loop flushes
 * the effects and client requests it started. An order, not a clock.
 */
export async function settle(screen?: Screen): Promise<void> {
  if (screen) {
    await waitFor(() => screen.stdin.listenerCount('readable') > 0, 'the app to read input');
  }
  await new Promise((resolve) => setImmediate(resolve));
}

/** Types text, then (optionally) Enter, as separate reads like a terminal would deliver. */
export async function type(screen: Screen, text: string, enter = true): Promise<void> {
  await settle(screen);
  screen.stdin.write(text);
  await settle(screen);
  if (enter) {
    screen.stdin.write(KEYS.enter);
    await settle(screen);
  }
}

export function renderApp(
  controller: TuiController,
  size: { columns: number; rows: number } = { columns: 80, rows: 24 },
): Screen {
  return render(createElement(App, { controller, columns: size.columns, rows: size.rows }));
}

/** Every message the client sent, parsed (to check the decisions a key sent). */
function recording(transport: MessageTransport, sent: Record<string, unknown>[]): MessageTransport {
  return {
    send: (text) => {
      sent.push(JSON.parse(text) as Record<string, unknown>);
      return transport.send(text);
    },
    onMessage: (h) => transport.onMessage(h),
    onClose: (h) => transport.onClose(h),
    onDrain: (h) => transport.onDrain(h),
    close: (reason) => transport.close(reason),
  };
}

export type Harness = {
  mock: MockModel;
  repo: string;
  home: string;
  client: YokeClient;
  controller: TuiController;
  screen: Screen;
  /** What the client sent, in order. */
  sent: Record<string, unknown>[];
  /** The answers the client gave to server requests. */
  answers: () => { id: unknown; result: unknown }[];
};

/** A real App Server in this process with the mock model, the TUI on it, a thread open. */
export async function startHarness(
  t: TestContext,
  script: MockScript,
  options: {
    files?: Record<string, string>;
    config?: string[];
    rows?: number;
    columns?: number;
    deps?: ControllerDeps;
  } = {},
): Promise<Harness> {
  const mock = await startMockModel(script);
  t.after(() => mock.close());
  const repo = tempRepo(options.files ?? {}, t);
  const home = tempDir('home', t);
  const env = { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'test-key' };
  const config = loadConfig({ env, cwd: repo, overrides: options.config ?? [] });
  // The TUI's own set-up (connectInProcess), with the client's traffic recorded.
  const host = startAppServerHost({ config });
  const sent: Record<string, unknown>[] = [];
  const client = await host.connect(
    { name: 'tui-test', version: '0' },
    { log: () => {}, wrap: (transport) => recording(transport, sent) },
  );
  const controller = new TuiController(
    client,
    { cwd: repo },
    { runShell: runLocalShell, gitDiff, ...options.deps },
  );
  await controller.startThread();
  const screen = renderApp(controller, {
    columns: options.columns ?? 80,
    rows: options.rows ?? 24,
  });
  t.after(async () => {
    screen.unmount();
    await host.close();
  });
  await settle(screen);
  const answers = () =>
    sent
      .filter((m) => 'result' in m && !('method' in m))
      .map((m) => ({ id: m.id, result: m.result }));
  return { mock, repo, home, client, controller, screen, sent, answers };
}

type Handler = (params: unknown) => unknown;

/** A connection the test drives: it answers requests from a table and records them. */
export class FakeConnection implements TuiConnection {
  readonly requests: { method: string; params: unknown }[] = [];
  private readonly notificationHandlers = new Set<(n: ServerNotification) => void>();
  private readonly serverRequestHandlers = new Map<string, Handler>();

  constructor(private readonly answers: Partial<Record<ClientRequestMethod, Handler>> = {}) {}

  request<M extends ClientRequestMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    this.requests.push({ method, params });
    const answer = this.answers[method];
    if (!answer) return Promise.reject(new Error(`fake: no answer for ${method}`));
    return Promise.resolve(answer(params) as ResultOf<M>);
  }

  onNotification(_method: '*', handler: (n: ServerNotification) => void): () => void {
    this.notificationHandlers.add(handler);
    return () => void this.notificationHandlers.delete(handler);
  }

  onServerRequest<M extends ServerRequestMethod>(
    method: M,
    handler: (params: ParamsOf<M>, meta: { id: RequestId }) => Promise<ResultOf<M>>,
  ): () => void {
    this.serverRequestHandlers.set(method, (params) =>
      handler(params as ParamsOf<M>, { id: this.nextServerRequestId++ }),
    );
    return () => void this.serverRequestHandlers.delete(method);
  }

  onClose(): () => void {
    return () => {};
  }

  nextServerRequestId = 0;

  notify(n: ServerNotification): void {
    for (const handler of this.notificationHandlers) handler(n);
  }

  /** Sends a server→client request; resolves with the client's answer. */
  ask<M extends ServerRequestMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>> {
    const handler = this.serverRequestHandlers.get(method);
    if (!handler) throw new Error(`fake: no handler for ${method}`);
    return handler(params) as Promise<ResultOf<M>>;
  }
}
