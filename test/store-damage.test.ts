// A damaged store, through every entry point that opens it: one clear line (what, where, how
// to recover), a non-zero exit, the damaged file left as it was with a copy kept beside it —
// never a fresh start over it. Then `yoke doctor` on it, and `yoke backup` / `--restore`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import {
  collect,
  runYoke,
  tempDir,
  tempRepo,
  YOKE_BIN,
  yokeEnv,
  type RunResult,
} from './support/cli.ts';
import { bytesOf, damage, storeWithData, type Damage } from './support/damaged-store.ts';

const DAMAGES: Damage[] = ['empty', 'half', 'garbage header', '4 KiB of noise', 'middle page'];
const MODEL = 'http://127.0.0.1:9/v1';

type EntryPoint = { name: string; run: (home: string, t: TestContext) => Promise<RunResult> };

const ENTRY_POINTS: EntryPoint[] = [
  {
    name: 'yoke app-server (stdio)',
    run: (home) =>
      runYoke(['app-server'], {
        cwd: '/',
        env: yokeEnv(MODEL, home),
        stdin:
          '{"id":1,"method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}\n' +
          '{"id":2,"method":"thread/list","params":{}}\n',
      }),
  },
  {
    name: 'yoke app-server --listen',
    run: (home) =>
      runYoke(['app-server', '--listen', 'ws://127.0.0.1:0'], {
        cwd: '/',
        env: yokeEnv(MODEL, home),
      }),
  },
  {
    name: 'yoke exec',
    run: (home, t) =>
      runYoke(['exec', 'hello'], { cwd: tempRepo({}, t), env: yokeEnv(MODEL, home) }),
  },
  {
    name: 'yoke serve',
    run: (home) => {
      const child = spawn(process.execPath, [YOKE_BIN, 'serve'], {
        cwd: '/',
        env: yokeEnv(MODEL, home),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      return collect(child);
    },
  },
  {
    name: 'yoke backup',
    run: (home, t) =>
      runYoke(['backup', join(tempDir('backup', t), 'b.db')], {
        cwd: '/',
        env: yokeEnv(MODEL, home),
      }),
  },
];

function damagedCopies(home: string): string[] {
  return readdirSync(home).filter(
    (n) => /^yoke\.db\.damaged-[^.]*$/.test(n) && !/-(wal|shm)$/.test(n),
  );
}

describe('a damaged store, at every entry point', () => {
  for (const how of DAMAGES) {
    for (const entry of ENTRY_POINTS) {
      test(`${how}: ${entry.name} says so in one line and exits non-zero`, async (t) => {
        const home = tempDir('home', t);
        const path = storeWithData(home, 40);
        damage(path, how);
        const before = bytesOf(path);
        const r = await entry.run(home, t);
        assert.notEqual(r.code, 0, `${entry.name} exited 0:\n${r.stderr}`);
        assert.equal(r.stdout, '', 'nothing was served');
        const lines = r.stderr.trimEnd().split('\n');
        assert.equal(lines.length, 1, r.stderr);
        assert.match(
          lines[0]!,
          new RegExp(
            `^yoke: the Yoke store ${path.replace(/[.]/g, '\\.')} is damaged: .+\\. A copy of it is kept at .+ To recover, restore a backup \\(yoke backup --restore FILE\\), or move it away`,
          ),
        );
        assert.deepEqual(bytesOf(path), before, 'the damaged file is left as it was');
        const copies = damagedCopies(home);
        assert.equal(copies.length, 1);
        assert.deepEqual(bytesOf(join(home, copies[0]!)), before, 'the copy is the damaged file');
      });
    }
  }

  test('what each damage is called', async (t) => {
    const said: Record<string, RegExp> = {
      empty: /the file is empty \(0 bytes\): it was truncated/,
      half: /the file is cut short: \d+ bytes of the \d+ its header says/,
      'garbage header': /the file does not start with an SQLite header/,
      '4 KiB of noise': /the file does not start with an SQLite header \(4096 bytes\)/,
      'middle page': /quick_check (found damage|failed)/,
    };
    for (const how of DAMAGES) {
      const home = tempDir('home', t);
      damage(storeWithData(home, 40), how);
      const r = await ENTRY_POINTS[0]!.run(home, t);
      assert.match(r.stderr, said[how]!, how);
    }
  });
});

test('yoke doctor: a full integrity_check of the store, with what to do', async (t) => {
  const home = tempDir('home', t);
  const path = storeWithData(home, 3);
  const env = yokeEnv(MODEL, home);
  const fine = await runYoke(['doctor'], { cwd: '/', env });
  assert.match(fine.stdout, /^ok +store: .*yoke\.db: integrity_check ok, 3 threads$/m);
  damage(path, 'middle page');
  const sick = await runYoke(['doctor'], { cwd: '/', env });
  assert.equal(sick.code, 1);
  assert.match(sick.stdout, /^PROBLEM store: .*yoke\.db: integrity_check (found damage|failed)/m);
  assert.match(sick.stdout, /^ {8}fix: restore a backup \(yoke backup --restore FILE\), or move/m);
});

test('yoke backup FILE, then --restore FILE over a damaged store', async (t) => {
  const home = tempDir('home', t);
  const path = storeWithData(home, 2);
  const env = yokeEnv(MODEL, home);
  const file = join(tempDir('backups', t), 'yoke-backup.db');
  const made = await runYoke(['backup', file], { cwd: '/', env });
  assert.equal(made.code, 0, made.stderr);
  assert.match(
    made.stdout,
    /^backed up 2 threads and 0 tasks \([\d.]+ MB\) to .*yoke-backup\.db\n$/,
  );
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const again = await runYoke(['backup', file], { cwd: '/', env });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /exists; choose a new file/);

  damage(path, 'empty');
  const restored = await runYoke(['backup', '--restore', file], { cwd: '/', env });
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(
    restored.stdout,
    /^restored 2 threads and 0 tasks from .*; the store it replaces is kept at .*before-restore-/,
  );
  const kept = readdirSync(home).find((n) => n.startsWith('yoke.db.before-restore-'))!;
  assert.equal(statSync(join(home, kept)).size, 0, 'the damaged store was moved aside, not lost');

  const listed = await runYoke(['app-server'], {
    cwd: '/',
    env,
    stdin:
      '{"id":1,"method":"initialize","params":{"clientInfo":{"name":"t","version":"1"}}}\n' +
      '{"id":2,"method":"thread/list","params":{}}\n',
  });
  assert.equal(listed.code, 0, listed.stderr);
  const list = JSON.parse(listed.stdout.trim().split('\n')[1]!) as { result: { data: unknown[] } };
  assert.equal(list.result.data.length, 2);

  // A damaged file is refused as a backup, and nothing changes.
  damage(file, 'half');
  const bad = await runYoke(['backup', '--restore', file], { cwd: '/', env });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /cut short/);
  assert.ok(existsSync(path));
});
