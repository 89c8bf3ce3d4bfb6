// The ACP benchmark (issue 15): how long from spawning `yoke acp` to its `initialize` answer,
// and what ACP adds per step: the same 100-step scripted turn (N shell calls of `echo step-i`,
// then "done") driven over ACP by an SDK-built editor and by `yoke exec`, both sandboxed
// (workspace-write). A step's time is the gap between consecutive model requests, so process
// start-up is left out of it. The mock model runs in a process of its own: the editor (this
// process) parses every session/update, and must not delay the model's answers.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as acp from '@agentclientprotocol/sdk';
import { spawnEditor } from '../test/support/acp-client.ts';
import { tempRepo, YOKE_BIN, yokeEnv } from '../test/support/cli.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const STEPS = 100;
const CLIENT_INFO = { name: 'bench', version: '1' };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs yoke under GNU time, which reports its CPU time (and its commands') on stderr. */
const TIME = ['/usr/bin/time', '-f', 'cpu-s=%U+%S'];
const hasTime = existsSync(TIME[0]!);

type Run = { perStepMs: number | null; cpuMs: number | null; editorCpuMs: number };

/**
 * A turn of `steps` steps against a mock model in its own process: the time per step (ms)
 * between the first and last request, by the model's clock, and the CPU time yoke used.
 */
async function run(
  steps: number,
  drive: (env: NodeJS.ProcessEnv) => Promise<string>,
  home: string,
): Promise<Run> {
  const mock = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/mock-steps-process.ts', String(steps)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const arrivals: number[] = [];
  const lines = createInterface({ input: mock.stdout });
  const url = await new Promise<string>((resolve) =>
    lines.on('line', (line) => {
      if (line.startsWith('request ')) arrivals.push(Number(line.slice(8)));
      else resolve(line);
    }),
  );
  let stderr: string;
  const editorCpu = process.cpuUsage();
  try {
    stderr = await drive(yokeEnv(url, home));
  } finally {
    const exited = new Promise((resolve) => mock.on('close', resolve));
    mock.kill('SIGTERM');
    await exited;
  }
  if (arrivals.length !== steps + 1)
    throw new Error(`expected ${steps + 1} requests, got ${arrivals.length}`);
  const cpu = /cpu-s=([\d.]+)\+([\d.]+)/.exec(stderr);
  return {
    perStepMs: steps > 0 ? (arrivals.at(-1)! - arrivals[0]!) / steps : null,
    cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : null,
    editorCpuMs: cpuMs(process.cpuUsage(editorCpu)),
  };
}

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** One turn over ACP; resolves yoke's stderr. */
async function overAcp(repo: string, env: NodeJS.ProcessEnv): Promise<string> {
  const editor = spawnEditor({
    cwd: repo,
    env,
    args: ['--mode', 'auto'],
    ...(hasTime ? { wrap: TIME } : {}),
  });
  try {
    await editor.agent.request('initialize', {
      protocolVersion: acp.PROTOCOL_VERSION,
      clientInfo: CLIENT_INFO,
    });
    const { sessionId } = await editor.agent.request('session/new', { cwd: repo, mcpServers: [] });
    const done = await editor.agent.request('session/prompt', {
      sessionId,
      prompt: [{ type: 'text', text: 'run the steps' }],
    });
    if (done.stopReason !== 'end_turn') throw new Error(`stopped: ${done.stopReason}`);
  } catch (err) {
    await editor.close();
    throw err;
  }
  const code = await editor.close();
  if (code !== 0) throw new Error(`yoke acp exited ${code}: ${editor.stderr()}`);
  return editor.stderr();
}

/** One turn over `yoke exec`; resolves its stderr. */
async function overExec(repo: string, env: NodeJS.ProcessEnv): Promise<string> {
  const argv = [YOKE_BIN, 'exec', '--json', '--sandbox', 'workspace-write', 'run the steps'];
  const child = hasTime
    ? spawn(TIME[0]!, [...TIME.slice(1), process.execPath, ...argv], { cwd: repo, env })
    : spawn(process.execPath, argv, { cwd: repo, env });
  child.stdin.end();
  child.stdout.resume();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`yoke exec exited ${code}: ${stderr}`);
  return stderr;
}

async function spawnToInitialize(repo: string, env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const editor = spawnEditor({ cwd: repo, env });
  await editor.agent.request('initialize', {
    protocolVersion: acp.PROTOCOL_VERSION,
    clientInfo: CLIENT_INFO,
  });
  const ms = performance.now() - started;
  await editor.close();
  return ms;
}

export async function benchAcp(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'yoke-bench-acp-'));
  const repo = tempRepo({ 'README.md': '# bench\n' });
  try {
    const init: number[] = [];
    for (let i = 0; i < 10; i++)
      init.push(
        await spawnToInitialize(repo, yokeEnv('http://127.0.0.1:9/v1', join(work, `init-${i}`))),
      );
    const wall = { acp: [] as number[], exec: [] as number[] };
    // CPU per step: a 100-step turn's CPU time less a 0-step turn's (start-up cancels out).
    const cpu = { acp: [] as number[], exec: [] as number[] };
    // …and of this process: the editor over ACP (the SDK parses every update), a pipe over exec.
    const client = { acp: [] as number[], exec: [] as number[] };
    const perStep = (long: Run, short: Run) =>
      long.cpuMs !== null && short.cpuMs !== null ? (long.cpuMs - short.cpuMs) / STEPS : null;
    for (let i = 0; i < RUNS; i++) {
      for (const [name, drive] of [
        ['acp', overAcp],
        ['exec', overExec],
      ] as const) {
        const long = await run(STEPS, (env) => drive(repo, env), join(work, `${name}-${i}`));
        const short = await run(0, (env) => drive(repo, env), join(work, `${name}-${i}-0`));
        wall[name].push(long.perStepMs!);
        const c = perStep(long, short);
        if (c !== null) cpu[name].push(c);
        client[name].push((long.editorCpuMs - short.editorCpuMs) / STEPS);
      }
    }
    const a = median(wall.acp);
    const e = median(wall.exec);
    console.log(`acp benchmark (median of ${RUNS}; sandbox workspace-write)`);
    console.log(
      `  spawn → initialize answer: median ${median(init).toFixed(0)} ms, best ${Math.min(...init).toFixed(0)} ms (10 runs)`,
    );
    console.log(
      `  ${STEPS}-step turn, wall time per step: over ACP ${a.toFixed(2)} ms, over yoke exec ${e.toFixed(2)} ms`,
    );
    console.log(`  ACP overhead per step (wall): ${(a - e).toFixed(2)} ms (target: within 1 ms)`);
    if (cpu.acp.length && cpu.exec.length) {
      const ca = median(cpu.acp);
      const ce = median(cpu.exec);
      console.log(
        `  CPU per step (yoke and its commands): over ACP ${ca.toFixed(2)} ms, over yoke exec ${ce.toFixed(2)} ms; ACP adds ${(ca - ce).toFixed(2)} ms`,
      );
    }
    console.log(
      `  CPU per step of the client (this process): the ACP editor ${median(client.acp).toFixed(2)} ms, reading exec's output ${median(client.exec).toFixed(2)} ms`,
    );
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}
