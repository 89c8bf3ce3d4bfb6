// The exec benchmark (issue 2): the mock model asks for N shell calls of `echo step-i`, then
// says "done". For N = 20 and 100 it prints wall time, per-step overhead, time from process
// start to the first model request, peak RSS, and how much of each request repeats the
// previous one byte for byte (within a turn, across turns, and across a resume).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPrefixExtension, prefixRatio } from '../src/models/cache-prefix.ts';
import { resolvePolicy } from '../src/sandbox/policy.ts';
import { createSandboxRunner } from '../src/sandbox/select.ts';
import { createSpawndRunner } from '../src/sandbox/spawnd-runner.ts';
import { YOKE_BIN, tempRepo } from '../test/support/cli.ts';
import {
  startMockModel,
  text,
  toolCall,
  type RecordedRequest,
} from '../test/support/mock-model.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TIME_BIN = '/usr/bin/time';

type Sample = {
  wallMs: number;
  firstRequestMs: number;
  peakRssMb: number | null;
  requests: RecordedRequest[];
};

/** Script: answer each request with the next `echo` until N calls in this turn, then "done". */
export function stepScript(n: number) {
  return (request: RecordedRequest) => {
    const input = (request.json as { input: { type: string; role?: string }[] }).input;
    let calls = 0;
    for (
      let i = input.length - 1;
      i >= 0 && !(input[i]!.type === 'message' && input[i]!.role === 'user');
      i--
    ) {
      if (input[i]!.type === 'function_call_output') calls++;
    }
    return calls < n ? toolCall('shell', { command: `echo step-${calls + 1}` }) : text('done');
  };
}

async function runOnce(
  n: number,
  repo: string,
  home: string,
  args: string[] = [],
): Promise<Sample> {
  const arrivals: number[] = [];
  const mock = await startMockModel((request, index) => {
    arrivals[index] = performance.now();
    return stepScript(n)(request);
  });
  const useTime = existsSync(TIME_BIN);
  const argv = ['exec', '--json', ...args, 'run the steps'];
  const started = performance.now();
  const child = useTime
    ? spawn(TIME_BIN, ['-f', 'peak-rss-kb=%M', process.execPath, YOKE_BIN, ...argv], {
        cwd: repo,
        env: env(mock.url, home),
      })
    : spawn(process.execPath, [YOKE_BIN, ...argv], { cwd: repo, env: env(mock.url, home) });
  child.stdin.end();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const wallMs = performance.now() - started;
  await mock.close();
  if (code !== 0) throw new Error(`yoke exited ${code}: ${stderr}`);
  const rss = /peak-rss-kb=(\d+)/.exec(stderr);
  return {
    wallMs,
    firstRequestMs: arrivals[0]! - started,
    peakRssMb: rss ? Number(rss[1]) / 1024 : null,
    requests: mock.requests,
  };
}

function env(url: string, home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    YOKE_HOME: home,
    OPENAI_BASE_URL: url,
    OPENAI_API_KEY: 'bench',
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Pairs of consecutive requests that are exact prefix-extensions, and the mean byte share. */
function prefixFigures(requests: RecordedRequest[]): {
  exact: number;
  pairs: number;
  share: number;
} {
  let exact = 0;
  let share = 0;
  for (let i = 1; i < requests.length; i++) {
    if (isPrefixExtension(requests[i - 1]!.body, requests[i]!.body)) exact++;
    share += prefixRatio(requests[i - 1]!.body, requests[i]!.body);
  }
  const pairs = requests.length - 1;
  return { exact, pairs, share: pairs ? share / pairs : 1 };
}

export async function benchExec(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'yoke-bench-'));
  try {
    const repo = tempRepo({ 'README.md': '# bench\n' });
    const results = new Map<number, Sample[]>();
    const none = ['--sandbox', 'danger-full-access'];
    for (const n of [20, 100]) {
      const samples: Sample[] = [];
      for (let i = 0; i < RUNS; i++)
        samples.push(await runOnce(n, repo, join(work, `home-${n}-${i}`), none));
      results.set(n, samples);
    }
    const wall20 = median(results.get(20)!.map((s) => s.wallMs));
    const wall100 = median(results.get(100)!.map((s) => s.wallMs));
    console.log(`exec benchmark (median of ${RUNS}; no sandbox: --sandbox danger-full-access)`);
    for (const n of [20, 100]) {
      const s = results.get(n)!;
      const prefix = prefixFigures(s[0]!.requests);
      const rss = s.map((x) => x.peakRssMb).filter((x): x is number => x !== null);
      console.log(
        `  N=${String(n).padEnd(3)}  wall ${median(s.map((x) => x.wallMs)).toFixed(0)} ms` +
          `  first request ${median(s.map((x) => x.firstRequestMs)).toFixed(0)} ms` +
          `  peak RSS ${rss.length ? `${median(rss).toFixed(1)} MB` : 'n/a (no /usr/bin/time)'}` +
          `  prefix-extensions ${prefix.exact}/${prefix.pairs} (byte share ${(prefix.share * 100).toFixed(2)} %)`,
      );
    }
    console.log(
      `  per-step overhead (wall@100 − wall@20) / 80 = ${((wall100 - wall20) / 80).toFixed(1)} ms`,
    );

    // The same with the default sandbox (workspace-write, bubblewrap).
    const boxed = new Map<number, number[]>();
    for (const n of [20, 100]) {
      const walls: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const home = join(work, `box-${n}-${i}`);
        walls.push((await runOnce(n, repo, home, ['--sandbox', 'workspace-write'])).wallMs);
      }
      boxed.set(n, walls);
    }
    const box20 = median(boxed.get(20)!);
    const box100 = median(boxed.get(100)!);
    console.log(
      `  sandboxed (workspace-write): wall@20 ${box20.toFixed(0)} ms, wall@100 ${box100.toFixed(0)} ms, per-step ${((box100 - box20) / 80).toFixed(1)} ms  (target ≤ 25 ms; Codex 111 ms)`,
    );
    await sandboxSpawn();

    // Across turns and a resume in a new process: three runs on one thread.
    const home = join(work, 'home-resume');
    const a = await runOnce(3, repo, home);
    const b = await runOnce(3, repo, home, ['resume', '--last']);
    const c = await runOnce(3, repo, home, ['resume', '--last']);
    const all = [...a.requests, ...b.requests, ...c.requests];
    const prefix = prefixFigures(all);
    console.log(
      `  across 3 turns in 3 processes (resume): prefix-extensions ${prefix.exact}/${prefix.pairs}` +
        ` (byte share ${(prefix.share * 100).toFixed(2)} %)`,
    );
    console.log(
      '  targets: ≤ 10 ms per step, first request ≤ 250 ms, peak RSS ≤ 90 MB, every request a prefix-extension',
    );
    rmSync(repo, { recursive: true, force: true });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Sandbox spawn cost: `true` 100 times through spawnd alone and through bwrap over spawnd. */
async function sandboxSpawn(): Promise<void> {
  const spawnd = createSpawndRunner(fileURLToPath(new URL('../dist/yoke-spawnd', import.meta.url)));
  const ws = mkdtempSync(join(tmpdir(), 'yoke-bench-sbx-'));
  const tmp = mkdtempSync(join(tmpdir(), 'yoke-bench-tmp-'));
  const policy = resolvePolicy({ mode: 'workspace-write', cwd: ws, tmpDir: tmp });
  const boxed = createSandboxRunner({ policy, base: spawnd }).runner;
  const signal = new AbortController().signal;
  const time = async (runner: typeof spawnd) => {
    const ms: number[] = [];
    for (let i = 0; i < 100; i++) {
      const started = performance.now();
      await runner.run({ argv: ['true'], cwd: ws, timeoutMs: 10_000 }, { signal });
      ms.push(performance.now() - started);
    }
    ms.sort((a, b) => a - b);
    return `p50 ${ms[49]!.toFixed(1)} ms, p99 ${ms[98]!.toFixed(1)} ms`;
  };
  console.log(
    `  spawn of \`true\` (100 runs): unsandboxed ${await time(spawnd)}; bwrap ${await time(boxed)}`,
  );
  rmSync(ws, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
}
