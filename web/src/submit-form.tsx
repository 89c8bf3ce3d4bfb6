// Submit a background task: a prompt, the repository, and optionally a base ref, extra
// acceptance checks (one per line) and a blueprint.
import { useState } from 'preact/hooks';
import type { Task } from '../../src/protocol/methods-task.ts';
import { useModel } from './use-model.ts';

const REPO_KEY = 'yoke.lastRepo';

export function SubmitForm({ onSubmitted }: { onSubmitted: (task: Task) => void }) {
  const model = useModel();
  const [prompt, setPrompt] = useState('');
  const [repo, setRepo] = useState(() => localStorage.getItem(REPO_KEY) ?? '');
  const [baseRef, setBaseRef] = useState('');
  const [checks, setChecks] = useState('');
  const [blueprint, setBlueprint] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const lines = checks
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const { task } = await model.request('task/submit', {
        prompt: prompt.trim(),
        repo: repo.trim(),
        ...(baseRef.trim() ? { baseRef: baseRef.trim() } : {}),
        ...(lines.length ? { checks: lines } : {}),
        ...(blueprint.trim() ? { blueprint: blueprint.trim() } : {}),
      });
      localStorage.setItem(REPO_KEY, repo.trim());
      setPrompt('');
      onSubmitted(task);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="submit-form card" onSubmit={submit} data-testid="submit-form">
      <h2>New task</h2>
      <label>
        What should the agent do?
        <textarea
          name="prompt"
          rows={3}
          required
          value={prompt}
          onInput={(e) => setPrompt(e.currentTarget.value)}
          placeholder="Make the failing test in test/parse.test.ts pass"
        />
      </label>
      <div class="row">
        <label class="grow">
          Repository (absolute path)
          <input
            name="repo"
            required
            value={repo}
            onInput={(e) => setRepo(e.currentTarget.value)}
            placeholder="/home/me/src/project"
          />
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
        <label>
          Blueprint
          <input
            name="blueprint"
            value={blueprint}
            onInput={(e) => setBlueprint(e.currentTarget.value)}
            placeholder="default"
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
      <button type="submit" class="primary" disabled={busy || model.connection !== 'open'}>
        {busy ? 'Submitting…' : 'Submit task'}
      </button>
    </form>
  );
}
