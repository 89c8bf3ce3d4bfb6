// npm run bench -- codex-tui: the real Codex TUI (@openai/codex 0.169.0, installed into the
// test cache) started with `codex --remote` until its first screen shows the prompt and the
// model, against `yoke app-server --listen` and against Codex's own `codex app-server --listen`
// (both already listening, both on the mock model). Median and spread of RUNS starts each.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tempDir, tempRepo, yokeEnv } from '../test/support/cli.ts';
import { startWsServer } from '../test/support/codex-driver.ts';
import { cacheTempDir, codexBinary } from '../test/support/codex-package.ts';
import { startMockModel, text } from '../test/support/mock-model.ts';
import { startPane } from '../test/support/tmux-pane.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeToPrompt(
  codex: string,
  url: string,
  codexHome: string,
  repo: string,
  model: string,
  token?: string,
): Promise<number> {
  const started = performance.now();
  const pane = startPane(
    [codex, '--remote', url, ...(token ? ['--remote-auth-token-env', 'YOKE_TOKEN'] : [])],
    {
      env: {
        PATH: process.env.PATH,
        HOME: codexHome,
        CODEX_HOME: codexHome,
        MOCK_API_KEY: 'k',
        ...(token ? { YOKE_TOKEN: token } : {}),
      },
      cwd: repo,
      pollMs: 5,
    },
  );
  try {
    await pane.waitFor((s) => /^› /m.test(s) && s.includes(model), 60_000);
    return performance.now() - started;
  } finally {
    pane.kill();
  }
}

async function codexAppServer(codex: string, codexHome: string, repo: string) {
  const child: ChildProcess = spawn(codex, ['app-server', '--listen', 'ws://127.0.0.1:0'], {
    cwd: repo,
    env: { PATH: process.env.PATH, HOME: codexHome, CODEX_HOME: codexHome, MOCK_API_KEY: 'k' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const m = /listening on: (ws:\/\/\S+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    child.once('close', (code) => reject(new Error(`codex app-server exited (${code})`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

export async function benchCodexTui(): Promise<void> {
  const codex = await codexBinary();
  const mock = await startMockModel(() => text('unused'));
  const repo = tempRepo({ 'README.md': '# bench\n' });
  const home = tempDir('bench-home');
  writeFileSync(join(home, 'config.toml'), 'model = "yoke-bench-model"\n');
  const codexHome = cacheTempDir('bench-codex-home');
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      'model = "codex-bench-model"',
      'model_provider = "mock"',
      'check_for_update_on_startup = false',
      '[model_providers.mock]',
      'name = "Mock"',
      `base_url = "${mock.url}"`,
      'wire_api = "responses"',
      'env_key = "MOCK_API_KEY"',
      '[analytics]',
      'enabled = false',
      `[projects."${repo}"]`,
      'trust_level = "trusted"',
      '[tui]',
      'screen_reader_detection_done = true',
    ].join('\n') + '\n',
  );
  const yoke = await startWsServer(yokeEnv(mock.url, home), repo);
  const own = await codexAppServer(codex, codexHome, repo);
  try {
    const yokeMs: number[] = [];
    const codexMs: number[] = [];
    // Interleaved, one warm-up each, so both see the same machine load.
    await timeToPrompt(codex, yoke.url, codexHome, repo, 'yoke-bench-model', yoke.token);
    await timeToPrompt(codex, own.url, codexHome, repo, 'codex-bench-model');
    for (let i = 0; i < RUNS; i++) {
      yokeMs.push(
        await timeToPrompt(codex, yoke.url, codexHome, repo, 'yoke-bench-model', yoke.token),
      );
      codexMs.push(await timeToPrompt(codex, own.url, codexHome, repo, 'codex-bench-model'));
    }
    const line = (xs: number[]) =>
      `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
    console.log('codex-tui benchmark: codex --remote start → first screen with the prompt');
    console.log(`  yoke app-server:  ${line(yokeMs)}`);
    console.log(`  codex app-server: ${line(codexMs)}`);
  } finally {
    own.stop();
    await yoke.stop();
    await mock.close();
  }
}
