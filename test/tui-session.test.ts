// The terminal UI against a real in-process App Server and the scripted mock model: approvals
// answered with one key, steering, interrupts, slash commands (/review as review/start) and the
// local shell.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hang, text, toolCall, type RecordedRequest } from './support/mock-model.ts';
import { KEYS, startHarness, type, waitFor, waitForScreen } from './support/tui.ts';
import { tempDir } from './support/cli.ts';
import { everythingServer, filesystemServer } from './support/mcp-servers.ts';

const UNTRUSTED = ['approval_policy="untrusted"'];
const frameOf = (screen: { lastFrame: () => string | undefined }) => screen.lastFrame() ?? '';
const bodyOf = (r: RecordedRequest) => r.json as { model: string; input: unknown[] };

test('a prompt runs a turn: the command asks, y approves it, the answer streams in', async (t) => {
  const h = await startHarness(
    t,
    [toolCall('shell', { command: 'touch made.txt && echo created' }), text('Made the file.')],
    { config: UNTRUSTED },
  );
  await type(h.screen, 'make a file');
  await waitForScreen(h.screen, 'Run this command?');
  assert.match(frameOf(h.screen), /\$ touch made\.txt && echo created/);
  assert.equal(existsSync(join(h.repo, 'made.txt')), false, 'nothing runs before the answer');
  h.screen.stdin.write('y');
  await waitForScreen(h.screen, 'Made the file.');
  assert.deepEqual(h.answers().at(-1)?.result, { decision: 'accept' });
  assert.equal(existsSync(join(h.repo, 'made.txt')), true);
  const frame = frameOf(h.screen);
  assert.match(frame, /> make a file/);
  assert.match(frame, / {2}created\n {2}exit 0/);
  assert.match(frame, /- approved touch made\.txt && echo created/);
});

test('n declines: the command never runs and the model is told', async (t) => {
  const h = await startHarness(
    t,
    [toolCall('shell', { command: 'rm -rf build' }), text('Understood, I left it.')],
    { config: UNTRUSTED },
  );
  await type(h.screen, 'clean up');
  await waitForScreen(h.screen, 'Run this command?');
  h.screen.stdin.write('n');
  await waitForScreen(h.screen, 'Understood, I left it.');
  assert.deepEqual(h.answers().at(-1)?.result, { decision: 'decline' });
  assert.match(frameOf(h.screen), /\$ rm -rf build\n {2}declined/);
  assert.match(JSON.stringify(bodyOf(h.mock.requests[1]!).input), /declined/);
});

test('r approves and sends the rule the server proposed', async (t) => {
  const h = await startHarness(
    t,
    [toolCall('shell', { command: ['touch', 'ruled.txt'] }), text('ok')],
    {
      config: UNTRUSTED,
    },
  );
  await type(h.screen, 'touch it');
  await waitForScreen(h.screen, 'Run this command?');
  const asked = h.sent.length;
  const match = /\[r\] yes, and always allow "([^"]+)"/.exec(frameOf(h.screen));
  assert.ok(match, `the prompt offers a rule:\n${frameOf(h.screen)}`);
  h.screen.stdin.write('r');
  await waitForScreen(h.screen, /^ok$/m);
  const decision = (h.answers().at(-1)?.result as { decision: unknown }).decision as {
    acceptWithExecpolicyAmendment: { execpolicy_amendment: string[] };
  };
  assert.equal(decision.acceptWithExecpolicyAmendment.execpolicy_amendment.join(' '), match[1]);
  assert.ok(h.sent.length > asked);
  assert.equal(existsSync(join(h.repo, 'ruled.txt')), true);
});

test('a patch asks with its diff on screen; a approves patches for the session', async (t) => {
  const patch = [
    '*** Begin Patch',
    '*** Update File: greet.txt',
    ' hello',
    '-world',
    '+yoke',
    '*** End Patch',
  ].join('\n');
  const h = await startHarness(
    t,
    [toolCall('apply_patch', { input: patch }), text('Greeted yoke.')],
    { config: UNTRUSTED, files: { 'greet.txt': 'hello\nworld\n' }, rows: 30 },
  );
  await type(h.screen, 'greet yoke');
  await waitForScreen(h.screen, 'Apply this patch?');
  const panel = frameOf(h.screen).slice(frameOf(h.screen).indexOf('Apply this patch?'));
  assert.match(panel, /patch M .*greet\.txt/);
  assert.match(panel, /-world\n\+yoke/);
  h.screen.stdin.write('a');
  await waitForScreen(h.screen, 'Greeted yoke.');
  assert.deepEqual(h.answers().at(-1)?.result, { decision: 'acceptForSession' });
  assert.equal(readFileSync(join(h.repo, 'greet.txt'), 'utf8'), 'hello\nyoke\n');
  assert.match(frameOf(h.screen), /patch M greet\.txt\n[\s\S]*-world\n\+yoke/);
  // /diff shows the turn's aggregated diff.
  await type(h.screen, '/diff');
  await waitForScreen(h.screen, 'changes of the last turn');
});

test('typing while a turn runs steers it; Esc interrupts the next one', async (t) => {
  const h = await startHarness(t, [hang(), text('Steered answer.'), hang()]);
  await type(h.screen, 'start something');
  await h.mock.waitForRequests(1);
  await waitFor(() => h.controller.getState().turnId !== null, 'the turn id');
  const turnId = h.controller.getState().turnId;
  await type(h.screen, 'also do this');
  await waitForScreen(h.screen, 'Steered answer.');
  const steer = h.sent.find((m) => m.method === 'turn/steer') as {
    params: Record<string, unknown>;
  };
  assert.equal(steer.params.expectedTurnId, turnId);
  assert.match(JSON.stringify(bodyOf(h.mock.requests[1]!).input), /also do this/);

  await type(h.screen, 'a long job');
  await h.mock.waitForRequests(3);
  await waitForScreen(h.screen, /working \d+s; Esc to interrupt/);
  h.screen.stdin.write(KEYS.escape);
  await waitForScreen(h.screen, '- turn interrupted');
  assert.ok(h.sent.some((m) => m.method === 'turn/interrupt'));
});

test('/help, /status, /model and /approvals; the overrides reach the next turn/start', async (t) => {
  const h = await startHarness(t, [toolCall('shell', { command: 'touch x.txt' }), text('done')], {
    rows: 40,
  });
  await type(h.screen, '/help');
  await waitForScreen(h.screen, '/compact');
  for (const command of [
    '/model',
    '/approvals',
    '/review',
    '/new',
    '/resume',
    '/fork',
    '/diff',
    '/status',
  ])
    assert.ok(frameOf(h.screen).includes(command), `/help lists ${command}`);

  // The mock lists no models: names are checked against Yoke's catalogue.
  await type(h.screen, '/model nonsense-model');
  await waitForScreen(h.screen, /unknown model "nonsense-model"/);
  await type(h.screen, '/model gpt-5-mini');
  await waitForScreen(h.screen, "Yoke's catalogue knows gpt-5*");
  await type(h.screen, '/approvals untrusted');
  await waitForScreen(h.screen, /gpt-5-mini \(next turn\) \| .*untrusted \(next turn\)/);
  await type(h.screen, '/status');
  const threadId = h.controller.getState().session!.threadId;
  await waitForScreen(h.screen, `thread     ${threadId}`);
  await waitForScreen(h.screen, 'model      gpt-5.5 (openai) (next turn: gpt-5-mini)');
  // What the sandbox hides on this machine (the Yoke home at least) and the socket rule.
  await waitForScreen(h.screen, /hidden {5}\S/);
  await waitForScreen(h.screen, 'sockets    host unix sockets refused');

  await type(h.screen, 'go');
  // The approval mode applies: the command now asks.
  await waitForScreen(h.screen, 'Run this command?');
  const start = h.sent.find((m) => m.method === 'turn/start') as {
    params: Record<string, unknown>;
  };
  assert.equal(start.params.model, 'gpt-5-mini');
  assert.equal(start.params.approvalPolicy, 'untrusted');
  assert.equal(bodyOf(h.mock.requests[0]!).model, 'gpt-5-mini');
  h.screen.stdin.write('y');
  await waitForScreen(h.screen, /^done$/m);
  assert.match(frameOf(h.screen).split('\n').at(-1)!, /^gpt-5-mini \| /);
});

test('/new starts a fresh thread; /resume picks the old one back with its transcript', async (t) => {
  const h = await startHarness(t, [text('First answer.'), text('Second answer.')]);
  await type(h.screen, 'first question');
  await waitForScreen(h.screen, 'First answer.');
  const first = h.controller.getState().session!.threadId;

  await type(h.screen, '/new');
  await waitForScreen(h.screen, /- new thread /);
  const second = h.controller.getState().session!.threadId;
  assert.notEqual(second, first);
  assert.doesNotMatch(frameOf(h.screen), /First answer\./);
  await type(h.screen, 'second question');
  await waitForScreen(h.screen, 'Second answer.');

  await type(h.screen, '/resume');
  await waitForScreen(h.screen, 'Resume a thread');
  assert.match(frameOf(h.screen), /> first question/);
  h.screen.stdin.write(KEYS.enter);
  await waitForScreen(h.screen, `resumed thread ${first}`);
  assert.equal(h.controller.getState().session!.threadId, first);
  assert.match(frameOf(h.screen), /> first question\n\nFirst answer\./);
  assert.doesNotMatch(frameOf(h.screen), /Second answer\./);
});

test('/fork continues in a copy; /compact compacts; !cmd runs locally, not sent to the model', async (t) => {
  const h = await startHarness(
    t,
    [text('Original answer.'), text('Summary of the conversation.'), text('After compaction.')],
    { rows: 40 },
  );
  await type(h.screen, 'hello');
  await waitForScreen(h.screen, 'Original answer.');
  const original = h.controller.getState().session!.threadId;
  await type(h.screen, '/fork');
  await waitForScreen(h.screen, /- forked thread /);
  assert.notEqual(h.controller.getState().session!.threadId, original);
  assert.match(frameOf(h.screen), /Original answer\./, 'the fork shows the copied history');

  await type(h.screen, '/compact');
  await waitForScreen(h.screen, '- context compacted');
  await h.mock.waitForRequests(2);
  await waitFor(() => !h.controller.busy, 'the compaction turn to end');

  await type(h.screen, '!echo local-only-output');
  await waitForScreen(h.screen, /local-only-output\n {2}exit 0/);
  assert.match(
    frameOf(h.screen),
    /! echo local-only-output\n {2}\(local shell; not sent to the model\)/,
  );
  await type(h.screen, 'next');
  await waitForScreen(h.screen, 'After compaction.');
  assert.doesNotMatch(h.mock.requests[2]!.body, /local-only-output/);
});

test('/mcp lists the MCP servers, their state and tools', { timeout: 60_000 }, async (t) => {
  const server = everythingServer();
  const h = await startHarness(t, [text('unused')], {
    rows: 60,
    config: [
      `mcp_servers.everything.command=${JSON.stringify(server.command)}`,
      `mcp_servers.everything.args=${JSON.stringify(server.args)}`,
      'mcp_servers.everything.enabled_tools=["get-sum", "echo"]',
    ],
  });
  await type(h.screen, '/mcp');
  await waitForScreen(h.screen, 'everything  connected  2 tools');
  await waitForScreen(h.screen, '  mcp__everything__echo');
  await waitForScreen(h.screen, '  mcp__everything__get-sum');
});

test('an MCP tool call asks; y approves it and the tool runs', { timeout: 60_000 }, async (t) => {
  const files = tempDir('tui-mcp-files', t);
  const target = join(files, 'note.txt');
  const server = filesystemServer(files);
  const h = await startHarness(
    t,
    [toolCall('mcp__fs__write_file', { path: target, content: 'from the TUI' }), text('Wrote it.')],
    {
      config: [
        ...UNTRUSTED,
        `mcp_servers.fs.command=${JSON.stringify(server.command)}`,
        `mcp_servers.fs.args=${JSON.stringify(server.args)}`,
      ],
    },
  );
  await type(h.screen, 'write a note');
  await waitForScreen(h.screen, 'Allow this MCP tool call?');
  assert.match(frameOf(h.screen), /fs: write_file \{"path":/);
  assert.equal(existsSync(target), false, 'nothing runs before the answer');
  h.screen.stdin.write('y');
  await waitForScreen(h.screen, 'Wrote it.');
  assert.deepEqual(h.answers().at(-1)?.result, { action: 'accept', content: {}, _meta: null });
  assert.equal(readFileSync(target, 'utf8'), 'from the TUI');
  assert.match(frameOf(h.screen), /approved fs write_file/);
});

test(
  '/review runs review/start: uncommitted changes, --base, --commit or instructions; the review shows',
  { timeout: 60_000 },
  async (t) => {
    const findings = JSON.stringify({
      findings: [
        {
          title: '[P1] Keep the greeting',
          body: 'a.txt now says beta.',
          confidence_score: 0.8,
          priority: 1,
          code_location: {
            absolute_file_path: '/repo/a.txt',
            line_range: { start: 1, end: 1 },
          },
        },
      ],
      overall_correctness: 'patch is incorrect',
      overall_explanation: 'The greeting changed.',
      overall_confidence_score: 0.7,
    });
    const h = await startHarness(
      t,
      [text(findings), text('Branch: fine.'), text('Commit: fine.'), text('Errors: fine.')],
      { files: { 'a.txt': 'alpha\n' }, rows: 60, columns: 100 },
    );
    writeFileSync(join(h.repo, 'a.txt'), 'beta\n');
    const targets = () =>
      h.sent
        .filter((m) => m.method === 'review/start')
        .map((m) => (m.params as { target: unknown }).target);
    const reviewed = async (line: string, shown: string | RegExp) => {
      await type(h.screen, line);
      await waitForScreen(h.screen, shown);
      await waitFor(() => !h.controller.busy, 'the review turn to end');
    };

    await reviewed('/review', 'Keep the greeting — /repo/a.txt:1-1');
    assert.match(
      frameOf(h.screen),
      /- reviewing current changes\n[\s\S]*- review finished\n[\s\S]*The greeting changed\.\n[\s\S]*Verdict: patch is incorrect\n[\s\S]*Review comment:\n[\s\S]*\[P1\] Keep the greeting — \/repo\/a\.txt:1-1\n\s+a\.txt now says beta\./,
    );
    assert.doesNotMatch(frameOf(h.screen), /overall_correctness/, 'the JSON is not shown');
    assert.match(h.mock.requests[0]!.body, /-alpha\\n\+beta/, 'the server computed the diff');

    await reviewed('/review --base main', 'Branch: fine.');
    await waitForScreen(h.screen, "- reviewing changes against 'main'");
    await reviewed('/review --commit HEAD', 'Commit: fine.');
    await reviewed('/review look at the error handling', 'Errors: fine.');
    await waitForScreen(h.screen, '- reviewing look at the error handling');
    await type(h.screen, '/review --base');
    await waitForScreen(h.screen, /--base needs a branch; \/review \(uncommitted changes\)/);
    await type(h.screen, '/review --nope');
    await waitForScreen(h.screen, /unknown option --nope/);

    assert.deepEqual(targets(), [
      { type: 'uncommittedChanges' },
      { type: 'baseBranch', branch: 'main' },
      { type: 'commit', sha: 'HEAD', title: null },
      { type: 'custom', instructions: 'look at the error handling' },
    ]);
    assert.ok(!h.sent.some((m) => m.method === 'turn/start'), 'a review is not a prompt');
    assert.equal(h.mock.requests.length, 4);
  },
);
