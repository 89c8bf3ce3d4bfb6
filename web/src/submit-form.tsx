// Submit a background task: a prompt, the repository (recent ones offered), and optionally the
// model, a blueprint (the repository's own and the built-in ones), a base ref and extra
// acceptance checks (one per line). Or start a plain chat thread on the repository.
import { useEffect, useState } from 'preact/hooks';
import type { Task } from '../../src/protocol/methods-task.ts';
import type { ResultOf } from '../../src/protocol/methods.ts';
import { threadHref } from './router.ts';
import { useModel } from './use-model.ts';

const RECENT_KEY = 'yoke.recentRepos';
const OLD_KEY = 'yoke.lastRepo';
const MAX_RECENT = 8;

type Blueprints = ResultOf<'task/blueprint/list'>;

/** The repositories used here before, most recent first (kept in this browser). */
export function recentRepos(): string[] {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]') as unknown;
    if (Array.isArray(list)) return list.filter((r): r is string => typeof r === 'string');
  } catch {
    // A damaged entry is forgotten.
  }
  const old = localStorage.getItem(OLD_KEY);
  return old ? [old] : [];
}

function remember(repo: string): void {
  const list = [repo, ...recentRepos().filter((r) => r !== repo)].slice(0, MAX_RECENT);
  localStorage.setItem(RECENT_KEY, JSON.stringify(list));
}

export function SubmitForm({ onSubmitted }: { onSubmitted: (task: Task) => void }) {
  const model = useModel();
  const [recent, setRecent] = useState(recentRepos);
  const [prompt, setPrompt] = useState('');
  const [repo, setRepo] = useState(() => recent[0] ?? '');
  const [baseRef, setBaseRef] = useState('');
  const [checks, setChecks] = useState('');
  const [blueprint, setBlueprint] = useState('');
  const [modelName, setModelName] = useState('');
  const [blueprints, setBlueprints] = useState<Blueprints | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // The repository's blueprints, once its path looks complete (absolute) and we are connected.
  const repoPath = repo.trim();
  useEffect(() => {
    setBlueprints(null);
    if (model.connection !== 'open' || !repoPath.startsWith('/')) return;
    let current = true;
    const timer = setTimeout(() => {
      model.request('task/blueprint/list', { repo: repoPath }).then(
        (list) => current && setBlueprints(list),
        () => current && setBlueprints(null), // not a repository (yet): submit says why
      );
    }, 250);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [repoPath, model.connection]);

  const used = () => {
    remember(repoPath);
    setRecent(recentRepos());
  };
  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const lines = checks
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const { task } = await model.request('task/submit', {
        prompt: prompt.trim(),
        repo: repoPath,
        ...(baseRef.trim() ? { baseRef: baseRef.trim() } : {}),
        ...(lines.length ? { checks: lines } : {}),
        ...(blueprint ? { blueprint } : {}),
        ...(modelName.trim() ? { model: modelName.trim() } : {}),
      });
      used();
      setPrompt('');
      onSubmitted(task);
    });
  };

  /** A plain conversation on the repository: a thread there, the prompt as its first message. */
  const chat = () =>
    void run(async () => {
      if (!repoPath) throw new Error('Name the repository to chat about.');
      const { thread } = await model.request('thread/start', {
        cwd: repoPath,
        ...(modelName.trim() ? { model: modelName.trim() } : {}),
      });
      if (prompt.trim()) {
        await model.request('turn/start', {
          threadId: thread.id,
          input: [{ type: 'text', text: prompt.trim() }],
        });
      }
      used();
      setPrompt('');
      location.hash = threadHref(thread.id);
    });

  return (
    <form class="submit-form card" onSubmit={submit} data-testid="submit-form">
      <h2>New task</h2>
      <label>
        What should the agent do?
        <textarea
          name="prompt"
          rows={3}
          value={prompt}
          onInput={(e) => setPrompt(e.currentTarget.value)}
          placeholder="Make the failing test in test/parse.test.ts pass"
        />
      </label>
      <label>
        Repository (absolute path)
        <input
          name="repo"
          required
          list="recent-repos"
          autocomplete="off"
          value={repo}
          onInput={(e) => setRepo(e.currentTarget.value)}
          placeholder="/home/me/src/project"
        />
        <datalist id="recent-repos" data-testid="recent-repos">
          {recent.map((r) => (
            <option key={r} value={r} />
          ))}
        </datalist>
      </label>
      <div class="row">
        <label>
          Model
          <input
            name="model"
            list="model-names"
            autocomplete="off"
            value={modelName}
            onInput={(e) => setModelName(e.currentTarget.value)}
            placeholder={model.models[0] ?? 'default'}
          />
          <datalist id="model-names">
            {model.models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </label>
        <label>
          Blueprint
          <select
            name="blueprint"
            value={blueprint}
            onChange={(e) => setBlueprint(e.currentTarget.value)}
          >
            <option value="">
              {blueprints ? `${blueprints.defaultName} (the repository's default)` : 'default'}
            </option>
            {(blueprints?.data ?? []).map((b) => (
              <option key={b.name} value={b.name} title={b.description ?? ''}>
                {b.name}
                {b.source === 'repository' ? ' (this repository)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Base ref
          <input
            name="baseRef"
            value={baseRef}
            onInput={(e) => setBaseRef(e.currentTarget.value)}
            placeholder="HEAD"
          />
        </label>
      </div>
      <label>
        Checks (one command per line, after the repository's own)
        <textarea
          name="checks"
          rows={2}
          value={checks}
          onInput={(e) => setChecks(e.currentTarget.value)}
          placeholder="npm test"
        />
      </label>
      {error && (
        <div class="error" role="alert">
          {error}
        </div>
      )}
      <div class="buttons">
        <button
          type="submit"
          class="primary"
          disabled={busy || model.connection !== 'open' || !prompt.trim()}
        >
          {busy ? 'Working…' : 'Submit task'}
        </button>
        <button
          type="button"
          data-testid="start-chat"
          disabled={busy || model.connection !== 'open'}
          onClick={chat}
          title="A conversation with the agent in this repository, not a background task"
        >
          Chat in this repository
        </button>
      </div>
    </form>
  );
}
