// The ACP benchmark (issue 15): how long from spawning `yoke acp` to its `initialize` answer,
// and what ACP adds per step: the same 100-step scripted turn (N shell calls of `echo step-i`,
// then "done") driven over ACP by an SDK-built editor and by `yoke exec`, both sandboxed
// (workspace-write). A step's time is the gap between consecutive model requests, so process
// start-up is left out of it. The mock model runs in a process of its own: the editor (this
// process) parses every session/update, and must not delay the model's answers.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

/**
 * A turn of `steps` steps against a mock model in its own process; resolves the time per step
 * (ms) between the first and last request, by the model's clock.
 */
async function perStep(
  steps: number,
  drive: (env: NodeJS.ProcessEnv) => Promise<void>,
  home: string,
) {
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
  try {
    await drive(yokeEnv(url, home));
  } finally {
    const exited = new Promise((resolve) => mock.on('close', resolve));
    mock.kill('SIGTERM');
    await exited;
  }
  if (arrivals.length !== steps + 1)
    throw new Error(`expected ${steps + 1} requests, got ${arrivals.length}`);
  return (arrivals.at(-1)! - arrivals[0]!) / steps;
}

async function overAcp(repo: string, env: NodeJS.ProcessEnv): Promise<void> {
  const editor = spawnEditor({ cwd: repo, env, args: ['--mode', 'auto'] });
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
}

async function overExec(repo: string, env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(
    process.execPath,
    [YOKE_BIN, 'exec', '--json', '--sandbox', 'workspace-write', 'run the steps'],
    {
      cwd: repo,
      env,
    },
  );
  child.stdin.end();
  child.stdout.resume();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`yoke exec exited ${code}: ${stderr}`);
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
    const viaAcp: number[] = [];
    const viaExec: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      viaAcp.push(await perStep(STEPS, (env) => overAcp(repo, env), join(work, `acp-${i}`)));
      viaExec.push(await perStep(STEPS, (env) => overExec(repo, env), join(work, `exec-${i}`)));
    }
    const a = median(viaAcp);
    const e = median(viaExec);
    console.log(`acp benchmark (median of ${RUNS}; sandbox workspace-write)`);
    console.log(
      `  spawn → initialize answer: median ${median(init).toFixed(0)} ms, best ${Math.min(...init).toFixed(0)} ms (10 runs)`,
    );
    console.log(
      `  ${STEPS}-step turn, per step: over ACP ${a.toFixed(2)} ms, over yoke exec ${e.toFixed(2)} ms`,
    );
    console.log(`  ACP overhead per step: ${(a - e).toFixed(2)} ms (target: within 1 ms)`);
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}
