// The soak (issue 11): `yoke serve` under steady load for a long time — 200 loaded threads
// spread over 10 WebSocket clients that each run turns one after another (a command, then an
// answer streamed in 40 deltas), while 20 background tasks run at once (each replaced by a new
// one when it ends). The server's RSS is read every minute; it must plateau. Not a test: run
// it with `npm run bench -- soak` (10 minutes) or `npm run bench -- soak --minutes 2`.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tempDir, tempRepo, YOKE_BIN, yokeEnv } from '../test/support/cli.ts';
import { CodexDriver, type Json } from '../test/support/codex-driver.ts';

const THREADS = 200;
const CLIENTS = 10;
const TASKS = 20;
const ANSWER_DELTAS = 40;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at === -1 ? undefined : Number(process.argv[at + 1]);
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new Error(`--${name} needs a positive number`);
  return value;
}

function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const mib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) / 1024;
  return { rss: mib('VmRSS'), peak: mib('VmHWM') };
}

async function startProcess(args: string[], env: NodeJS.ProcessEnv, cwd: string, ready: RegExp) {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: args.includes('serve') ? child.stderr! : child.stdout! });
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = ready.exec(line);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code})`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { child, match };
}

export async function benchSoak(): Promise<void> {
  const minutes = option('minutes', 10);
  const home = tempDir('soak-home');
  const repo = tempRepo({ 'README.md': '# soak\n', 'src/a.txt': 'a\n' });
  const mock = await startProcess(
    ['--import', 'tsx', 'bench/soak-mock.ts', String(ANSWER_DELTAS)],
    process.env,
    process.cwd(),
    /^(http:\/\/\S+)$/,
  );
  const env = yokeEnv(mock.match[1]!, home);
  const serve = await startProcess(
    [YOKE_BIN, 'serve', '--concurrency', String(TASKS)],
    env,
    repo,
    /yoke serve listening on (ws:\/\/\S+)/,
  );
  const pid = serve.child.pid!;
  const token = readFileSync(join(home, 'serve.token'), 'utf8').trim();
  const headers = { Authorization: `Bearer ${token}` };
  const stats = { turns: 0, turnsFailed: 0, tasks: 0, tasksFailed: 0, notifications: 0 };
  let stopping = false;
  const clients: CodexDriver[] = [];
  try {
    // 200 threads, 20 per client, loaded and subscribed for the whole run.
    const owned: string[][] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const client = await CodexDriver.ws(serve.match[1]!, headers);
      await client.initialize(`soak-${c}`);
      clients.push(client);
      const ids: string[] = [];
      for (let i = 0; i < THREADS / CLIENTS; i++) {
        const started = await client.request('thread/start', { cwd: repo });
        ids.push((started.thread as Json).id as string);
      }
      owned.push(ids);
    }
    const loaded = await clients[0]!.request('thread/loaded/list', { limit: 1000 });
    const loadedCount = (loaded.data as unknown[]).length;

    // Each client runs turns on its threads, one after another, until the end; the last one
    // also submits the tasks (and so keeps its notifications, which the task waits look in).
    const submitter = clients[CLIENTS - 1]!;
    const turnLoops = clients.map(async (client, c) => {
      for (let i = 0; !stopping; i++) {
        const threadId = owned[c]![i % owned[c]!.length]!;
        const input = [{ type: 'text', text: `turn ${i}`, text_elements: [] }];
        const turn = (await client.request('turn/start', { threadId, input })).turn as Json;
        const done = await client.waitFor('turn/completed', (p) => (p.turn as Json).id === turn.id);
        if ((done.turn as Json).status === 'completed') stats.turns++;
        else stats.turnsFailed++;
        // Keep the client's memory flat: what it saw is counted, not kept.
        client.transcript.length = 0;
        if (client === submitter) continue;
        stats.notifications += client.notifications.length;
        client.notifications.length = 0;
      }
    });

    // 20 tasks at once: each finished one is replaced by a new one.
    const finished = new Set(['succeeded', 'failed', 'cancelled']);
    const taskLoops = Array.from({ length: TASKS }, async (_, slot) => {
      for (let i = 0; !stopping; i++) {
        const submitted = await submitter.request('task/submit', {
          prompt: `soak task ${slot}-${i}: add a file`,
          repo,
        });
        const taskId = (submitted.task as Json).id as string;
        const done = await submitter.waitFor(
          'task/updated',
          (p) => (p.task as Json).id === taskId && finished.has((p.task as Json).status as string),
        );
        if ((done.task as Json).status === 'succeeded') stats.tasks++;
        else stats.tasksFailed++;
      }
    });

    console.log(
      `soak: ${loadedCount} loaded threads, ${CLIENTS} WebSocket clients, ${TASKS} tasks at once, ${minutes} min`,
    );
    const series: number[] = [];
    const started = Date.now();
    const sample = (label: string) => {
      const m = memory(pid);
      console.log(
        `  ${label.padEnd(6)} RSS ${m.rss.toFixed(0).padStart(4)} MiB (peak ${m.peak.toFixed(0)})` +
          `  turns ${stats.turns} (+${stats.turnsFailed} failed)  tasks ${stats.tasks} (+${stats.tasksFailed} failed)`,
      );
      return m.rss;
    };
    const atStart = sample('start');
    for (let minute = 1; minute <= minutes; minute++) {
      await new Promise((resolve) => setTimeout(resolve, started + minute * 60_000 - Date.now()));
      series.push(sample(`${minute} min`));
    }
    stopping = true;
    const settle = Promise.all([...turnLoops, ...taskLoops]);
    await Promise.race([settle, new Promise((resolve) => setTimeout(resolve, 60_000))]);

    // Plateau: under load, the second half of the minutes grows less than 10% over the first
    // half's peak (the first minute, warming up from idle, counts in the first half).
    const half = Math.floor(series.length / 2);
    const firstPeak = Math.max(...series.slice(0, half));
    const lastPeak = Math.max(...series.slice(half));
    const growth = (lastPeak - firstPeak) / firstPeak;
    const verdict =
      series.length < 4
        ? 'too short to judge (4 minutes or more)'
        : growth < 0.1
          ? 'plateaus'
          : 'KEEPS GROWING';
    console.log(
      `  RSS series (MiB; idle, then one a minute): ${[atStart, ...series].map((x) => x.toFixed(0)).join(' ')}\n` +
        `  second-half peak vs first-half peak: ${(growth * 100).toFixed(1)}% → ${verdict}\n` +
        `  ${stats.turns} turns, ${stats.tasks} tasks, ${stats.notifications} notifications received`,
    );
    writeFileSync(
      join(home, 'soak.json'),
      JSON.stringify({ minutes, series, stats, growth }, null, 2),
    );
  } finally {
    stopping = true;
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    serve.child.kill('SIGTERM');
    mock.child.kill('SIGTERM');
  }
}
