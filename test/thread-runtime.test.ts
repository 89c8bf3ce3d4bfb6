// The runtime in-process: steering, approvals through the broker, fork, list, read, archive.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import type { SessionEvent, ThreadSession } from '../src/runtime/thread-session.ts';
import type { PendingApproval } from '../src/runtime/approvals.ts';
import { tempDir, tempRepo } from './support/cli.ts';
import { hang, startMockModel, text, toolCall, type MockScript } from './support/mock-model.ts';

async function setup(t: TestContext, script: MockScript) {
  const mock = await startMockModel(script);
  const home = tempDir('home', t);
  const repo = tempRepo({ 'a.txt': 'a\n' }, t);
  const config = loadConfig({
    env: { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' },
    cwd: repo,
  });
  const manager = new ThreadManager({ config });
  t.after(async () => {
    manager.close();
    await mock.close();
  });
  return { mock, repo, manager };
}

function nextApproval(session: ThreadSession): Promise<PendingApproval> {
  return new Promise((resolve) => {
    const off = session.subscribe((e: SessionEvent) => {
      if (e.type === 'approvalRequested') {
        off();
        resolve(e.approval);
      }
    });
  });
}

const text0 = (input: unknown) => JSON.stringify(input);

test('steering while the model streams restarts the request with the new input appended', async (t) => {
  const { mock, repo, manager } = await setup(t, [hang(), text('steered answer')]);
  const session = manager.startThread({ cwd: repo });
  const { turnId, done } = session.startTurn([{ type: 'text', text: 'first' }]);
  await mock.waitForRequests(1);
  assert.equal(session.steer([{ type: 'text', text: 'actually, do this' }], turnId), turnId);
  const result = await done;
  assert.equal(result.status, 'completed');
  assert.equal(result.lastMessage, 'steered answer');
  await mock.waitForClientClose(1);
  const [first, second] = mock.requests;
  assert.ok(second!.body.startsWith(first!.body.slice(0, first!.body.lastIndexOf(']'))));
  assert.match(text0((second!.json as { input: unknown[] }).input.at(-1)), /actually, do this/);
  assert.throws(() => session.steer([{ type: 'text', text: 'late' }], turnId), /no running turn/);
});

test('approvals: accept, decline, acceptForSession, cancel — each recorded for audit', async (t) => {
  const { mock, repo, manager } = await setup(t, [
    toolCall('shell', { command: 'touch accepted.txt' }),
    toolCall('shell', { command: 'touch declined.txt' }),
    toolCall('shell', { command: 'touch session.txt' }),
    toolCall('shell', { command: 'touch session.txt' }),
    text('done'),
    toolCall('apply_patch', {
      input: '*** Begin Patch\n*** Add File: never.txt\n+x\n*** End Patch',
    }),
  ]);
  const session = manager.startThread({ cwd: repo, approvalPolicy: 'untrusted' });
  const statuses: string[] = [];
  session.subscribe((e) => {
    if (e.type === 'notification' && e.notification.method === 'thread/status/changed') {
      const s = e.notification.params.status;
      statuses.push(s.type === 'active' ? `active[${s.activeFlags.join(',')}]` : s.type);
    }
  });
  const { done } = session.startTurn([{ type: 'text', text: 'go' }]);
  const a1 = await nextApproval(session);
  assert.equal(a1.method, 'item/commandExecution/requestApproval');
  assert.equal(a1.params.itemId, 'call_1');
  assert.equal((a1.params as { command: string }).command, "bash -c 'touch accepted.txt'");
  assert.deepEqual(
    session.pendingApprovals.map((p) => p.id),
    [a1.id],
  );
  session.resolveApproval(a1.id, 'accept', 'conn-1');
  assert.throws(() => session.resolveApproval(a1.id, 'decline', 'conn-2'), /not pending/);
  const a2 = await nextApproval(session);
  session.resolveApproval(a2.id, 'decline', 'conn-2');
  const a3 = await nextApproval(session);
  session.resolveApproval(a3.id, 'acceptForSession', 'conn-1');
  const result = await done;
  assert.equal(result.status, 'completed');
  assert.ok(existsSync(join(repo, 'accepted.txt')));
  assert.ok(!existsSync(join(repo, 'declined.txt')));
  assert.ok(existsSync(join(repo, 'session.txt')));
  assert.match(text0(mock.requests[2]!.json), /The user declined to run this command/);
  assert.ok(statuses.includes('active[waitingOnApproval]'));
  assert.equal(statuses.at(-1), 'idle');

  // cancel stops the whole turn; nothing is written.
  const second = session.startTurn([{ type: 'text', text: 'patch it' }]);
  const a4 = await nextApproval(session);
  assert.equal(a4.method, 'item/fileChange/requestApproval');
  assert.match(a4.changes![0]!.diff, /\+x/);
  session.resolveApproval(a4.id, 'cancel', 'conn-1');
  assert.equal((await second.done).status, 'interrupted');
  assert.ok(!existsSync(join(repo, 'never.txt')));

  const audit = manager.store.events(session.id).filter((e) => e.kind === 'approval');
  assert.deepEqual(
    audit.map((e) => [(e.data as { decision: unknown }).decision, (e.data as { by: string }).by]),
    [
      ['accept', 'conn-1'],
      ['decline', 'conn-2'],
      ['acceptForSession', 'conn-1'],
      ['cancel', 'conn-1'],
    ],
  );
});

test('applyNetworkPolicyAmendment: allow runs the command, deny declines it', async (t) => {
  const { mock, repo, manager } = await setup(t, [
    toolCall('shell', { command: 'touch allowed.txt' }),
    toolCall('shell', { command: 'touch denied.txt' }),
    text('done'),
  ]);
  const session = manager.startThread({ cwd: repo, approvalPolicy: 'untrusted' });
  const { done } = session.startTurn([{ type: 'text', text: 'go' }]);
  const amendment = (action: 'allow' | 'deny') => ({
    applyNetworkPolicyAmendment: { network_policy_amendment: { host: 'example.com', action } },
  });
  session.resolveApproval((await nextApproval(session)).id, amendment('allow'), 'conn-1');
  session.resolveApproval((await nextApproval(session)).id, amendment('deny'), 'conn-1');
  assert.equal((await done).status, 'completed');
  assert.ok(existsSync(join(repo, 'allowed.txt')));
  assert.ok(!existsSync(join(repo, 'denied.txt')));
  assert.match(text0(mock.requests[2]!.json), /The user declined to run this command/);
});

test('an interrupt while an approval is pending cancels it and ends the turn', async (t) => {
  const { repo, manager } = await setup(t, [toolCall('shell', { command: 'rm -rf x' })]);
  const session = manager.startThread({ cwd: repo, approvalPolicy: 'untrusted' });
  const resolved: string[] = [];
  session.subscribe((e) => e.type === 'approvalResolved' && resolved.push(String(e.decision)));
  const { done } = session.startTurn([{ type: 'text', text: 'go' }]);
  await nextApproval(session);
  session.interrupt();
  assert.equal((await done).status, 'interrupted');
  assert.deepEqual(resolved, ['cancel']);
  assert.equal(session.pendingApprovals.length, 0);
});

test('fork copies a prefix; list pages, filters and searches; read, name and archive work', async (t) => {
  const { mock, repo, manager } = await setup(t, [
    text('one'),
    text('two'),
    text('forked'),
    text('x'),
  ]);
  const session = manager.startThread({ cwd: repo });
  const t1 = session.startTurn([{ type: 'text', text: 'first question' }]);
  await t1.done;
  await session.startTurn([{ type: 'text', text: 'second question' }]).done;

  const fork = manager.forkThread(session.id, { lastTurnId: t1.turnId });
  assert.notEqual(fork.id, session.id);
  assert.equal(fork.toThread().forkedFromId, session.id);
  assert.equal(fork.turns.length, 1);
  await fork.startTurn([{ type: 'text', text: 'fork question' }]).done;
  // The fork's history extends the first turn's, not the second's (its cache key is its own id).
  const input = (i: number) => (mock.requests[i]!.json as { input: unknown[] }).input;
  assert.deepEqual(input(2).slice(0, input(0).length), input(0));
  assert.equal((mock.requests[2]!.json as { prompt_cache_key: string }).prompt_cache_key, fork.id);
  assert.doesNotMatch(mock.requests[2]!.body, /second question/);
  assert.throws(
    () => manager.forkThread(session.id, { lastTurnId: 'nope' }),
    /no completed turn nope/,
  );

  const other = manager.startThread({ cwd: tempDir('elsewhere', t) });
  await other.startTurn([{ type: 'text', text: 'unrelated' }]).done;
  session.setName('My thread');

  const page1 = manager.listThreads({ limit: 2 });
  assert.equal(page1.data.length, 2);
  assert.ok(page1.nextCursor);
  const page2 = manager.listThreads({ limit: 2, cursor: page1.nextCursor! });
  const ids = [...page1.data, ...page2.data].map((th) => th.id);
  assert.equal(new Set(ids).size, 3);
  assert.equal(page2.nextCursor, null);
  assert.deepEqual(
    manager
      .listThreads({ cwd: repo })
      .data.map((th) => th.id)
      .sort(),
    [session.id, fork.id].sort(),
  );
  assert.deepEqual(
    manager.listThreads({ searchTerm: 'My thr' }).data.map((th) => th.id),
    [session.id],
  );
  assert.throws(() => manager.listThreads({ cursor: 'garbage' }), /invalid cursor/);

  manager.setArchived(other.id, true);
  assert.ok(!manager.listThreads({}).data.some((th) => th.id === other.id));
  assert.deepEqual(
    manager.listThreads({ archived: true }).data.map((th) => th.id),
    [other.id],
  );

  const read = manager.readThread(session.id, true);
  assert.equal(read.name, 'My thread');
  assert.equal(read.turns.length, 2);
  assert.deepEqual(
    read.turns[0]!.items.map((i) => i.type),
    ['userMessage', 'agentMessage'],
  );
  assert.throws(() => manager.readThread('missing', false), /no thread missing/);
});

test('thread/list sorts by the updatedAt it returns, loaded or not; read agrees', async (t) => {
  const { repo, manager } = await setup(t, [text('one'), text('two')]);
  const older = manager.startThread({ cwd: repo });
  const newer = manager.startThread({ cwd: repo });
  await older.startTurn([{ type: 'text', text: 'first' }]).done;
  await newer.startTurn([{ type: 'text', text: 'second' }]).done;
  const loaded = manager.listThreads({ limit: 10 }).data;
  assert.deepEqual(
    loaded.map((th) => th.id),
    [newer.id, older.id],
  );
  for (let i = 1; i < loaded.length; i++)
    assert.ok(loaded[i - 1]!.updatedAt >= loaded[i]!.updatedAt, 'sorted by what it returns');
  // The same thread object, whether it comes from the session or from the stored row.
  manager.close();
  const again = new ThreadManager({ config: manager.config });
  t.after(() => again.close());
  const stored = again.listThreads({ limit: 10 }).data;
  assert.deepEqual(
    stored,
    loaded.map((th) => ({ ...th, status: { type: 'notLoaded' } })),
  );
  assert.deepEqual(again.readThread(older.id, false), stored[1]);
});
