// The context benchmark (issue 5): over a 100-step run, the cache-prefix ratio (bytes of each
// request that repeat the previous request's prefix / all bytes sent — the mock's cached-token
// count is the same ratio in tokens), bytes sent; the same across a resume and a scoped rule
// loaded mid-run; for a 1000-step run in a 32k window, the number and cost of compactions.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commonPrefixLength } from '../src/models/cache-prefix.ts';
import { loadConfig } from '../src/runtime/config.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import { tempDir, tempRepo } from '../test/support/cli.ts';
import {
  startMockModel,
  text,
  toolCall,
  type MockScript,
  type RecordedRequest,
} from '../test/support/mock-model.ts';

function prefixFigures(requests: RecordedRequest[]): { ratio: number; bytes: number } {
  let repeated = 0;
  let total = 0;
  requests.forEach((r, i) => {
    total += r.body.length;
    if (i > 0) repeated += commonPrefixLength(requests[i - 1]!.body, r.body);
  });
  return { ratio: repeated / total, bytes: total };
}

async function run(
  script: MockScript,
  repo: string,
  toml: string,
  drive: (m: ThreadManager, home: string, url: string) => Promise<void>,
) {
  const mock = await startMockModel(script);
  const home = tempDir('bench-ctx');
  writeFileSync(join(home, 'config.toml'), toml);
  const config = () =>
    loadConfig({
      env: { YOKE_HOME: home, OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' },
      cwd: repo,
    });
  const m = new ThreadManager({ config: config() });
  await drive(m, home, mock.url);
  m.close();
  await mock.close();
  return { requests: mock.requests, config };
}

const say = (s: string) => [{ type: 'text' as const, text: s }];

export async function benchContext(): Promise<void> {
  const repo = tempRepo({
    'README.md': '# bench\n',
    'AGENTS.md': 'Keep changes small.\n',
    'sub/AGENTS.md': 'Sub rule.\n',
    'sub/f.txt': 'f\n',
  });
  console.log('context benchmark');

  // 100 steps in one turn.
  let n = 0;
  const hundred = await run(
    () => (n++ < 100 ? toolCall('shell', { command: `echo step-${n}` }) : text('done')),
    repo,
    '',
    async (m) => {
      await m.startThread({ cwd: repo }).startTurn(say('run 100 steps')).done;
    },
  );
  const a = prefixFigures(hundred.requests);
  console.log(
    `  100 steps: cache-prefix ratio ${(a.ratio * 100).toFixed(2)} %, ${(a.bytes / 1024).toFixed(0)} KiB sent in ${hundred.requests.length} requests  (peers: 98.3–98.7 %)`,
  );

  // 100 steps over 4 turns, a resume from the store halfway, a scoped rule loaded mid-run.
  let k = 0;
  const mixed = await run(
    (request) => {
      const body = request.body;
      if (
        body.includes('"text":"turn') &&
        !body.slice(body.lastIndexOf('"text":"turn')).includes('function_call')
      )
        k = 0;
      if (k++ < 25)
        return toolCall(
          k === 10 ? 'read_file' : 'shell',
          k === 10 ? { path: 'sub/f.txt' } : { command: `echo ${k}` },
        );
      return text('turn done');
    },
    repo,
    '',
    async (m, home, url) => {
      const s = m.startThread({ cwd: repo });
      await s.startTurn(say('turn 1')).done;
      await s.startTurn(say('turn 2')).done;
      m.close();
      const again = new ThreadManager({
        config: loadConfig({
          env: { YOKE_HOME: home, OPENAI_BASE_URL: url, OPENAI_API_KEY: 'k' },
          cwd: repo,
        }),
      });
      const r = again.resumeThread(s.id);
      await r.startTurn(say('turn 3')).done;
      await r.startTurn(say('turn 4')).done;
      again.close();
    },
  );
  const b = prefixFigures(mixed.requests);
  console.log(
    `  ${mixed.requests.length} requests over 4 turns, a resume and a scoped rule: cache-prefix ratio ${(b.ratio * 100).toFixed(2)} %`,
  );

  // 1000 steps in a 32k window.
  let calls = 0;
  let compactionTokens = 0;
  let compactions = 0;
  const thousand = await run(
    (request) => {
      if (request.body.includes('Context checkpoint')) {
        compactions++;
        compactionTokens += Math.round(request.body.length / 4);
        return text(`Summary: ${calls} steps done of 1000.`);
      }
      if (calls >= 1000) return text('done');
      calls++;
      return toolCall('shell', { command: `echo step-${calls}-${'x'.repeat(300)}` });
    },
    repo,
    '[model_catalog."small-model"]\ncontext_window = 32000\n',
    async (m) => {
      const result = await m
        .startThread({ cwd: repo, model: 'small-model' })
        .startTurn(say('run 1000 steps')).done;
      if (result.status !== 'completed')
        throw new Error(`1000-step run ${result.status}: ${result.error?.message}`);
    },
  );
  const c = prefixFigures(thousand.requests);
  const total = thousand.requests.reduce((sum, r) => sum + r.body.length / 4, 0);
  console.log(
    `  1000 steps in a 32k window: completed; ${compactions} compactions costing ${compactionTokens} input tokens ` +
      `(${((compactionTokens / total) * 100).toFixed(1)} % of ${Math.round(total)}); cache-prefix ratio ${(c.ratio * 100).toFixed(2)} %`,
  );
}
