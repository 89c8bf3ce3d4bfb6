// The one in-process App Server set-up every surface uses (src/surfaces/app-server-host.ts):
// a client connected in this process works, closing the host stores a running turn as
// interrupted (a later host reads it back), and closing twice is harmless.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { startAppServerHost } from '../src/surfaces/app-server-host.ts';
import { tempDir, tempRepo } from './support/cli.ts';
import { hang, startMockModel } from './support/mock-model.ts';

test(
  'host: connect, run a turn, close stores it as interrupted',
  { timeout: 30_000 },
  async (t) => {
    const mock = await startMockModel([hang()]);
    t.after(() => mock.close());
    const repo = tempRepo({ 'a.txt': 'a\n' }, t);
    const env = { YOKE_HOME: tempDir('home', t), OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' };
    const config = loadConfig({ env, cwd: repo });

    const host = startAppServerHost({ config });
    const client = await host.connect({ name: 'host_test', version: '0' });
    const { thread } = await client.request('thread/start', { cwd: repo });
    const started = new Promise<string>((done) =>
      client.onNotification('turn/started', (p) => done(p.turn.id)),
    );
    const input = [{ type: 'text' as const, text: 'hi', text_elements: [] }];
    await client.request('turn/start', { threadId: thread.id, input });
    const turnId = await started;
    await mock.waitForRequests(1);
    await host.close();
    await host.close();
    assert.equal(client.closed, true, 'close() closes the clients it connected');

    const again = startAppServerHost({ config });
    t.after(() => again.close());
    const reader = await again.connect({ name: 'host_test', version: '0' });
    const read = await reader.request('thread/read', { threadId: thread.id, includeTurns: true });
    const turn = read.thread.turns.find((x) => x.id === turnId);
    assert.equal(turn?.status, 'interrupted');
  },
);
