// The soak (issue 11): `yoke serve` under steady load for a long time — 200 loaded threads
// spread over 10 WebSocket clients that each run turns one after another (a command, then an
// answer streamed in 40 deltas; a thread is replaced by a new one after 8 turns), while 20 background tasks run at once (each replaced by a new
// one when it ends). Every minute the server's RSS and its live heap (after a forced garbage
// collection, read over the V8 inspector) are read; both must plateau. Not a test: run it with
// `npm run bench -- soak` (10 minutes), `npm run bench -- soak --minutes 3` or SOAK_MINUTES=3.
// SOAK_SNAPSHOTS=DIR also writes heap snapshots after the first minute and at the end (taking
// one raises the RSS that follows; judge the live heap then).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tempDir, tempRepo, YOKE_BIN, yokeEnv } from '../test/support/cli.ts';
import { CodexDriver, type Json } from '../test/support/codex-driver.ts';
import { Inspector, INSPECTOR_LINE, type LiveMemory } from './inspector.ts';

const THREADS = 200;
const CLIENTS = 10;
const TASKS = 20;
const ANSWER_DELTAS = 40;
/**
 * A thread's turns before its client lets it go (thread/unsubscribe: unloaded) and starts a new
 * one in its place: 200 threads stay loaded, and each one's history stays bounded. (Within one
 * conversation, history grows until compaction; that is the thread's content, not a leak.)
 */
const TURNS_PER_THREAD = 8;
/** Plateau: the second half's peak is less than this much above the first half's. */
const PLATEAU_BOUND = 0.1;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const fromEnv = process.env[`SOAK_${name.toUpperCase()}`];
  const value =
    at !== -1 ? Number(process.argv[at + 1]) : fromEnv !== undefined ? Number(fromEnv) : undefined;
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

/** Starts a process and waits for a line matching each of `ready` (on stderr for serve). */
async function startProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  ...ready: RegExp[]
) {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: args.includes('serve') ? child.stderr! : child.stdout! });
  const matches: (RegExpExecArray | undefined)[] = ready.map(() => undefined);
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      ready.forEach((pattern, i) => (matches[i] ??= pattern.exec(line) ?? undefined));
      if (matches.every(Boolean)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code})`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return { child, matches: matches as RegExpExecArray[] };
}

/** Second-half peak over first-half peak, minus one (the first sample, warming up, is first-half). */
function growth(series: number[]): number {
  const half = Math.floor(series.length / 2);
  const firstPeak = Math.max(...series.slice(0, half));
  return (Math.max(...series.slice(half)) - firstPeak) / firstPeak;
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
  const env = yokeEnv(mock.matches[0]![1]!, home);
  const serve = await startProcess(
    ['--inspect=127.0.0.1:0', YOKE_BIN, 'serve', '--concurrency', String(TASKS)],
    env,
    repo,
    /yoke serve listening on (ws:\/\/\S+)/,
    INSPECTOR_LINE,
  );
  const serveUrl = serve.matches[0]![1]!;
  const inspector = await Inspector.connect(serve.matches[1]![1]!);
  const snapshots = process.env.SOAK_SNAPSHOTS;
  const pid = serve.child.pid!;
  const token = readFileSync(join(home, 'serve.token'), 'utf8').trim();
  const headers = { Authorization: `Bearer ${token}` };
  const stats = {
    turns: 0,
    turnsFailed: 0,
    threadsReplaced: 0,
    tasks: 0,
    tasksFailed: 0,
    notifications: 0,
  };
  let stopping = false;
  const clients: CodexDriver[] = [];
  try {
    // 200 threads, 20 per client, loaded and subscribed (each replaced after TURNS_PER_THREAD).
    const owned: string[][] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const client = await CodexDriver.ws(serveUrl, headers);
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
      const ids = owned[c]!;
      for (let i = 0; !stopping; i++) {
        const slot = i % ids.length;
        if (i > 0 && slot === 0 && (i / ids.length) % TURNS_PER_THREAD === 0) {
          // Every thread of this client had its turns: each is let go and replaced.
          for (const [n, old] of ids.entries()) {
            await client.request('thread/unsubscribe', { threadId: old });
            const started = await client.request('thread/start', { cwd: repo });
            ids[n] = (started.thread as Json).id as string;
            stats.threadsReplaced++;
          }
        }
        const threadId = ids[slot]!;
        const input = [{ type: 'text', text: `turn ${i}`, text_elements: [] }];
        const turn = (await client.request('turn/start', { threadId, input })).turn as Json;
        const done = await client.waitFor('turn/completed', (p) => (p.turn as Json).id === turn.id);
        if ((done.turn as Json).status === 'completed') stats.turns++;
        else {
          stats.turnsFailed++;
          const error = (done.turn as Json).error as Json | null;
          console.log(
            `  turn ${turn.id as string} ${(done.turn as Json).status as string}: ${String(error?.message)}`,
          );
        }
        // Keep the client's memory flat: what it saw is counted, not kept.
        client.transcript.length = 0;
        if (client === submitter) {
          // Its task notifications are still looked in; this thread's are done with.
          const before = client.notifications.length;
          const kept = client.notifications.filter(
            (n) => (n.params as Json)?.threadId !== threadId,
          );
          stats.notifications += before - kept.length;
          client.notifications.splice(0, before, ...kept);
          continue;
        }
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
        const task = done.task as Json;
        if (task.status === 'succeeded') stats.tasks++;
        else {
          stats.tasksFailed++;
          const error = task.error as Json | null;
          console.log(
            `  task ${taskId} ${task.status as string}` +
              `${error?.node ? ` at ${error.node as string}` : ''}: ${String(error?.message)}`,
          );
        }
        // The submitter's list only grows otherwise: what this task said is no longer needed.
        for (let n = submitter.notifications.length - 1; n >= 0; n--) {
          const params = submitter.notifications[n]!.params as Json | undefined;
          if ((params?.task as Json | undefined)?.id === taskId)
            submitter.notifications.splice(n, 1);
        }
      }
    });

    console.log(
      `soak: ${loadedCount} loaded threads, ${CLIENTS} WebSocket clients, ${TASKS} tasks at once, ${minutes} min`,
    );
    const rssSeries: number[] = [];
    const heapSeries: number[] = [];
    const started = Date.now();
    const sample = async (label: string) => {
      const live: LiveMemory = await inspector.liveMemory();
      const m = memory(pid);
      const loaded = await clients[0]!.request('thread/loaded/list', { limit: 10_000 });
      console.log(
        `  ${label.padEnd(6)} RSS ${m.rss.toFixed(0).padStart(4)} MiB (peak ${m.peak.toFixed(0)})` +
          `  live heap ${live.heapUsed.toFixed(1).padStart(5)} MiB (+${live.external.toFixed(1)} external)` +
          `  loaded ${(loaded.data as unknown[]).length}` +
          `  turns ${stats.turns} (+${stats.turnsFailed} failed)  tasks ${stats.tasks} (+${stats.tasksFailed} failed)`,
      );
      return { rss: m.rss, heap: live.heapUsed };
    };
    const atStart = await sample('start');
    for (let minute = 1; minute <= minutes; minute++) {
      await new Promise((resolve) => setTimeout(resolve, started + minute * 60_000 - Date.now()));
      const { rss, heap } = await sample(`${minute} min`);
      rssSeries.push(rss);
      heapSeries.push(heap);
      if (snapshots && minute === 1)
        await inspector.heapSnapshot(join(snapshots, 'soak-1.heapsnapshot'));
    }
    if (snapshots) await inspector.heapSnapshot(join(snapshots, `soak-${minutes}.heapsnapshot`));
    stopping = true;
    const settle = Promise.all([...turnLoops, ...taskLoops]);
    await Promise.race([settle, new Promise((resolve) => setTimeout(resolve, 60_000))]);

    // Plateau: under load, the second half of the minutes grows less than PLATEAU_BOUND over
    // the first half's peak (the first minute, warming up from idle, counts in the first half).
    const rssGrowth = growth(rssSeries);
    const heapGrowth = growth(heapSeries);
    const verdict = (g: number) =>
      rssSeries.length < 4
        ? 'too short to judge (4 minutes or more)'
        : g < PLATEAU_BOUND
          ? 'plateaus'
          : 'KEEPS GROWING';
    const row = (xs: number[], digits = 0) => xs.map((x) => x.toFixed(digits)).join(' ');
    const bound = `${PLATEAU_BOUND * 100}%`;
    console.log(
      `  RSS series (MiB; idle, then one a minute): ${row([atStart.rss, ...rssSeries])}\n` +
        `  live heap series (MiB, after gc): ${row([atStart.heap, ...heapSeries], 1)}\n` +
        `  second-half peak vs first-half peak: RSS ${(rssGrowth * 100).toFixed(1)}% → ${verdict(rssGrowth)}, ` +
        `live heap ${(heapGrowth * 100).toFixed(1)}% → ${verdict(heapGrowth)} (bound ${bound})\n` +
        `  ${stats.turns} turns (${stats.turnsFailed} failed), ${stats.tasks} tasks (${stats.tasksFailed} failed), ` +
        `${stats.threadsReplaced} threads replaced after ${TURNS_PER_THREAD} turns, ${stats.notifications} notifications received`,
    );
    writeFileSync(
      join(home, 'soak.json'),
      JSON.stringify({ minutes, rssSeries, heapSeries, stats, rssGrowth, heapGrowth }, null, 2),
    );
  } finally {
    stopping = true;
    inspector.close();
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    serve.child.kill('SIGTERM');
    mock.child.kill('SIGTERM');
  }
}
