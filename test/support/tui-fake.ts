// A TUI on a fake App Server connection (the test feeds notifications and questions by hand)
// with a clock the test moves: every intermediate screen is deterministic.
import type { ResultOf, ServerNotification } from '../../src/protocol/methods.ts';
import type { Thread } from '../../src/protocol/thread.ts';
import { ManualClock } from '../../src/surfaces/tui/clock.ts';
import { TuiController } from '../../src/surfaces/tui/controller.ts';
import type { ControllerDeps } from '../../src/surfaces/tui/state.ts';
import { FakeConnection, renderApp, settle, type Screen } from './tui.ts';

export const THREAD = 'thread-1';
export const TURN = 'turn-1';
export const base = { threadId: THREAD, turnId: TURN };
/** Where the test's clock starts. */
export const NOW_MS = 1_700_000_000_000;

export function fakeThread(id: string, turns: Thread['turns'] = [], extra: Partial<Thread> = {}) {
  const thread: Thread = {
    id,
    sessionId: id,
    forkedFromId: null,
    preview: '',
    ephemeral: false,
    modelProvider: 'openai',
    model: 'gpt-test',
    createdAt: 0,
    updatedAt: 0,
    status: { type: 'idle' },
    path: null,
    cwd: '/work/repo',
    cliVersion: '0',
    source: 'appServer',
    name: null,
    projectId: null,
    turns,
    ...extra,
  };
  return thread;
}

export function fakeOpened(id = THREAD, turns: Thread['turns'] = []): ResultOf<'thread/start'> {
  return {
    thread: fakeThread(id, turns),
    model: 'gpt-test',
    modelProvider: 'openai',
    cwd: '/work/repo',
    approvalPolicy: 'untrusted',
    approvalsReviewer: 'user',
    sandbox: { type: 'workspaceWrite' },
    reasoningEffort: null,
    instructionSources: [],
  };
}

type Answers = ConstructorParameters<typeof FakeConnection>[0];

export async function fakeTui(
  t: { after: (fn: () => void) => void },
  options: { rows?: number; columns?: number; answers?: Answers; deps?: ControllerDeps } = {},
) {
  const clock = new ManualClock(NOW_MS);
  const connection = new FakeConnection({
    'thread/start': () => fakeOpened(),
    'turn/start': () => ({ turn: { id: TURN, items: [], status: 'inProgress' } }),
    'turn/interrupt': () => ({}),
    ...options.answers,
  });
  const controller = new TuiController(
    connection,
    { cwd: '/work/repo' },
    { clock, keyStatus: 'OPENAI_API_KEY is set', ...options.deps },
  );
  await controller.startThread();
  const screen = renderApp(controller, {
    columns: options.columns ?? 80,
    rows: options.rows ?? 24,
  });
  t.after(() => screen.unmount());
  await settle();
  const send = (n: ServerNotification) => connection.notify(n);
  return { clock, connection, controller, screen, send, frame: () => frameOf(screen) };
}

export function frameOf(screen: Screen): string {
  return screen.lastFrame() ?? '';
}
