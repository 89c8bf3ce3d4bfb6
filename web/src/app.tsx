// The page: a header (connection state, approvals waiting) and the page the hash names.
import { useEffect, useReducer } from 'preact/hooks';
import { Board } from './board.tsx';
import { McpView } from './mcp-view.tsx';
import { useRoute } from './router.ts';
import { TaskView } from './task-view.tsx';
import { ThreadView } from './thread-view.tsx';
import { useModel } from './use-model.ts';

const CONNECTION_TEXT = {
  connecting: 'connecting…',
  open: 'connected',
  reconnecting: 'reconnecting…',
  loggedOut: 'logged out',
} as const;

export function App() {
  const model = useModel();
  const route = useRoute();
  // Relative times ("12 s ago") move on even when nothing else changes.
  const [, tick] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const timer = setInterval(() => tick(undefined), 15_000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    const waiting = model.approvals.length;
    document.title = waiting > 0 ? `(${waiting}) Yoke` : 'Yoke';
  });

  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          Yoke
        </a>
        <nav>
          <a href="#/" class={route.page === 'board' ? 'active' : ''}>
            Tasks
          </a>
          <a href="#/mcp" class={route.page === 'mcp' ? 'active' : ''}>
            MCP
          </a>
        </nav>
        <span class="spacer" />
        {model.approvals.length > 0 && (
          <a class="badge-approvals" href="#/" data-testid="approvals-badge">
            {model.approvals.length} waiting for approval
          </a>
        )}
        <span class={`conn conn-${model.connection}`} data-testid="connection">
          {CONNECTION_TEXT[model.connection]}
        </span>
      </header>
      {model.lastError && model.connection !== 'open' && (
        <div class="banner" data-testid="connection-problem">
          {model.lastError}
        </div>
      )}
      {model.credentialsProblem && (
        <div class="banner" data-testid="credentials-banner">
          {model.credentialsProblem}
        </div>
      )}
      <main>
        {route.page === 'board' && <Board />}
        {route.page === 'task' && <TaskView id={route.id} />}
        {route.page === 'thread' && <ThreadView id={route.id} />}
        {route.page === 'mcp' && <McpView />}
        {route.page === 'missing' && <div class="card">Nothing at {route.hash}.</div>}
      </main>
    </>
  );
}
