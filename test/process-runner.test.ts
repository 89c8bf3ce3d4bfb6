// Both `none` runners — straight from Node, and through yoke-spawnd — behave the same.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createDirectRunner } from '../src/sandbox/direct-runner.ts';
import type { ProcessRunner, ProcessSpec } from '../src/sandbox/process-runner.ts';
import { createSpawndRunner } from '../src/sandbox/spawnd-runner.ts';

const SPAWND = fileURLToPath(new URL('../dist/yoke-spawnd', import.meta.url));

const runners: [string, (cap?: number) => ProcessRunner][] = [
  ['direct', (cap) => createDirectRunner(cap ? { maxCaptureBytes: cap } : {})],
  ['spawnd', (cap) => createSpawndRunner(SPAWND, cap ? { maxCaptureBytes: cap } : {})],
];

const bash = (script: string, extra: Partial<ProcessSpec> = {}): ProcessSpec => ({
  argv: ['bash', '-c', script],
  cwd: tmpdir(),
  timeoutMs: 20_000,
  ...extra,
});
const never = new AbortController().signal;

/** True while `pid` runs; a zombie (killed, not yet reaped by its dying parent) counts as gone. */
function running(pid: number): boolean {
  try {
    return !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits (bounded) for the kernel to finish a kill; there is no event to wait on. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200 && running(pid); i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
  return !running(pid);
}

test('yoke-spawnd is built by npm run build', () => {
  assert.ok(existsSync(SPAWND), `${SPAWND} is missing: run npm run build (needs a C compiler)`);
});

for (const [name, make] of runners) {
  describe(`${name} runner`, () => {
    test('exit code, interleaved output, streamed chunks, env and cwd', async () => {
      const runner = make();
      const chunks: string[] = [];
      const r = await runner.run(
        bash('echo out; echo err >&2; echo "$FOO in $PWD"; exit 3', {
          env: { FOO: 'bar', PATH: process.env.PATH! },
        }),
        {
          signal: never,
          onOutput: (c) => chunks.push(c),
        },
      );
      assert.equal(r.exitCode, 3);
      const expected = `out\nerr\nbar in ${tmpdir()}\n`;
      // One pipe keeps stdout and stderr in order; Node's two pipes only keep each in order.
      if (name === 'spawnd') assert.equal(r.output, expected);
      else assert.deepEqual(r.output.split('\n').sort(), expected.split('\n').sort());
      assert.equal(chunks.join(''), r.output);
      assert.ok(r.pid && r.pid > 0);
      assert.equal(r.timedOut, false);
    });

    test('a command that does not exist, or a missing cwd, is a spawn error', async () => {
      const runner = make();
      const missing = await runner.run(
        { argv: ['no-such-command-yoke'], cwd: tmpdir(), timeoutMs: 5000 },
        { signal: never },
      );
      assert.match(missing.spawnError ?? '', /ENOENT/);
      const badCwd = await runner.run(bash('true', { cwd: '/no/such/dir' }), { signal: never });
      assert.match(badCwd.spawnError ?? '', /ENOENT/);
    });

    test('a timeout kills the whole process group', async () => {
      const runner = make();
      let pid = 0;
      const r = await runner.run(bash('sleep 30 & echo $!; wait', { timeoutMs: 300 }), {
        signal: never,
        onOutput: (c) => (pid ||= Number(c.trim())),
      });
      assert.equal(r.timedOut, true);
      assert.ok(pid > 0);
      assert.equal(await gone(pid), true, 'the background sleep died with its group');
    });

    test('abort kills the group and resolves promptly', async () => {
      const runner = make();
      const controller = new AbortController();
      let pid = 0;
      const r = await runner.run(bash('sleep 30 & echo $!; wait'), {
        signal: controller.signal,
        onOutput: (c) => {
          pid ||= Number(c.trim());
          controller.abort();
        },
      });
      assert.equal(r.aborted, true);
      assert.ok(r.durationMs < 5000);
      assert.equal(await gone(pid), true);
    });

    test('processes left running when the command exits are killed', async () => {
      const runner = make();
      const r = await runner.run(bash('sleep 30 >/dev/null 2>&1 & echo $!'), { signal: never });
      assert.equal(r.exitCode, 0);
      const pid = Number(r.output.trim());
      assert.equal(await gone(pid), true);
    });

    test('a huge output is bounded in memory; the total is still counted', async () => {
      const runner = make(1024 * 1024);
      const r = await runner.run(
        bash("head -c 50000000 /dev/zero | tr '\\0' a; echo; echo tail-marker"),
        { signal: never },
      );
      assert.equal(r.exitCode, 0);
      assert.equal(r.totalBytes, 50_000_000 + 1 + 12);
      assert.ok(r.output.length < 1.1 * 1024 * 1024, `kept ${r.output.length} chars`);
      assert.match(r.output, /bytes of output not kept/);
      assert.ok(r.output.endsWith('tail-marker\n'));
    });

    test('many commands at once each get their own output', async () => {
      const runner = make();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          runner.run(bash(`echo start-${i}; sleep 0.0${i % 5}; echo end-${i}`), { signal: never }),
        ),
      );
      results.forEach((r, i) => assert.equal(r.output, `start-${i}\nend-${i}\n`));
    });
  });
}
