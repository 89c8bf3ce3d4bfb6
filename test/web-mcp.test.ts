// The web page's MCP servers (#/mcp) against the real `yoke serve` in headless Chromium: a
// real npm server (server-everything) listed as connected with its tools under the names the
// model sees, and a server that cannot start listed as failed with the reason; a server that
// dies while the page shows it turns failed at once.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { CodexDriver } from './support/codex-driver.ts';
import { everythingServer, filesystemServer, stdioToml } from './support/mcp-servers.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';
import { ARTIFACTS, launchChromium, startServe } from './support/web.ts';

test('the MCP page lists each server, its state and its tools', { timeout: 120_000 }, async (t) => {
  const mock = await startMockModel([]);
  t.after(() => mock.close());
  const home = tempDir('web-mcp-home', t);
  writeFileSync(
    join(home, 'config.toml'),
    [
      stdioToml('everything', everythingServer(), 'disabled_tools = ["toggle-*"]'),
      '[mcp_servers.broken]\ncommand = "/nonexistent/mcp-server"\n',
    ].join('\n'),
  );
  const serve = await startServe(yokeEnv(mock.url, home), home);
  t.after(() => serve.stop());
  const browser = await launchChromium();
  // CI installs chromium (.ci/run): a missing browser is a failure, never a silent skip.
  assert.ok(browser, 'no /usr/bin/chromium: apt-get install chromium');
  t.after(() => browser.close());
  const page = await (
    await browser.newContext({ viewport: { width: 1200, height: 900 } })
  ).newPage();
  await page.goto(serve.loginUrl);
  await page.getByRole('link', { name: 'MCP' }).click();

  const everything = page.locator('[data-testid=mcp-server][data-server=everything]');
  await everything.locator('[data-testid=mcp-state]', { hasText: 'connected' }).waitFor();
  const tools = await everything.getByTestId('mcp-tool').allTextContents();
  assert.ok(tools.length > 5, tools.join('\n'));
  assert.ok(
    tools.some((line) => /^mcp__everything__get-sum read-only .*sum/i.test(line)),
    tools.join('\n'),
  );
  assert.ok(!tools.some((line) => /toggle-/.test(line)), 'disabled_tools are not listed');

  const broken = page.locator('[data-testid=mcp-server][data-server=broken]');
  assert.equal(await broken.getByTestId('mcp-state').textContent(), 'failed');
  assert.match((await broken.locator('.error').textContent()) ?? '', /failed to start: .*ENOENT/);
  assert.equal(await broken.getByTestId('mcp-tool').count(), 0);
  await page.screenshot({ path: join(ARTIFACTS, 'mcp.png'), fullPage: true });

  // The daemon's server-everything process dies: the page shows it without a reload.
  const pid = descendant(serve.child.pid!, 'server-everything');
  assert.ok(pid, 'the daemon runs server-everything');
  process.kill(pid, 'SIGKILL');
  await everything.locator('[data-testid=mcp-state]', { hasText: 'failed' }).waitFor();
  assert.match((await everything.locator('.error').textContent()) ?? '', /"everything" exited/);
});

/** The pid of a process under `root` whose command line holds `needle` (Linux /proc). */
function descendant(root: number, needle: string): number | null {
  const children = (pid: number): number[] => {
    try {
      return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
        readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
          .split(' ')
          .filter(Boolean)
          .map(Number),
      );
    } catch {
      return [];
    }
  };
  for (const pid of children(root)) {
    const cmdline = (() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return ''; // gone meanwhile
      }
    })();
    if (cmdline.includes(needle)) return pid;
    const deeper = descendant(pid, needle);
    if (deeper) return deeper;
  }
  return null;
}

test(
  'an MCP tool call waits for Accept on the page, then runs',
  { timeout: 120_000 },
  async (t) => {
    const files = tempDir('web-mcp-files', t);
    const target = join(files, 'note.txt');
    const mock = await startMockModel([
      toolCall('mcp__fs__write_file', { path: target, content: 'from the page' }),
      text('written'),
    ]);
    t.after(() => mock.close());
    const home = tempDir('web-mcp-home', t);
    writeFileSync(join(home, 'config.toml'), stdioToml('fs', filesystemServer(files)));
    const serve = await startServe(yokeEnv(mock.url, home), home);
    t.after(() => serve.stop());
    const browser = await launchChromium();
    assert.ok(browser, 'no /usr/bin/chromium: apt-get install chromium');
    t.after(() => browser.close());
    const page = await (await browser.newContext()).newPage();
    await page.goto(serve.loginUrl);
    await page.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor();

    // A terminal client starts the thread; it sees the question too and leaves it to the page.
    const terminal = await CodexDriver.ws(serve.wsUrl, { Authorization: `Bearer ${serve.bearer}` });
    t.after(() => terminal.close());
    await terminal.initialize('terminal');
    const { thread } = await terminal.request('thread/start', {
      cwd: tempRepo({}, t),
      approvalPolicy: 'untrusted',
    });
    const threadId = (thread as { id: string }).id;
    const asked = terminal.nextServerRequest('mcpServer/elicitation/request');
    await terminal.request('turn/start', { threadId, input: [{ type: 'text', text: 'write it' }] });
    await asked;

    await page.goto(`${serve.base}/#/thread/${threadId}`);
    const card = page.getByTestId('approval');
    await card.waitFor();
    assert.match((await card.textContent()) ?? '', /Allow this MCP tool call\?.*fs: write_file/);
    await page.screenshot({ path: join(ARTIFACTS, 'mcp-approval.png'), fullPage: true });
    await page.getByTestId('approval-accept').click();
    await terminal.waitFor('turn/completed', (p) => p.threadId === threadId);
    assert.equal(readFileSync(target, 'utf8'), 'from the page');
  },
);
