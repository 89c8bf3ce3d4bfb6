// The App Server benchmark (issue 3): spawn → initialize latency; 100 concurrent threads with
// the mock model streaming 200 text deltas each (notifications per second, emit → receipt
// latency p50/p99); RSS per idle loaded thread.
import { spawn } from 'node:child_process';
import { readFileSync, realpathSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tempDir, tempRepo, YOKE_BIN, yokeEnv } from '../test/support/cli.ts';
import { startWsServer, type Json } from '../test/support/codex-driver.ts';
import { cacheTempDir, codexBinary } from '../test/support/codex-package.ts';

const THREADS = Number(process.env.BENCH_THREADS ?? 100);
const DELTAS = 200;
const IDLE_THREADS = 1000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** A bare `node` that answers one line: the floor any Node program starts from, same moment. */
const BARE_NODE = [
  '-e',
  `process.stdin.once('data', () => process.stdout.write('{"id":0,"result":{}}\\n'))`,
];

/**
 * Spawn → the initialize answer, and → the answer of a `thread/list` written right behind it
 * (what a client waits for before it can show anything). The bare node answers only the first.
 */
async function initLatency(
  env: NodeJS.ProcessEnv,
  cwd: string,
  args: string[] = [YOKE_BIN, 'app-server'],
): Promise<{ init: number; next: number }> {
  const bare = args === BARE_NODE;
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.write(
    `${JSON.stringify({ method: 'initialize', id: 0, params: { clientInfo: { name: 'bench', version: '1' } } })}\n` +
      (bare ? '' : `${JSON.stringify({ method: 'thread/list', id: 1, params: {} })}\n`),
  );
  const times: number[] = [];
  await new Promise<void>((resolve) =>
    createInterface({ input: child.stdout }).on('line', () => {
      times.push(performance.now() - started);
      if (times.length === (bare ? 1 : 2)) resolve();
    }),
  );
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
  return { init: times[0]!, next: times.at(-1)! };
}

export async function benchAppServer(): Promise<void> {
  const mockProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/mock-process.ts', String(DELTAS)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const mockUrl = await new Promise<string>((resolve) =>
    createInterface({ input: mockProcess.stdout }).once('line', resolve),
  );
  const repo = tempRepo({ 'README.md': '# bench\n' });
  const home = tempDir('bench-home');
  const env = yokeEnv(mockUrl, home);
  try {
    // Codex's own app server, started as its users start it (the npm launcher, a node script
    // that runs the native binary), when the package can be installed.
    let codex: { args: string[]; env: NodeJS.ProcessEnv; home: string } | null = null;
    try {
      const home = cacheTempDir('bench-codex-home');
      codex = {
        args: [realpathSync(await codexBinary()), 'app-server'],
        env: { PATH: process.env.PATH, HOME: home, CODEX_HOME: home },
        home,
      };
    } catch (err) {
      console.log(`  (Codex's app server left out: ${(err as Error).message})`);
    }
    // Interleaved, so all see the same machine load.
    const yoke: { init: number; next: number }[] = [];
    const bare: number[] = [];
    const codexRuns: { init: number; next: number }[] = [];
    for (let i = 0; i < 15; i++) {
      yoke.push(await initLatency(env, repo));
      bare.push((await initLatency(env, repo, BARE_NODE)).init);
      if (codex) codexRuns.push(await initLatency(codex.env, repo, codex.args));
    }
    if (codex) rmSync(codex.home, { recursive: true, force: true });
    const line = (xs: number[]) =>
      `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
    console.log('app-server benchmark');
    console.log(`  spawn → initialize response, 15 runs each, interleaved:`);
    console.log(`    yoke app-server:  ${line(yoke.map((r) => r.init))}  target ≤ 100 ms`);
    if (codex)
      console.log(
        `    codex app-server: ${line(codexRuns.map((r) => r.init))}  (@openai/codex 0.169.0)`,
      );
    console.log(`    bare node echoing one line: ${line(bare)}  (the floor of any Node program)`);
    console.log(`  spawn → answer of a thread/list sent with initialize:`);
    console.log(`    yoke app-server:  ${line(yoke.map((r) => r.next))}`);
    if (codex) console.log(`    codex app-server: ${line(codexRuns.map((r) => r.next))}`);

    const server = await startWsServer(env, repo);
    const client = await server.connect();
    await client.initialize('bench');
    const pid = server.child.pid!;
    const latencies: number[] = [];
    let received = 0;
    const original = client.notifications;
    // Record receipt latency of every notification as it arrives.
    const push = original.push.bind(original);
    original.push = (...items: Json[]) => {
      const now = Date.now();
      for (const n of items) {
        received++;
        if (typeof n.emittedAtMs === 'number') latencies.push(now - n.emittedAtMs);
      }
      return push(...items);
    };
    const threadIds: string[] = [];
    for (let i = 0; i < THREADS; i++) {
      threadIds.push(
        ((await client.request('thread/start', { cwd: repo })).thread as Json).id as string,
      );
    }
    received = 0;
    latencies.length = 0;
    const started = performance.now();
    const completed = threadIds.map((threadId) =>
      client.waitFor('turn/completed', (p) => p.threadId === threadId),
    );
    await Promise.all(
      threadIds.map((threadId) =>
        client.request('turn/start', {
          threadId,
          input: [{ type: 'text', text: 'go', text_elements: [] }],
        }),
      ),
    );
    await Promise.all(completed);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `  ${THREADS} concurrent threads × ${DELTAS} deltas: ${received} notifications in ${seconds.toFixed(2)} s = ${Math.round(received / seconds)}/s;` +
        ` emit → receipt p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms  (target p99 ≤ 20 ms)`,
    );

    const before = rssMb(pid);
    for (let i = 0; i < IDLE_THREADS; i++) await client.request('thread/start', { cwd: repo });
    const after = rssMb(pid);
    console.log(
      `  RSS per idle loaded thread: ${(((after - before) * 1024) / IDLE_THREADS).toFixed(1)} KB (${IDLE_THREADS} threads: ${before.toFixed(1)} → ${after.toFixed(1)} MB)  target ≤ 1 MB`,
    );
    await client.close();
    await server.stop();
  } finally {
    mockProcess.kill('SIGTERM');
  }
}
