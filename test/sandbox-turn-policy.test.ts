// turn/start's `sandboxPolicy` is honoured whole, not only its type: networkAccess turns the
// sandbox's network on and off for later commands (and the model is told), writableRoots add
// writable directories, and thread answers report what is in force.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { startWsServer, type Json } from './support/codex-driver.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';

test('turn/start sandboxPolicy: networkAccess and writableRoots are applied, and reported', async (t) => {
  const listener = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => listener.close(() => resolve())));
  const port = (listener.address() as { port: number }).port;
  const extra = tempDir('extra', t);
  const probe = `(exec 3<>/dev/tcp/127.0.0.1/${port}) && echo net-on || echo net-off; touch ${extra}/made && echo wrote || echo no-write`;
  const mock = await startMockModel([
    toolCall('shell', { command: probe }),
    text('first'),
    toolCall('shell', { command: probe }),
    text('second'),
  ]);
  t.after(() => mock.close());
  const repo = tempRepo({}, t);
  const server = await startWsServer(yokeEnv(mock.url, tempDir('home', t)), repo);
  t.after(() => server.stop());
  const client = await server.connect();
  t.after(() => client.close());
  await client.initialize('policy-test');
  const started = await client.request('thread/start', { cwd: repo });
  const threadId = (started.thread as Json).id as string;
  assert.equal((started.sandbox as Json).networkAccess, false);

  const turn = async (sandboxPolicy: Json) => {
    const started = await client.request('turn/start', {
      threadId,
      input: [{ type: 'text', text: 'probe', text_elements: [] }],
      sandboxPolicy,
    });
    const id = (started.turn as Json).id;
    await client.waitFor('turn/completed', (p) => (p.turn as Json).id === id);
  };
  await turn({ type: 'workspaceWrite', networkAccess: true, writableRoots: [extra] });
  await turn({ type: 'workspaceWrite', networkAccess: false, writableRoots: [] });

  const outputs = mock.requests
    .map((r) => (r.json as { input: { type: string; output?: string }[] }).input)
    .map((input) => input.filter((i) => i.type === 'function_call_output').map((i) => i.output))
    .filter((o) => o.length)
    .map((o) => String(o.at(-1)));
  assert.match(outputs[0]!, /net-on\n[\s\S]*wrote/);
  assert.match(outputs.at(-1)!, /net-off\n[\s\S]*no-write/);
  assert.ok(existsSync(join(extra, 'made')));
  // The model was told when the network changed.
  const last = JSON.stringify(mock.requests.at(-1)!.json);
  assert.match(last, /networkAccess: disabled → enabled/);
  assert.match(last, /networkAccess: enabled → disabled/);
  const resumed = await client.request('thread/resume', { threadId });
  assert.equal((resumed.sandbox as Json).networkAccess, false);
});
