// Commands' private temp dirs: removed when their thread unloads, and at start the ones whose
// owning process is gone (pid and start time in the name) — never one still in use.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { listCommandTmp, makeCommandTmp, sweepCommandTmp } from '../src/runtime/command-tmp.ts';
import { loadConfig } from '../src/runtime/config.ts';
import { ThreadManager } from '../src/runtime/thread-manager.ts';
import { tempDir } from './support/cli.ts';
import { startMockModel, text, toolCall } from './support/mock-model.ts';

const startOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
};

test('the sweep removes dirs of dead processes and of reused pids, keeps live ones', (t) => {
  const parent = tempDir('tmp', t);
  const mine = makeCommandTmp(parent);
  const dead = spawnSync('true').pid!;
  const sleeper = spawn('sleep', ['100'], { stdio: 'ignore' });
  t.after(() => {
    sleeper.kill('SIGKILL');
  });
  const live = sleeper.pid!;
  const dirs = {
    mine,
    dead: join(parent, `yoke-cmd-${dead}.1-aaaaaa`),
    reused: join(parent, `yoke-cmd-${live}.1-bbbbbb`),
    alive: join(parent, `yoke-cmd-${live}.${startOf(live)}-cccccc`),
    legacyNew: join(parent, 'yoke-cmd-dddddd'),
    legacyOld: join(parent, 'yoke-cmd-eeeeee'),
    other: join(parent, 'not-ours'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(join(dir, 'inner'), { recursive: true });
  const weekAgo = (Date.now() - 8 * 24 * 3600 * 1000) / 1000;
  utimesSync(dirs.legacyOld, weekAgo, weekAgo);
  const owners = Object.fromEntries(
    listCommandTmp(parent).map((d) => [join(parent, d.name), d.owner]),
  );
  assert.deepEqual(
    Object.values(dirs).map((dir) => owners[dir]),
    ['live', 'dead', 'dead', 'live', 'unnamed', 'unnamed', undefined],
  );
  assert.equal(sweepCommandTmp(parent), 3);
  const left = Object.entries(dirs)
    .filter(([, dir]) => existsSync(dir))
    .map(([name]) => name);
  assert.deepEqual(left, ['mine', 'alive', 'legacyNew', 'other']);
});

test("a thread's temp dir goes when the thread unloads (and with the manager)", async (t) => {
  const ws = tempDir('ws', t);
  const mock = await startMockModel([toolCall('shell', { command: 'echo "$TMPDIR"' }), text('ok')]);
  t.after(() => mock.close());
  const manager = new ThreadManager({
    config: loadConfig({
      env: { YOKE_HOME: tempDir('home', t), OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'k' },
      cwd: ws,
    }),
  });
  t.after(() => manager.close());
  const session = manager.startThread({ cwd: ws });
  await session.startTurn([{ type: 'text', text: 'go' }]).done;
  const item = session.turns[0]!.items.find((i) => i.type === 'commandExecution');
  const tmp = item && item.type === 'commandExecution' ? item.aggregatedOutput!.trim() : '';
  assert.match(tmp, new RegExp(`/yoke-cmd-${process.pid}\\.\\d+-`));
  assert.ok(existsSync(tmp));
  assert.equal(manager.unload(session.id), true);
  assert.equal(existsSync(tmp), false);
});
