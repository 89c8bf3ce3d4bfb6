// The exec-policy attack end to end: a real `yoke app-server` (stdio), a scripted model that
// sends every spelling of a forbidden `git push` as shell tool calls, the real sandbox, and a
// bare remote inside the workspace that the sandboxed agent can reach. The control shows the
// push really lands there without the rule; with it, nothing is pushed in any mode, nothing runs
// without a question except what the policy forbids outright, and `never` asks nothing.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { commandLine } from '../src/protocol/command-line.ts';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { CodexDriver, type Json } from './support/codex-driver.ts';
import { MORE, NO_PROMPT, PUSH, SPELLINGS, type Spelling } from './support/exec-policy-attacks.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';

const FORBID_PUSH = '[[rule]]\nprefix = ["git", "push"]\ndecision = "forbidden"\n';

/** A script as the items and questions carry it: the argv that runs, shell-quoted (Codex's form). */
const wire = (script: string) => commandLine(['bash', '-c', script]);

type Outcome = { refs: string; asked: string[]; statuses: Map<string, string> };

async function attack(
  t: TestContext,
  mode: 'never' | 'untrusted',
  spellings: readonly Spelling[],
  rules: string | null,
): Promise<Outcome> {
  const mock = await startMockModel([
    ...spellings.map((s, i) => toolCall('shell', { command: s.script }, { callId: `call_${i}` })),
    text('done'),
  ]);
  t.after(() => mock.close());
  const repo = tempRepo({ 'a.txt': 'a\n', 'b.txt': 'b\n' }, t);
  execFileSync('git', ['init', '-q', '--bare', 'remote.git'], { cwd: repo });
  execFileSync('git', ['remote', 'add', 'origin', './remote.git'], { cwd: repo });
  const home = tempDir('home', t);
  if (rules !== null) {
    mkdirSync(join(home, 'rules'));
    writeFileSync(join(home, 'rules', 'default.toml'), rules);
  }
  const { driver } = CodexDriver.stdio(yokeEnv(mock.url, home), repo);
  t.after(() => driver.close());
  await driver.initialize();
  const asked: string[] = [];
  driver.onServerRequest = (request) => {
    asked.push(String((request.params as Json).command));
    return { decision: 'decline' };
  };
  const started = await driver.request('thread/start', {
    cwd: repo,
    approvalPolicy: mode,
    sandbox: 'workspace-write',
  });
  const threadId = (started.thread as Json).id as string;
  await driver.request('turn/start', {
    threadId,
    input: [{ type: 'text', text: 'push it', text_elements: [] }],
  });
  const done = await driver.waitFor('turn/completed', (p) => p.threadId === threadId);
  assert.equal((done.turn as Json).status, 'completed');
  const statuses = new Map<string, string>();
  for (const n of driver.notifications) {
    const item = (n.params as Json | undefined)?.item as Json | undefined;
    if (n.method === 'item/completed' && item?.type === 'commandExecution')
      statuses.set(item.command as string, item.status as string);
  }
  const refs = execFileSync('git', ['for-each-ref'], {
    cwd: join(repo, 'remote.git'),
    encoding: 'utf8',
  });
  return { refs, asked, statuses };
}

test('control: without the rule, the sandboxed agent really pushes to the bare remote', async (t) => {
  const { refs, statuses } = await attack(
    t,
    'never',
    [{ name: 'plain', script: PUSH, see: true }],
    null,
  );
  assert.match(refs, /refs\/heads\/main/);
  assert.notEqual(statuses.get(wire(PUSH)), 'declined');
});

test('never: every spelling is refused without a question and nothing is pushed', async (t) => {
  const all = [...SPELLINGS, ...NO_PROMPT, ...MORE];
  const { refs, asked, statuses } = await attack(t, 'never', all, FORBID_PUSH);
  assert.equal(refs, '', 'something was pushed');
  assert.deepEqual(asked, []);
  for (const s of all) assert.equal(statuses.get(wire(s.script)), 'declined', s.name);
});

test('untrusted: what is seen is refused, the rest is asked (and declined); nothing is pushed', async (t) => {
  const all = [...NO_PROMPT, ...SPELLINGS];
  const { refs, asked, statuses } = await attack(t, 'untrusted', all, FORBID_PUSH);
  assert.equal(refs, '', 'something was pushed');
  assert.deepEqual(
    asked,
    all.filter((s) => !s.see).map((s) => wire(s.script)),
  );
  for (const s of all) assert.equal(statuses.get(wire(s.script)), 'declined', s.name);
});
