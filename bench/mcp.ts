// The MCP benchmark (issue 13): the time from thread start to the first model request with 3
// stdio MCP servers configured (server-everything, twice, and server-filesystem) against none,
// once the servers were started once in this process (target: ≤ 20 ms later); the first thread
// of the process, which starts them, for comparison; and the cache-prefix ratio over 100 steps
// that call MCP tools (the ceiling is the same run without MCP).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commonPrefixLength } from '../src/models/cache-prefix.ts';
import { loadConfig } from '../src/runtime/config.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import { tempDir, tempRepo } from '../test/support/cli.ts';
import { everythingServer, filesystemServer, stdioToml } from '../test/support/mcp-servers.ts';
import {
  startMockModel,
  text,
  toolCall,
  type MockScript,
  type RecordedRequest,
} from '../test/support/mock-model.ts';

const RUNS = 20;
const say = (s: string) => [{ type: 'text' as const, text: s }];

function ratioOf(requests: RecordedRequest[]): number {
  let repeated = 0;
  let total = 0;
  requests.forEach((r, i) => {
    total += r.body.length;
    if (i > 0) repeated += commonPrefixLength(requests[i - 1]!.body, r.body);
  });
  return repeated / total;
}

async function withManager<T>(
  toml: string,
  script: MockScript,
  body: (
    m: ThreadManager,
    mock: Awaited<ReturnType<typeof startMockModel>>,
    repo: string,
  ) => Promise<T>,
): Promise<T> {
  const mock = await startMockModel(script);
  const home = tempDir('bench-mcp');
  const repo = tempRepo({ 'README.md': '# bench\n' });
  writeFileSync(join(home, 'config.toml'), toml);
  const config = loadConfig({
    env: { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' },
    cwd: repo,
  });
  const m = new ThreadManager({ config });
  try {
    return await body(m, mock, repo);
  } finally {
    await m.closeMcp();
    m.close();
    await mock.close();
  }
}

/** ms from startThread to the mock receiving the first request, per thread (RUNS threads). */
async function firstRequestTimes(toml: string): Promise<{ first: number; warm: number[] }> {
  return withManager(
    toml,
    () => text('ok'),
    async (m, mock, repo) => {
      const times: number[] = [];
      for (let i = 0; i <= RUNS; i++) {
        const before = mock.requests.length;
        const started = performance.now();
        const session = m.startThread({ cwd: repo, ephemeral: true });
        const { done } = session.startTurn(say('hi'));
        await mock.waitForRequests(before + 1);
        times.push(performance.now() - started);
        await done;
      }
      return { first: times[0]!, warm: times.slice(1) };
    },
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchMcp(): Promise<void> {
  console.log('mcp benchmark');
  const dir = tempDir('bench-mcp-fs');
  const three = [
    stdioToml('everything', everythingServer()),
    stdioToml('more', everythingServer()),
    stdioToml('fs', filesystemServer(dir)),
  ].join('\n');
  const none = await firstRequestTimes('');
  const mcp = await firstRequestTimes(three);
  const delta = median(mcp.warm) - median(none.warm);
  console.log(
    `  thread start → first model request, median of ${RUNS}: none ${median(none.warm).toFixed(1)} ms, ` +
      `3 stdio servers ${median(mcp.warm).toFixed(1)} ms (+${delta.toFixed(1)} ms; target ≤ 20 ms)`,
  );
  console.log(
    `  the first thread of the process (starts the 3 servers): ${mcp.first.toFixed(0)} ms (none: ${none.first.toFixed(0)} ms)`,
  );

  const steps = (mcpTools: boolean): MockScript => {
    let n = 0;
    return () =>
      n++ < 100
        ? mcpTools
          ? toolCall('mcp__everything__echo', { message: `step-${n}` })
          : toolCall('read_file', { path: 'README.md' })
        : text('done');
  };
  const hundred = async (toml: string, mcpTools: boolean) =>
    withManager(toml, steps(mcpTools), async (m, mock, repo) => {
      await m.startThread({ cwd: repo }).startTurn(say('run 100 steps')).done;
      return { ratio: ratioOf(mock.requests), requests: mock.requests.length };
    });
  const plain = await hundred('', false);
  const withMcp = await hundred(three, true);
  console.log(
    `  100 steps calling an MCP tool: cache-prefix ratio ${(withMcp.ratio * 100).toFixed(2)} % over ` +
      `${withMcp.requests} requests (the same run with read_file and no servers: ${(plain.ratio * 100).toFixed(2)} %)`,
  );
}
