// The real sandbox under attack: every scenario of test/support/sandbox-attacks.ts, a fork
// bomb, a command that never ends, and a gigabyte of output, through bwrap on top of both base
// runners (spawnd and direct). As root, the same file then runs itself as an unprivileged user
// (created if missing), so both ways Yoke may run are covered. No bwrap: the tests fail with
// the install hint (CI installs bubblewrap).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createBwrapRunner } from '../src/sandbox/bwrap-runner.ts';
import { requireBwrap } from '../src/sandbox/bwrap.ts';
import { createDirectRunner } from '../src/sandbox/direct-runner.ts';
import { resolvePolicy, type SandboxPolicy } from '../src/sandbox/policy.ts';
import type { ProcessRunner, ProcessSpec } from '../src/sandbox/process-runner.ts';
import { loadConfig } from '../src/runtime/config.ts';
import { createTaskCommandRunner } from '../src/runtime/task-commands.ts';
import { readRules } from '../src/sandbox/read-rules.ts';
import { createSpawndRunner } from '../src/sandbox/spawnd-runner.ts';
import {
  ATTACKS,
  noneLeft,
  descendantsOf,
  processesWith,
  setUpAttackHost,
  type AttackHost,
} from './support/sandbox-attacks.ts';

const SPAWND = fileURLToPath(new URL('../dist/yoke-spawnd', import.meta.url));
const ROOT = process.geteuid?.() === 0;
const WHO = ROOT ? 'root' : `uid ${process.geteuid?.()}`;
const TEST_USER = 'yoke-sbx-test';
const never = new AbortController().signal;

const bases: [string, () => ProcessRunner][] = [
  ['spawnd', () => createSpawndRunner(SPAWND)],
  ['direct', () => createDirectRunner()],
];

const policyFor = (h: AttackHost, networkAccess = false): SandboxPolicy => ({
  type: 'workspace-write',
  writableRoots: [h.ws, h.tmpDir],
  tmpDir: h.tmpDir,
  networkAccess,
  read: readRules({ home: h.home, yokeHome: h.yokeHome }),
});

const bash = (h: AttackHost, script: string, timeoutMs = 20_000): ProcessSpec => ({
  argv: ['bash', '-c', script],
  cwd: h.ws,
  timeoutMs,
});

/**
 * A script prefix that exits (99) unless the process limit is in force where it runs: the fork
 * bombs below must never run unbounded, even if the sandbox code regressed.
 */
function boundedOnly(max: number): string {
  return [
    'lim="$(ulimit -u)"',
    'v1=$(sed -n "s/^[0-9]*:pids://p" /proc/self/cgroup)',
    'v2=$(sed -n "s/^0:://p" /proc/self/cgroup)',
    'lim="$lim $(cat /sys/fs/cgroup/pids$v1/pids.max /sys/fs/cgroup$v2/pids.max 2>/dev/null)"',
    `case " $(echo $lim) " in *" ${max} "*) ;; *) echo "no process limit: $lim"; exit 99;; esac`,
  ].join('; ');
}

test(`bubblewrap can build a sandbox here (${WHO})`, () => {
  // Throws "…apt-get install bubblewrap…" when it is missing: a failure, never a skip.
  assert.match(requireBwrap(), /^bubblewrap \d/);
});

for (const [baseName, makeBase] of bases) {
  describe(`bwrap over ${baseName}, as ${WHO}`, () => {
    for (const attack of ATTACKS) {
      test(attack.name, async (t) => {
        const host = await setUpAttackHost(t);
        await attack.prepare?.(host, t);
        const runner = createBwrapRunner(policyFor(host), makeBase(), { hostEnv: host.hostEnv });
        const outcome = await runner.run(bash(host, attack.script(host)), { signal: never });
        await attack.check(outcome, host);
      });
    }

    test('with the network allowed, the same connection succeeds (control)', async (t) => {
      const host = await setUpAttackHost(t);
      const runner = createBwrapRunner(policyFor(host, true), makeBase(), {
        hostEnv: host.hostEnv,
      });
      const o = await runner.run(
        bash(host, `exec 3<>/dev/tcp/127.0.0.1/${host.port} && echo connected`),
        { signal: never },
      );
      assert.equal(o.exitCode, 0, o.output);
      assert.equal(o.output, 'connected\n');
    });

    test('.git/.yoke symlinks: the target stays read-only; a hidden target breaks nothing', async (t) => {
      const host = await setUpAttackHost(t);
      // A workspace whose .git points into the workspace and whose .yoke points into host /tmp
      // (hidden in the sandbox): bwrap must neither fail to mount nor leave the target writable.
      const ws = join(host.ws, 'nested');
      mkdirSync(join(ws, 'gitdir'), { recursive: true });
      symlinkSync(join(ws, 'gitdir'), join(ws, '.git'));
      symlinkSync(join(host.tmpDir, '..', 'hidden-yoke'), join(ws, '.yoke'));
      const runner = createBwrapRunner(
        {
          type: 'workspace-write',
          writableRoots: [ws, host.tmpDir],
          tmpDir: host.tmpDir,
          networkAccess: false,
        },
        makeBase(),
        { hostEnv: host.hostEnv },
      );
      const o = await runner.run(
        {
          argv: [
            'bash',
            '-c',
            'echo x > .git/config; echo x > gitdir/hooks; echo y > .yoke/z; echo ran',
          ],
          cwd: ws,
          timeoutMs: 20_000,
        },
        { signal: never },
      );
      assert.match(
        o.output,
        /\.git\/config: Read-only file system\n.*gitdir\/hooks: Read-only file system\n.*\.yoke\/z: No such file or directory\nran\n$/s,
      );
      assert.deepEqual(readdirSync(join(ws, 'gitdir')), []);
    });

    test('a workspace inside the Yoke home (a task worktree) works; the rest of it stays hidden', async (t) => {
      const host = await setUpAttackHost(t);
      const tree = join(host.yokeHome, 'worktrees', 'task-1');
      mkdirSync(tree, { recursive: true });
      const policy = resolvePolicy({
        mode: 'workspace-write',
        cwd: tree,
        tmpDir: host.tmpDir,
        read: readRules({ home: host.home, yokeHome: host.yokeHome }),
      });
      const runner = createBwrapRunner(policy, makeBase(), { hostEnv: host.hostEnv });
      const o = await runner.run(
        {
          argv: ['bash', '-c', `echo made > made.txt && cat made.txt; ls -A ${host.yokeHome}`],
          cwd: tree,
          timeoutMs: 20_000,
        },
        { signal: never },
      );
      assert.equal(o.exitCode, 0, o.output);
      assert.equal(o.output, 'made\nworktrees\n', 'serve.token and yoke.db are not listed');
      assert.equal(readFileSync(join(tree, 'made.txt'), 'utf8'), 'made\n');
    });

    test('HOME as the workspace: its credentials stay hidden and unwritable; allow_read opens one', async (t) => {
      const host = await setUpAttackHost(t);
      const policy = resolvePolicy({
        mode: 'workspace-write',
        cwd: host.home,
        tmpDir: host.tmpDir,
        read: readRules({ home: host.home, yokeHome: host.yokeHome, allow: ['~/.aws'] }),
      });
      const runner = createBwrapRunner(policy, makeBase(), { hostEnv: host.hostEnv });
      const o = await runner.run(
        {
          argv: [
            'bash',
            '-c',
            'cat .ssh/id_ed25519 .yoke/serve.token; echo k > .ssh/authorized_keys; cat .aws/credentials; echo w > mine.txt && echo wrote',
          ],
          cwd: host.home,
          timeoutMs: 20_000,
        },
        { signal: never },
      );
      assert.match(o.output, /\.ssh\/id_ed25519: No such file or directory/);
      assert.match(o.output, /\.yoke\/serve\.token: No such file or directory/);
      assert.match(o.output, /authorized_keys: Read-only file system/);
      assert.match(o.output, /\.aws\/credentials=s3cret/, 'the hole is readable');
      assert.match(o.output, /wrote\n$/);
      assert.equal(existsSync(join(host.home, '.ssh', 'authorized_keys')), false);
      assert.equal(o.output.match(new RegExp(host.secret, 'g'))?.length, 1);
    });

    test('workdir /tmp is the private /tmp, never the host one', async (t) => {
      const host = await setUpAttackHost(t);
      const runner = createBwrapRunner(policyFor(host), makeBase(), { hostEnv: host.hostEnv });
      const o = await runner.run(
        {
          argv: ['bash', '-c', 'pwd; ls -A | grep -v "^yoke-" | wc -l'],
          cwd: '/tmp',
          timeoutMs: 20_000,
        },
        { signal: never },
      );
      assert.equal(o.exitCode, 0, o.output);
      // The host /tmp holds at least the attack's own workspace (yoke-attack-*) and more.
      assert.equal(o.output, '/tmp\n0\n');
    });

    test('read-only policy: the workspace cannot be written either', async (t) => {
      const host = await setUpAttackHost(t);
      const runner = createBwrapRunner({ type: 'read-only', networkAccess: false }, makeBase(), {
        hostEnv: host.hostEnv,
      });
      const o = await runner.run(bash(host, 'cat .git/HEAD && touch new.txt'), { signal: never });
      assert.notEqual(o.exitCode, 0);
      assert.match(o.output, /^ref: refs\/heads\/\w+\n.*new\.txt.*Read-only file system/s);
    });

    test('a missing command is a spawn error, as without a sandbox', async (t) => {
      const host = await setUpAttackHost(t);
      const runner = createBwrapRunner(policyFor(host), makeBase(), { hostEnv: host.hostEnv });
      const o = await runner.run(
        { argv: ['no-such-command-yoke'], cwd: host.ws, timeoutMs: 5000 },
        { signal: never },
      );
      assert.match(o.spawnError ?? '', /^ENOENT/);
    });

    test('a never-ending command ends at the timeout with its whole tree killed', async (t) => {
      const host = await setUpAttackHost(t);
      const marker = `98${process.pid}${baseName.length}1`;
      const runner = createBwrapRunner(policyFor(host), makeBase(), { hostEnv: host.hostEnv });
      // setsid: a process that left the command's process group (and session) — only the pid
      // namespace takes it down.
      const o = await runner.run(
        bash(
          host,
          `setsid sleep ${marker}1 & nohup sleep ${marker}2 >/dev/null 2>&1 & sleep ${marker}3`,
          700,
        ),
        { signal: never },
      );
      assert.equal(o.timedOut, true);
      assert.ok(o.durationMs < 5000, `took ${o.durationMs} ms`);
      assert.deepEqual(await noneLeft(marker), [], 'every process of the tree is gone');
    });

    test('a fork bomb is bounded, ends at the timeout, and the host is fine', async (t) => {
      const host = await setUpAttackHost(t);
      const max = 150;
      const runner = createBwrapRunner(policyFor(host), makeBase(), {
        hostEnv: host.hostEnv,
        maxProcesses: max,
      });
      const limit = runner.processLimit();
      assert.notEqual(limit.kind, 'none', `nothing would bound the bomb: ${JSON.stringify(limit)}`);
      // Only this test process's own tree is counted: other suites start and end processes.
      const before = descendantsOf(process.pid).length;
      const marker = `bomb${process.pid}x${baseName}`;
      let peak = 0;
      // Sampling while the bomb runs (a measurement, not a synchronization).
      const sampler = setInterval(() => (peak = Math.max(peak, processesWith(marker).length)), 25);
      const o = await runner.run(
        bash(host, `: ${marker}; ${boundedOnly(max)}; b(){ b|b& }; b; sleep 1000`, 4000),
        { signal: never },
      );
      clearInterval(sampler);
      assert.equal(o.timedOut, true, o.output.slice(0, 300));
      assert.match(o.output, /fork: (retry: )?Resource temporarily unavailable/);
      assert.ok(peak <= max, `peak ${peak} processes, limit ${max} (${limit.kind})`);
      assert.deepEqual(await noneLeft(marker), []);
      const after = descendantsOf(process.pid).length;
      assert.ok(after <= before + 5, `processes of this test: ${before} before, ${after} after`);
      // The classic one-liner returns at once; its orphans die with the namespace.
      const classic = await runner.run(
        bash(host, `: ${marker}; ${boundedOnly(max)}; :(){ :|:& };:`, 5000),
        { signal: never },
      );
      assert.equal(classic.timedOut, false);
      assert.deepEqual(await noneLeft(marker), []);
      const fine = await runner.run(bash(host, 'echo fine'), { signal: never });
      assert.equal(fine.output, 'fine\n');
    });

    test('without yoke-sandbox-exec the host tmux is reachable: what the filter closes (control)', async (t) => {
      const host = await setUpAttackHost(t);
      const tmux = ATTACKS.find((a) => a.name.includes('tmux'))!;
      await tmux.prepare!(host, t);
      const runner = createBwrapRunner(policyFor(host), makeBase(), {
        hostEnv: host.hostEnv,
        sandboxExec: null,
      });
      assert.equal(runner.socketFilter, false);
      const o = await runner.run(bash(host, tmux.script(host)), { signal: never });
      assert.equal(o.output.match(/^rc=0$/gm)?.length, 2, o.output);
    });

    test('memory: a command past its limit ends, and the result says which limit', async (t) => {
      const host = await setUpAttackHost(t);
      const runner = createBwrapRunner(policyFor(host), makeBase(), {
        hostEnv: host.hostEnv,
        memoryBytes: 64 * 1024 * 1024,
      });
      const o = await runner.run(
        bash(host, `x=$(head -c 300000000 /dev/zero | tr '\\0' a); echo "survived \${#x}"`),
        { signal: never },
      );
      assert.doesNotMatch(o.output, /survived 300000000/);
      const kind = runner.memoryLimit().kind;
      assert.match(
        o.limit ?? '',
        kind === 'cgroup'
          ? /^killed: memory limit 64 MiB \(sandbox_limits\.memory_mb\)$/
          : /^memory limit 64 MiB per process reached/,
        `${kind}: ${o.output}`,
      );
      const fine = await runner.run(bash(host, 'echo fine'), { signal: never });
      assert.equal(fine.output, 'fine\n');
      assert.equal(fine.limit, undefined);
    });

    test('file size: a write past the limit stops there, and the result says so', async (t) => {
      const host = await setUpAttackHost(t);
      const runner = createBwrapRunner(policyFor(host), makeBase(), {
        hostEnv: host.hostEnv,
        fileSizeBytes: 1024 * 1024,
      });
      const o = await runner.run(bash(host, 'head -c 5000000 /dev/zero > big.bin'), {
        signal: never,
      });
      assert.notEqual(o.exitCode, 0);
      assert.match(o.limit ?? '', /^file size limit 1 MiB reached/, JSON.stringify(o));
      assert.equal(statSync(join(host.ws, 'big.bin')).size, 1024 * 1024);
    });

    test('a gigabyte of output is bounded in memory', async (t) => {
      const host = await setUpAttackHost(t);
      const runner = createBwrapRunner(policyFor(host), makeBase(), { hostEnv: host.hostEnv });
      const rss = process.memoryUsage().rss;
      const o = await runner.run(
        bash(host, 'head -c 1000000000 /dev/zero; echo; echo tail-marker', 60_000),
        {
          signal: never,
        },
      );
      assert.equal(o.exitCode, 0);
      assert.equal(o.totalBytes, 1_000_000_000 + 13);
      assert.ok(o.output.length < 9 * 1024 * 1024, `kept ${o.output.length} chars`);
      assert.match(o.output, /bytes of output not kept[\s\S]*tail-marker\n$/);
      const grown = process.memoryUsage().rss - rss;
      assert.ok(grown < 256 * 1024 * 1024, `rss grew by ${Math.round(grown / 1048576)} MB`);
    });
  });
}

test(`task commands (setup, run, checks) are sandboxed with the task's network (${WHO})`, async (t) => {
  const host = await setUpAttackHost(t);
  const config = loadConfig({ env: { YOKE_HOME: host.yokeHome, HOME: host.home }, cwd: host.ws });
  const runner = createTaskCommandRunner(
    config,
    readRules({ home: host.home, yokeHome: host.yokeHome }),
    createSpawndRunner(SPAWND),
  );
  // The worktree lives in the Yoke home, as task worktrees do.
  const tree = join(host.yokeHome, 'worktrees', 'task-1');
  mkdirSync(tree, { recursive: true });
  const script = [
    `cat ${host.yokeHome}/serve.token ${host.home}/.ssh/id_ed25519`,
    `echo pwned > ${host.outside}/w`,
    `echo cached > ${host.home}/.npm/entry && echo cache-ok`,
    'echo built > out.txt && echo tree-ok',
    `(exec 3<>/dev/tcp/127.0.0.1/${host.port}) && echo net-on || echo net-off`,
    'env',
  ].join('; ');
  const run = (networkAccess: boolean) =>
    runner.run(
      {
        argv: ['bash', '-c', script],
        cwd: tree,
        timeoutMs: 20_000,
        env: host.hostEnv as Record<string, string>,
        sandbox: { networkAccess, extraRoots: ['~/.npm'] },
      },
      { signal: never },
    );
  const setupRun = await run(true);
  const checkRun = await run(false);
  for (const o of [setupRun, checkRun]) {
    assert.ok(!o.output.includes(host.secret), 'a secret reached a task command');
    assert.match(o.output, /serve\.token: No such file or directory/);
    assert.match(o.output, /Read-only file system/, 'outside the worktree is read-only');
    assert.match(o.output, /^cache-ok$/m);
    assert.match(o.output, /^tree-ok$/m);
  }
  assert.match(setupRun.output, /^net-on$/m);
  assert.match(checkRun.output, /^net-off$/m);
  assert.equal(existsSync(join(host.outside, 'w')), false);
  assert.equal(readFileSync(join(tree, 'out.txt'), 'utf8'), 'built\n');
  assert.equal(readFileSync(join(host.home, '.npm', 'entry'), 'utf8'), 'cached\n');
});

if (ROOT && !process.env.YOKE_SBX_AS_USER) {
  test(`the same attacks as the unprivileged user ${TEST_USER}`, { timeout: 600_000 }, () => {
    if (spawnSync('id', ['-u', TEST_USER]).status !== 0) execFileSync('useradd', ['-m', TEST_USER]);
    const home = execFileSync('getent', ['passwd', TEST_USER], { encoding: 'utf8' }).split(':')[5]!;
    const file = fileURLToPath(import.meta.url);
    const run = spawnSync(
      'runuser',
      [
        '-u',
        TEST_USER,
        '--',
        'env',
        // Set by node --test in this process: the child would think it is nested and skip.
        '-u',
        'NODE_TEST_CONTEXT',
        `HOME=${home}`,
        // root's own bin directories are closed to the user (execvp would say EACCES).
        `PATH=${process.env
          .PATH!.split(':')
          .filter((d) => !d.startsWith('/root'))
          .join(':')}`,
        'YOKE_SBX_AS_USER=1',
        process.execPath,
        '--import',
        'tsx',
        '--test',
        '--test-reporter=spec',
        file,
      ],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 590_000 },
    );
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, output);
    assert.match(output, /ℹ fail 0/);
    const passed = Number(/ℹ pass (\d+)/.exec(output)?.[1] ?? 0);
    assert.ok(
      passed >= 2 * ATTACKS.length,
      `only ${passed} tests passed as ${TEST_USER}:\n${output}`,
    );
  });
}
