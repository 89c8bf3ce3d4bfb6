// The methods a Codex client (the real Codex TUI) calls at start-up and on resume, over an App
// Server connection: account/read, config/read with origins and layers, configRequirements/read,
// skills/list from SKILL.md files, hooks/list, collaborationMode/list, plugin/installed,
// thread/list with Codex's sortKey, thread/turns/list and thread/items/list pages,
// thread/readState/update, thread/goal/get, thread/backgroundTerminals/list and
// thread/resume's initialTurnsPage. Results are validated against the method table.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { startAppServerHost } from '../src/surfaces/app-server-host.ts';
import { tempDir, tempRepo } from './support/cli.ts';
import { startMockModel, text, type MockScript } from './support/mock-model.ts';

async function setUp(t: TestContext, script: MockScript, userToml = '', projectToml = '') {
  const mock = await startMockModel(script);
  t.after(() => mock.close());
  const repo = tempRepo({ 'a.txt': 'a\n' }, t);
  const home = tempDir('home', t);
  if (userToml) writeFileSync(join(home, 'config.toml'), userToml);
  if (projectToml) {
    mkdirSync(join(repo, '.yoke'), { recursive: true });
    writeFileSync(join(repo, '.yoke', 'config.toml'), projectToml);
  }
  const env = { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' };
  const config = loadConfig({ env, cwd: repo, overrides: ['command_timeout_ms=5000'] });
  const host = startAppServerHost({ config });
  t.after(() => host.close());
  const client = await host.connect(
    { name: 'codex_methods_test', version: '0' },
    { validate: true },
  );
  return { client, repo, home, mock };
}

const input = (words: string) => [{ type: 'text' as const, text: words, text_elements: [] }];

test('account, config with origins, requirements', { timeout: 20_000 }, async (t) => {
  const { client, repo, home } = await setUp(
    t,
    [],
    'model = "m-user"\nsandbox_mode = "read-only"\n[sandbox_workspace_write]\nnetwork_access = false\n',
    'model = "m-project"\n',
  );
  // An API key on a non-OpenAI endpoint: an account, and no OpenAI login needed.
  assert.deepEqual(await client.request('account/read', {}), {
    account: { type: 'apiKey' },
    requiresOpenaiAuth: false,
  });

  const read = await client.request('config/read', { includeLayers: true, cwd: '.' });
  assert.equal(read.config.model, 'm-project');
  assert.equal(read.config.sandbox_mode, 'read-only');
  assert.equal(read.config.approval_policy, 'never', 'the resolved default is shown');
  assert.deepEqual(read.origins.model?.name, {
    type: 'project',
    dotCodexFolder: join(repo, '.yoke'),
  });
  assert.deepEqual(read.origins.sandbox_mode?.name, {
    type: 'user',
    file: join(home, 'config.toml'),
  });
  assert.ok(read.origins['sandbox_workspace_write.network_access'], 'nested keys are dotted');
  assert.deepEqual(read.origins.command_timeout_ms?.name, { type: 'sessionFlags' });
  assert.deepEqual(
    read.layers?.map((l) => l.name.type),
    ['sessionFlags', 'sessionFlags', 'project', 'user'],
    'highest precedence first: -c, OPENAI_BASE_URL, project, user',
  );
  assert.match(read.origins.model!.version, /^sha256:[0-9a-f]{64}$/);
  const plain = await client.request('config/read', {});
  assert.equal(plain.layers, undefined, 'layers only when asked');

  assert.deepEqual(await client.request('configRequirements/read', {}), { requirements: null });
  assert.deepEqual(await client.request('account/bedrock/checkGovCloudRequirements', {}), {
    isGovCloud: false,
    shouldWarn: false,
  });
});

test('skills from SKILL.md front matter; hooks, modes, plugins', { timeout: 20_000 }, async (t) => {
  const { client, repo, home } = await setUp(t, []);
  const skill = (root: string, dir: string, body: string) => {
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, 'SKILL.md'), body);
  };
  skill(
    join(home, 'skills'),
    'pdf',
    '---\nname: pdf\ndescription: "Read PDFs"\n---\nUse pdftotext.\n',
  );
  skill(join(home, 'skills'), 'shared', '---\nname: shared\ndescription: user one\n---\n');
  skill(join(repo, '.yoke', 'skills'), 'shared', '---\nname: shared\ndescription: repo one\n---\n');
  skill(join(repo, '.yoke', 'skills'), 'broken', 'no front matter\n');
  const { data } = await client.request('skills/list', { cwds: [repo], forceReload: true });
  assert.equal(data.length, 1);
  assert.equal(data[0]!.cwd, repo);
  assert.deepEqual(
    data[0]!.skills.map((s) => [s.name, s.description, s.scope, s.enabled]),
    [
      ['pdf', 'Read PDFs', 'user', true],
      ['shared', 'repo one', 'repo', true],
    ],
  );
  assert.equal(data[0]!.skills[0]!.path, join(home, 'skills', 'pdf', 'SKILL.md'));
  assert.deepEqual(
    data[0]!.errors.map((e) => e.path),
    [join(repo, '.yoke', 'skills', 'broken', 'SKILL.md')],
  );

  assert.deepEqual(await client.request('hooks/list', { cwds: [repo] }), {
    data: [{ cwd: repo, hooks: [], warnings: [], errors: [] }],
  });
  const modes = await client.request('collaborationMode/list', {});
  assert.deepEqual(
    modes.data.map((m) => m.mode),
    ['default'],
  );
  assert.deepEqual(await client.request('plugin/installed', { cwds: [repo] }), {
    marketplaces: [],
  });
});

test(
  'turns and items a page at a time; read state; resume with a first page',
  {
    timeout: 30_000,
  },
  async (t) => {
    const { client, repo } = await setUp(t, [text('one'), text('two'), text('three')]);
    const { thread } = await client.request('thread/start', { cwd: repo });
    const turnIds: string[] = [];
    for (const words of ['first', 'second', 'third']) {
      const done = new Promise<void>((resolve) => {
        const off = client.onNotification('turn/completed', () => {
          off();
          resolve();
        });
      });
      const { turn } = await client.request('turn/start', {
        threadId: thread.id,
        input: input(words),
      });
      turnIds.push(turn.id);
      await done;
    }

    const listed = await client.request('thread/list', { sortKey: 'section_position', limit: 10 });
    assert.ok(
      listed.data.some((x) => x.id === thread.id),
      'Codex’s section_position is accepted',
    );

    // Newest first by default; summary keeps the user message and the final answer.
    const page1 = await client.request('thread/turns/list', { threadId: thread.id, limit: 2 });
    assert.deepEqual(
      page1.data.map((x) => x.id),
      [turnIds[2], turnIds[1]],
    );
    assert.equal(page1.data[0]!.itemsView, 'summary');
    assert.deepEqual(
      page1.data[0]!.items.map((i) => i.type),
      ['userMessage', 'agentMessage'],
    );
    assert.ok(page1.nextCursor);
    assert.equal(page1.backwardsCursor, null);
    const page2 = await client.request('thread/turns/list', {
      threadId: thread.id,
      limit: 2,
      cursor: page1.nextCursor,
    });
    assert.deepEqual(
      page2.data.map((x) => x.id),
      [turnIds[0]],
    );
    assert.equal(page2.nextCursor, null);
    const asc = await client.request('thread/turns/list', {
      threadId: thread.id,
      sortDirection: 'asc',
      itemsView: 'notLoaded',
    });
    assert.deepEqual(
      asc.data.map((x) => [x.id, x.items.length]),
      turnIds.map((id) => [id, 0]),
    );

    // Items: oldest first across the thread, or one turn's after an anchor.
    const items = await client.request('thread/items/list', { threadId: thread.id, limit: 4 });
    assert.deepEqual(
      items.data.map((e) => [e.turnId, e.item.type]),
      [
        [turnIds[0], 'userMessage'],
        [turnIds[0], 'agentMessage'],
        [turnIds[1], 'userMessage'],
        [turnIds[1], 'agentMessage'],
      ],
    );
    const rest = await client.request('thread/items/list', {
      threadId: thread.id,
      cursor: items.nextCursor,
    });
    assert.deepEqual(
      rest.data.map((e) => e.turnId),
      [turnIds[2], turnIds[2]],
    );
    assert.equal(rest.nextCursor, null);
    const first = items.data[2]!.item.id;
    const after = await client.request('thread/items/list', {
      threadId: thread.id,
      turnId: turnIds[1],
      cursor: { type: 'item', itemId: first },
    });
    assert.deepEqual(
      after.data.map((e) => e.item.type),
      ['agentMessage'],
    );
    await assert.rejects(
      client.request('thread/items/list', {
        threadId: thread.id,
        cursor: { type: 'item', itemId: first },
      }),
      /needs a turnId/,
    );

    // Read state: the revision is the newest turn; a stale one is refused.
    const unread = await client.request('thread/readState/update', {
      threadId: thread.id,
      expectedRevision: turnIds[2]!,
      operation: { type: 'unread' },
    });
    assert.deepEqual(unread.readState, {
      firstUnread: { type: 'turn', turnId: turnIds[2] },
      revision: turnIds[2],
    });
    const again = await client.request('thread/list', {});
    assert.deepEqual(again.readStates?.[thread.id], unread.readState);
    await assert.rejects(
      client.request('thread/readState/update', {
        threadId: thread.id,
        expectedRevision: turnIds[0]!,
        operation: { type: 'read' },
      }),
      /read it again/,
    );

    assert.deepEqual(await client.request('thread/goal/get', { threadId: thread.id }), {
      goal: null,
    });
    assert.deepEqual(
      await client.request('thread/backgroundTerminals/list', { threadId: thread.id }),
      { data: [], nextCursor: null },
    );
    await assert.rejects(client.request('thread/goal/get', { threadId: 'nope' }), /no thread/);

    const resumed = await client.request('thread/resume', {
      threadId: thread.id,
      excludeTurns: true,
      initialTurnsPage: { limit: 1 },
    });
    assert.deepEqual(resumed.thread.turns, []);
    assert.deepEqual(
      resumed.initialTurnsPage?.data.map((x) => x.id),
      [turnIds[2]],
    );
    assert.equal(resumed.initialTurnsPage?.nextCursor, `t:${turnIds[1]}`);
  },
);

test(
  'approvalPolicy null is Codex’s default (on-request) unless the config sets one',
  { timeout: 20_000 },
  async (t) => {
    const { client, repo } = await setUp(t, []);
    const codexStyle = await client.request('thread/start', { cwd: repo, approvalPolicy: null });
    assert.equal(codexStyle.approvalPolicy, 'on-request');
    assert.deepEqual(codexStyle.runtimeWorkspaceRoots, [repo], 'the workspace root is named');
    const left = await client.request('thread/start', { cwd: repo });
    assert.equal(left.approvalPolicy, 'never', 'left out: Yoke’s configured default');

    const configured = await setUp(t, [], 'approval_policy = "untrusted"\n');
    const set = await configured.client.request('thread/start', {
      cwd: configured.repo,
      approvalPolicy: null,
    });
    assert.equal(set.approvalPolicy, 'untrusted', 'the config wins over Codex’s default');
  },
);
