// A WebSocket client that stops reading is dropped by a real `yoke app-server --listen`: it
// subscribes to a thread and stops reading while the thread's turn streams 200 deltas of
// 96 KiB. Its outbound queue is bounded in bytes, so the server closes it mid-stream (before,
// it got the whole turn while the server held it all) and the server's peak RSS stays under a
// ceiling; a client that reads gets every delta.
//
// The ceiling is loose on purpose: an 18.75 MB answer alone takes the server to ~340 MiB peak
// RSS, most of it native memory the allocator keeps after the large strings and buffers are
// freed (the V8 heap is back to ~50 MiB after a GC), with or without a stuck client.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, tempRepo, yokeEnv } from './support/cli.ts';
import { startWsServer, type CodexDriver, type Json } from './support/codex-driver.ts';
import { paced, startMockModel, text } from './support/mock-model.ts';
import { rawWsClient } from './support/raw-ws.ts';

const DELTAS = 200;
const DELTA_BYTES = 96 * 1024;
/** The server's peak resident memory may not pass this (it idles at about 60 MiB). */
const PEAK_RSS_MIB = 512;

/** Peak and current resident memory of a process we started, in MiB. */
function memoryOf(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
}

test(
  'a client that never reads a 200-delta stream is closed; the other gets it all',
  { timeout: 120_000 },
  async (t) => {
    // Deltas of distinct letters, so one cannot pass for another.
    const chunks = Array.from({ length: DELTAS }, (_, i) =>
      String.fromCharCode(97 + (i % 26)).repeat(DELTA_BYTES),
    );
    // The stream goes no faster than the reading client reads (10 deltas ahead at most), so
    // only a client that does not read at all falls behind.
    const readers: CodexDriver[] = [];
    const seen = () =>
      readers[0]!.notifications.filter((n) => n.method === 'item/agentMessage/delta').length;
    const mock = await startMockModel([
      paced(text(chunks.join(''), { chunks }), (frame) =>
        frame > 0 && frame % 10 === 0
          ? readers[0]!
              .waitFor('item/agentMessage/delta', () => seen() >= frame - 10)
              .then(() => {})
          : undefined,
      ),
    ]);
    t.after(() => mock.close());
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    // Chat Completions streams the text once (Responses repeats it in its closing events).
    writeFileSync(
      join(home, 'config.toml'),
      `model_provider = "mock"\n[model_providers.mock]\nbase_url = "${mock.url}"\nwire_api = "chat"\nenv_key = "MOCK_KEY"\n`,
    );
    const server = await startWsServer(yokeEnv(mock.url, home, { MOCK_KEY: 'k' }), repo);
    t.after(() => server.stop());
    const pid = server.child.pid!;

    const reader = await server.connect();
    readers.push(reader);
    t.after(() => reader.close());
    await reader.initialize('reader');
    const threadId = ((await reader.request('thread/start', { cwd: repo })).thread as Json)
      .id as string;

    const stuck = await rawWsClient(Number(new URL(server.url).port), server.token);
    const clientInfo = { name: 'stuck', version: '1' };
    stuck.send(JSON.stringify({ id: 1, method: 'initialize', params: { clientInfo } }));
    stuck.send(JSON.stringify({ id: 2, method: 'thread/resume', params: { threadId } }));
    await stuck.waitForText('{"id":2,"result"');
    stuck.stopReading();
    const before = memoryOf(pid);

    const turn = (
      await reader.request('turn/start', {
        threadId,
        input: [{ type: 'text', text: 'stream', text_elements: [] }],
      })
    ).turn as Json;
    const done = await reader.waitFor('turn/completed', (p) => (p.turn as Json).id === turn.id);
    assert.equal((done.turn as Json).status, 'completed');
    assert.equal(seen(), DELTAS);
    const after = memoryOf(pid);

    // The stuck client was cut off mid-stream: when it reads again it finds part of the stream,
    // never the end of the turn, and then the closed connection.
    const all = (await stuck.readToEnd()).toString('latin1');
    const total = DELTAS * DELTA_BYTES;
    const got = all.split('"method":"item/agentMessage/delta"').length - 1;
    process.stdout.write(
      `# stuck client: ${got} of ${DELTAS} deltas (${(all.length / 2 ** 20).toFixed(1)} of ` +
        `${(total / 2 ** 20).toFixed(1)} MiB); server RSS ${before.now.toFixed(0)} MiB, ` +
        `peak ${after.peak.toFixed(0)} MiB\n`,
    );
    assert.ok(got < DELTAS, `the stuck client was sent ${got} deltas`);
    assert.doesNotMatch(all, /"method":"turn\/completed"/);
    assert.ok(after.peak < PEAK_RSS_MIB, `server peak RSS ${after.peak.toFixed(0)} MiB`);
  },
);
