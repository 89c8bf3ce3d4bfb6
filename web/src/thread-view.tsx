// One thread, live: its turns and items as they stream, the plan, token use and cache hits,
// the approvals it waits for, and a box to send the next message (or steer the running turn).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApprovalCard } from './approval-card.tsx';
import { duration } from './format.ts';
import { ItemView } from './item-view.tsx';
import type { ThreadView as ThreadState } from '../../src/client/thread-view.ts';
import { useModel } from './use-model.ts';
import { UsageView } from './usage-view.tsx';

export function ThreadView({ id }: { id: string }) {
  const model = useModel();
  useEffect(() => model.watchThread(id), [id]);
  const view = model.threads.get(id);
  const approvals = model.approvals.filter((a) => a.threadId === id);
  const follow = useFollow(id);

  if (!view?.thread) {
    return <div class="card">{model.lastError ?? 'Loading thread…'}</div>;
  }
  const { thread } = view;
  const running = view.turns.find((t) => t.status === 'inProgress');
  return (
    <div class="thread-page" data-testid="thread-view" data-thread-id={id}>
      <div class="card">
        <div class="title-row">
          <h1>{thread.name ?? (thread.preview || 'Thread')}</h1>
          <span class={`pill ${statusClass(view)}`} data-testid="thread-status">
            {statusText(view)}
          </span>
        </div>
        <div class="facts">
          <span>{thread.id}</span>
          <span>{thread.cwd}</span>
          <span>
            {thread.modelProvider} {thread.model ?? ''}
          </span>
        </div>
        <UsageView usage={view.usage} />
      </div>

      {view.plan && (
        <div class="card plan-card">
          <h2>Plan</h2>
          {view.plan.explanation && <div class="muted">{view.plan.explanation}</div>}
          <ol>
            {view.plan.steps.map((s, i) => (
              <li key={i} class={`step-${s.status}`}>
                {s.step}
              </li>
            ))}
          </ol>
        </div>
      )}

      <div class="turns">
        {view.turns.map((turn, index) => (
          <section class={`turn turn-${turn.status}`} key={turn.id}>
            <div class="turn-head muted">
              turn {index + 1} · {turn.status === 'inProgress' ? 'running' : turn.status}
              {turn.durationMs != null && ` · ${duration(turn.durationMs)}`}
            </div>
            {turn.items.map((item) => (
              <ItemView
                key={item.id}
                item={item}
                live={view.live.has(item.id)}
                cwd={thread.cwd}
                awaiting={view.approvals.some((a) => a.params.itemId === item.id)}
                turnInterrupted={turn.status === 'interrupted'}
              />
            ))}
            {turn.notices.map((n, i) => (
              <div key={i} class="notice">
                {n}
              </div>
            ))}
            {turn.error && <div class="error">{turn.error.message}</div>}
          </section>
        ))}
      </div>

      {approvals.map((a) => (
        <ApprovalCard key={a.key} approval={a} thread={view} />
      ))}

      <Composer threadId={id} runningTurnId={running?.id ?? null} />
      {!follow.following && (
        <button type="button" class="jump-latest" data-testid="jump-latest" onClick={follow.jump}>
          ↓ Jump to latest
        </button>
      )}
    </div>
  );
}

const NEAR_BOTTOM_PX = 48;

function nearBottom(): boolean {
  const doc = document.documentElement;
  return innerHeight + scrollY >= doc.scrollHeight - NEAR_BOTTOM_PX;
}

function toBottom(): void {
  scrollTo({ top: document.documentElement.scrollHeight, behavior: 'instant' });
}

/**
 * Follows the stream while the reader is at the bottom of the page: each render that grows it
 * scrolls down. Scrolling up stops that (and offers a button back); reaching the bottom again,
 * by hand or with the button, resumes it.
 */
function useFollow(threadId: string) {
  const following = useRef(true);
  const [shown, setShown] = useState(true);
  useEffect(() => {
    following.current = true;
    setShown(true);
    const onScroll = () => {
      const bottom = nearBottom();
      following.current = bottom;
      setShown(bottom);
    };
    addEventListener('scroll', onScroll, { passive: true });
    return () => removeEventListener('scroll', onScroll);
  }, [threadId]);
  // After every render: new items or deltas may have grown the page.
  useLayoutEffect(() => {
    if (following.current && !nearBottom()) toBottom();
  });
  return {
    following: shown,
    jump: () => {
      following.current = true;
      setShown(true);
      toBottom();
    },
  };
}

function Composer({ threadId, runningTurnId }: { threadId: string; runningTurnId: string | null }) {
  const model = useModel();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const send = async (event: Event) => {
    event.preventDefault();
    const input = [{ type: 'text' as const, text: text.trim() }];
    if (!input[0]!.text) return;
    setError(null);
    try {
      if (runningTurnId) {
        await model.request('turn/steer', { threadId, expectedTurnId: runningTurnId, input });
      } else {
        await model.request('turn/start', { threadId, input });
      }
      setText('');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  const stop = () =>
    runningTurnId &&
    model.request('turn/interrupt', { threadId, turnId: runningTurnId }).catch((err: unknown) => {
      setError(err instanceof Error ? err.message : String(err));
    });
  return (
    <form class="composer card" onSubmit={send}>
      <textarea
        rows={2}
        value={text}
        placeholder={runningTurnId ? 'Steer the running turn…' : 'Send a message…'}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) void send(e);
        }}
      />
      <div class="buttons">
        <button type="submit" class="primary" disabled={model.connection !== 'open'}>
          {runningTurnId ? 'Steer' : 'Send'}
        </button>
        {runningTurnId && (
          <button type="button" class="danger" onClick={stop}>
            Stop
          </button>
        )}
      </div>
      {error && <div class="error">{error}</div>}
    </form>
  );
}

function statusText(view: ThreadState): string {
  const s = view.status;
  if (s.type !== 'active') return s.type === 'notLoaded' ? 'stored' : s.type;
  return s.activeFlags.includes('waitingOnApproval') ? 'awaiting approval' : 'running';
}

function statusClass(view: ThreadState): string {
  const s = view.status;
  if (s.type !== 'active') return s.type === 'systemError' ? 'failed' : 'idle';
  return s.activeFlags.includes('waitingOnApproval') ? 'waiting_approval' : 'running';
}
