// An MCP server's own form question (server-everything's trigger-elicitation-request: text,
// yes/no, numbers in a range, an email, choices) is filled in, checked against its schema,
// and sent as {action: "accept", content}: by `yoke approve --field` and in the web page
// (real Chromium); the server gets the values.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkForm, formFields, parseField } from '../src/client/elicitation-form.ts';
import { runYoke, tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { CodexDriver, startWsServer, type Json } from './support/codex-driver.ts';
import { everythingServer, stdioToml } from './support/mcp-servers.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';
import { startHarness, type, waitForScreen } from './support/tui.ts';
import { ARTIFACTS, launchChromium, startServe } from './support/web.ts';

const ASK = toolCall('mcp__everything__trigger-elicitation-request', {});

/** What server-everything says it got: the answer it prints after "Raw result:". */
function rawResult(item: unknown): { action: string; content: Record<string, unknown> } {
  const content = (item as { result: { content: { text?: string }[] } }).result.content;
  const raw = content.map((c) => c.text ?? '').find((t) => t.includes('Raw result:'));
  assert.ok(raw, JSON.stringify(content));
  return JSON.parse(raw.slice(raw.indexOf('Raw result:') + 'Raw result:'.length)) as never;
}

test('form fields from a schema: parsed, defaults, checked', () => {
  const fields = formFields({
    properties: {
      name: { type: 'string', title: 'Name' },
      age: { type: 'integer', minimum: 1, maximum: 100, default: 42 },
      ok: { type: 'boolean' },
      mail: { type: 'string', format: 'email' },
      pet: { type: 'string', enum: ['p1', 'p2'], enumNames: ['Cat', 'Dog'] },
      fish: { type: 'array', items: { anyOf: [{ const: 'f1', title: 'Tuna' }] }, minItems: 1 },
    },
    required: ['name'],
  });
  assert.deepEqual(
    fields.map((f) => [f.name, f.kind, f.required]),
    [
      ['name', 'string', true],
      ['age', 'integer', false],
      ['ok', 'boolean', false],
      ['mail', 'string', false],
      ['pet', 'choice', false],
      ['fish', 'choices', false],
    ],
  );
  const [, age, ok, , pet, fish] = fields;
  assert.equal(parseField(ok!, 'yes'), true);
  assert.equal(parseField(pet!, 'dog'), 'p2');
  assert.deepEqual(parseField(fish!, 'tuna'), ['f1']);
  assert.equal(parseField(age!, '7'), 7);
  assert.deepEqual(checkForm(fields, { name: 'Ada' }), {
    ok: true,
    content: { name: 'Ada', age: 42 },
  });
  const bad = checkForm(fields, { age: 7.5, mail: 'nope', pet: 'p9', extra: 1 });
  assert.equal(bad.ok, false);
  assert.deepEqual(Object.keys(bad.ok ? {} : bad.problems).sort(), [
    'age',
    'extra',
    'mail',
    'name',
    'pet',
  ]);
});

test(
  'yoke approve fills in an MCP server form with --field, checked against its schema',
  { timeout: 120_000 },
  async (t) => {
    const mock = await startMockModel([ASK, text('thanks')]);
    t.after(() => mock.close());
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    writeFileSync(join(home, 'config.toml'), stdioToml('everything', everythingServer()));
    const env = yokeEnv(mock.url, home);
    const server = await startWsServer(env, repo);
    t.after(() => server.stop());
    const a = await server.connect();
    t.after(() => a.close());
    await a.initialize();
    const threadId = (
      (await a.request('thread/start', { cwd: repo, approvalPolicy: 'never' })).thread as Json
    ).id as string;
    const asked = a.nextServerRequest('mcpServer/elicitation/request');
    await a.request('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'ask me', text_elements: [] }],
    });
    const question = await asked;
    assert.equal((question.params as Json).mode, 'form');

    const approve = (...args: string[]) =>
      runYoke(['approve', '--remote', server.url, ...args], { cwd: repo, env });
    const listed = await approve();
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /MCP everything: Please provide inputs/);
    assert.match(listed.stdout, /^ +name: String \(required\)$/m);
    assert.match(listed.stdout, /^ +integer: Integer \(integer, 1–100, default 42\)$/m);
    assert.match(listed.stdout, /untitledSingleSelectEnum: .*one of Monica, Rachel/);

    // Wrong values are refused with the reasons; the question stays.
    const wrong = await approve('1', 'accept', '--field', 'email=nope', '--field', 'integer=500');
    assert.equal(wrong.code, 2, wrong.stdout);
    assert.match(wrong.stderr, /String is required/);
    assert.match(wrong.stderr, /must be an email address/);
    assert.match(wrong.stderr, /Integer must be at most 100/);

    const fields = ['name=Ada Lovelace', 'check=yes', 'integer=7', 'email=ada@example.org'];
    fields.push('untitledSingleSelectEnum=joey', 'legacyTitledEnum=Dogs');
    const right = await approve('1', 'accept', ...fields.flatMap((f) => ['--field', f]));
    assert.equal(right.code, 0, right.stderr);
    const call = await a.waitFor('item/completed', (p) => (p.item as Json).type === 'mcpToolCall');
    const result = JSON.stringify((call.item as Json).result);
    assert.match(result, /User provided the requested information/);
    assert.match(result, /Name: Ada Lovelace/);
    assert.match(result, /Agreed to terms: true/);
    assert.match(result, /Favorite Integer: 7/);
    assert.match(result, /Email: ada@example.org/);
    const raw = rawResult(call.item);
    assert.equal(raw.action, 'accept');
    assert.equal(raw.content.untitledSingleSelectEnum, 'Joey');
    assert.equal(raw.content.legacyTitledEnum, 'pet-2');
    assert.equal(raw.content.number, 3.14, 'a field left empty takes its default');
    const done = await a.waitFor('turn/completed');
    assert.equal((done.turn as Json).status, 'completed');
  },
);

test(
  'the web page shows an MCP server form, checks it, and sends what was filled in',
  { timeout: 120_000 },
  async (t) => {
    const mock = await startMockModel([ASK, text('thanks')]);
    t.after(() => mock.close());
    const home = tempDir('web-form-home', t);
    writeFileSync(join(home, 'config.toml'), stdioToml('everything', everythingServer()));
    const serve = await startServe(yokeEnv(mock.url, home), home);
    t.after(() => serve.stop());
    const browser = await launchChromium();
    assert.ok(browser, 'no /usr/bin/chromium: apt-get install chromium');
    t.after(() => browser.close());
    const page = await (await browser.newContext()).newPage();
    await page.goto(serve.loginUrl);
    await page.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor();

    const terminal = await CodexDriver.ws(serve.wsUrl, { Authorization: `Bearer ${serve.bearer}` });
    t.after(() => terminal.close());
    await terminal.initialize('terminal');
    const { thread } = await terminal.request('thread/start', {
      cwd: tempRepo({}, t),
      approvalPolicy: 'never',
    });
    const threadId = (thread as { id: string }).id;
    const asked = terminal.nextServerRequest('mcpServer/elicitation/request');
    await terminal.request('turn/start', { threadId, input: [{ type: 'text', text: 'ask me' }] });
    await asked;

    await page.goto(`${serve.base}/#/thread/${threadId}`);
    const form = page.getByTestId('elicitation-form');
    await form.waitFor();
    assert.match(
      (await page.getByTestId('approval').textContent()) ?? '',
      /The everything MCP server asks.*Please provide inputs/,
    );
    // Defaults are filled in; the required name is not: the form says so and sends nothing.
    assert.equal(await form.locator('input[name=integer]').inputValue(), '42');
    await form.locator('input[name=integer]').fill('500');
    await page.getByTestId('approval-submit').click();
    const problems = page.getByTestId('form-problem');
    await problems.first().waitFor();
    const said = (await problems.allTextContents()).join(' | ');
    assert.match(said, /String is required/);
    assert.match(said, /Integer must be at most 100/);

    await form.locator('input[name=name]').fill('Grace Hopper');
    await form.locator('input[name=integer]').fill('9');
    await form.locator('input[name=check]').check();
    await form.locator('select[name=titledSingleSelectEnum]').selectOption('hero-3');
    await form.locator('input[name="titledMultipleSelectEnum.fish-2"]').check();
    await page.screenshot({ path: join(ARTIFACTS, 'mcp-elicitation-form.png'), fullPage: true });
    await page.getByTestId('approval-submit').click();

    const call = await terminal.waitFor(
      'item/completed',
      (p) => (p.item as { type: string }).type === 'mcpToolCall',
    );
    const result = JSON.stringify((call.item as { result: unknown }).result);
    assert.match(result, /Name: Grace Hopper/);
    assert.match(result, /Agreed to terms: true/);
    assert.match(result, /Favorite Integer: 9/);
    const raw = rawResult(call.item);
    assert.equal(raw.content.titledSingleSelectEnum, 'hero-3');
    assert.deepEqual(raw.content.titledMultipleSelectEnum, ['fish-1', 'fish-2']);
    await terminal.waitFor('turn/completed', (p) => p.threadId === threadId);
    await page.getByTestId('approval').waitFor({ state: 'detached' });
  },
);

test(
  'the terminal UI fills in an MCP server form field by field, checked as it goes',
  { timeout: 90_000 },
  async (t) => {
    const server = everythingServer();
    const h = await startHarness(t, [ASK, text('Thanks, Ada.')], {
      rows: 60,
      config: [
        'approval_policy="never"',
        `mcp_servers.everything.command=${JSON.stringify(server.command)}`,
        `mcp_servers.everything.args=${JSON.stringify(server.args)}`,
      ],
    });
    const frame = () => h.screen.lastFrame() ?? '';
    await type(h.screen, 'ask me');
    await waitForScreen(h.screen, 'The everything MCP server asks');
    assert.match(frame(), /\[y\] fill in the form/);
    assert.match(frame(), /Integer \(integer, 1–100, default 42\)/);
    h.screen.stdin.write('y');
    await waitForScreen(h.screen, '> String (required)');
    await type(h.screen, '');
    await waitForScreen(h.screen, 'String is required');
    await type(h.screen, 'Ada');
    await waitForScreen(h.screen, '> Boolean (yes/no)');
    await type(h.screen, 'yes');
    await type(h.screen, ''); // firstLine: its default
    await waitForScreen(h.screen, '> String with email format (email)');
    await type(h.screen, 'ada');
    await waitForScreen(h.screen, 'must be an email address');
    await type(h.screen, '@example.org');
    await waitForScreen(h.screen, '> String with uri format');
    for (let i = 0; i < 9; i++) await type(h.screen, '');
    await waitForScreen(h.screen, 'Thanks, Ada.');
    const answer = h.answers().at(-1)?.result as { action: string; content: Json };
    assert.equal(answer.action, 'accept');
    assert.deepEqual(answer.content, {
      name: 'Ada',
      check: true,
      firstLine: 'It was a dark and stormy night.',
      email: 'ada@example.org',
      integer: 42,
      number: 3.14,
      untitledSingleSelectEnum: 'Monica',
      untitledMultipleSelectEnum: ['Guitar'],
      titledSingleSelectEnum: 'hero-1',
      titledMultipleSelectEnum: ['fish-1'],
      legacyTitledEnum: 'pet-1',
    });
    assert.match(frame(), /answered everything question: name=Ada, check=true/);
  },
);
