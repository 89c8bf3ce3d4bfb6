// The hidden paths (read-rules.ts) as pure rules: defaults, config additions and holes, which
// rule wins where, the bwrap mounts and Seatbelt rules built from them, and the config keys a
// project may and may not set. The real sandbox reading them is in sandbox-attacks.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { mountArgs } from '../src/sandbox/bwrap-mounts.ts';
import { canRead, canWrite, type SandboxPolicy } from '../src/sandbox/policy.ts';
import { expandHome, hiddenSummary, readRules, readable } from '../src/sandbox/read-rules.ts';
import { seatbeltProfile } from '../src/sandbox/seatbelt.ts';
import { tempDir } from './support/cli.ts';

const home = '/home/u';
const rules = readRules({
  home,
  yokeHome: '/home/u/.yoke',
  deny: ['~/private'],
  allow: ['~/.npmrc'],
});

describe('hidden paths', () => {
  test('defaults cover the Yoke home, keys, clouds, registries, browsers; config adds and opens', () => {
    for (const path of [
      '/home/u/.yoke',
      '/home/u/.ssh',
      '/home/u/.gnupg',
      '/home/u/.aws',
      '/home/u/.azure',
      '/home/u/.config/gcloud',
      '/home/u/.config/gh',
      '/home/u/.kube',
      '/home/u/.docker',
      '/home/u/.netrc',
      '/home/u/.pypirc',
      '/home/u/.git-credentials',
      '/home/u/.mozilla',
      '/home/u/.config/google-chrome',
      '/etc/shadow',
      '/home/u/private',
    ])
      assert.ok(rules.denied.includes(path), path);
    assert.ok(!rules.denied.includes('/home/u/.npmrc'), 'an exact hole un-hides');
    assert.throws(() => expandHome('relative/path', home), /absolute or start with ~\//);
    assert.equal(expandHome('~/a/b/', home), '/home/u/a/b');
  });

  test('the deepest rule wins; a visible root or hole wins a tie', () => {
    const r = { denied: ['/h/.yoke', '/h/.ssh'], allowed: ['/h/.ssh/known_hosts'] };
    assert.equal(readable(r, [], '/h/.yoke/serve.token'), false);
    assert.equal(readable(r, ['/h/.yoke/worktrees/t1'], '/h/.yoke/worktrees/t1/src/a.ts'), true);
    assert.equal(readable(r, ['/h/.yoke/worktrees/t1'], '/h/.yoke/yoke.db'), false);
    assert.equal(readable(r, ['/h'], '/h/.ssh/id_rsa'), false, 'HOME as root keeps ~/.ssh hidden');
    assert.equal(readable(r, [], '/h/.ssh/known_hosts'), true);
    assert.equal(readable(r, ['/h/.ssh'], '/h/.ssh/id_rsa'), true, 'a root named on purpose');
    assert.equal(readable(r, [], '/h/.sshd'), true, 'a sibling with a common prefix');
  });

  test('canRead / canWrite: hidden paths inside a root are neither readable nor writable', () => {
    const policy: SandboxPolicy = {
      type: 'workspace-write',
      writableRoots: ['/home/u', '/tmp/t'],
      tmpDir: '/tmp/t',
      networkAccess: false,
      read: rules,
    };
    assert.equal(canRead(policy, '/home/u/src/a.ts'), true);
    assert.equal(canWrite(policy, '/home/u/src/a.ts'), true);
    assert.equal(canRead(policy, '/home/u/.ssh/id_rsa'), false);
    assert.equal(canWrite(policy, '/home/u/.ssh/authorized_keys'), false);
    assert.equal(canWrite(policy, '/home/u/.yoke/config.toml'), false);
    assert.equal(canRead(policy, '/home/u/.npmrc'), true);
    assert.equal(canRead({ type: 'danger-full-access' }, '/home/u/.ssh/id_rsa'), true);
    assert.equal(canRead({ type: 'read-only', networkAccess: false }, '/etc/shadow'), true);
  });

  test('a summary for the model that does not depend on the machine', () => {
    const text = hiddenSummary(['~/private'], ['~/.npmrc']);
    assert.match(text, /^Yoke's own files; SSH and GPG keys \(~\/\.ssh, ~\/\.gnupg\);/);
    assert.match(text, /; ~\/private, except ~\/\.npmrc$/);
  });
});

describe('bwrap mounts for hidden paths', () => {
  const plan = {
    roots: ['/h/.yoke/worktrees/t1', '/tmp/t'],
    protectedPaths: ['/h/.yoke/worktrees/t1/.git'],
    hidden: [
      { path: '/h/.yoke', dir: true },
      { path: '/h/.netrc', dir: false },
      { path: '/h/.config/gh', dir: true },
      { path: '/tmp/t/.aws', dir: true },
      { path: '/tmp/elsewhere/.ssh', dir: true },
    ],
    holes: ['/h/.config/gh/hosts.yml', '/h/.yoke/worktrees/t1/x'],
    sockets: ['/run/user/0/app.sock'],
  };

  test('parents first: tmpfs over the Yoke home, then the worktree bound back, then remount-ro', () => {
    const text = mountArgs(plan).join(' ');
    const at = (s: string) => {
      const i = text.indexOf(s);
      assert.ok(i >= 0, `missing: ${s}`);
      return i;
    };
    assert.ok(at('--tmpfs /h/.yoke ') < at('--bind /h/.yoke/worktrees/t1 '));
    assert.ok(at('--bind /h/.yoke/worktrees/t1 ') < at('--ro-bind-try /h/.yoke/worktrees/t1/.git'));
    assert.ok(at('--tmpfs /h/.config/gh ') < at('--ro-bind-try /h/.config/gh/hosts.yml'));
    assert.ok(at('--dev-bind /dev/null /h/.netrc') >= 0, 'a file reads as empty');
    assert.ok(at('--tmpfs /tmp/t/.aws') > at('--bind /tmp/t '), 'hidden inside a root: after it');
    assert.ok(!text.includes('/tmp/elsewhere'), 'already hidden by the private /tmp');
    assert.ok(!text.includes('/h/.yoke/worktrees/t1/x'), 'a hole a root brings back needs no bind');
    assert.ok(at('--ro-bind-try /run/user/0/app.sock') >= 0);
    assert.ok(
      text.endsWith('--remount-ro /h/.yoke --remount-ro /h/.config/gh --remount-ro /tmp/t/.aws'),
    );
  });

  test("hidden wins over a root's protected .yoke at the same path (~/.yoke with HOME as root)", () => {
    const argv = mountArgs({
      roots: ['/h'],
      protectedPaths: ['/h/.git', '/h/.yoke'],
      hidden: [{ path: '/h/.yoke', dir: true }],
      holes: [],
    });
    const text = argv.join(' ');
    assert.ok(text.indexOf('--ro-bind-try /h/.yoke /h/.yoke') < text.indexOf('--tmpfs /h/.yoke'));
  });
});

describe('seatbelt rules for hidden paths', () => {
  test('deny after the read-all, holes and roots inside after their hidden parent, writes excluded', () => {
    const policy: SandboxPolicy = {
      type: 'workspace-write',
      writableRoots: ['/h/.yoke/worktrees/t1', '/h'],
      tmpDir: '/h',
      networkAccess: true,
      read: { denied: ['/h/.yoke', '/h/.ssh'], allowed: ['/h/.ssh/known_hosts'] },
      unixSockets: ['/var/run/docker.sock'],
    };
    const { profile, params } = seatbeltProfile(policy, [], ['/data/real-ssh']);
    const rules = profile
      .split('\n')
      .filter((l) => /HIDDEN_|VISIBLE_/.test(l) && !/require-not/.test(l));
    const named = rules.map((l) => params[/"(\w+)"/.exec(l)![1]!]);
    assert.deepEqual(named, [
      '/h/.yoke',
      '/h/.ssh',
      '/data/real-ssh',
      '/h/.ssh/known_hosts',
      '/h/.yoke/worktrees/t1',
    ]);
    assert.ok(
      profile.indexOf('(allow file-read*)') < profile.indexOf('(deny file-read* file-write*'),
    );
    // Writes: excluded under ~/.ssh, not under ~/.yoke (it holds a root).
    const write = profile.slice(profile.indexOf('(allow file-write*\n'));
    assert.match(write, /require-not \(subpath \(param "HIDDEN_1"\)\)/);
    assert.match(write, /require-not \(subpath \(param "HIDDEN_2"\)\)/);
    assert.doesNotMatch(write, /param "HIDDEN_0"/);
    assert.match(
      profile,
      /\(deny network-outbound \(remote unix-socket\)\)\n\(allow system-socket\)\n\(allow network-outbound \(remote unix-socket \(path-literal \(param "SOCKET_0"\)\)\)\)/,
    );
    assert.equal(params.SOCKET_0, '/var/run/docker.sock');
  });
});

describe('config', () => {
  test('deny_read adds, allow_read and sockets come only from your own config', (t) => {
    const yokeHome = tempDir('home', t);
    const cwd = tempDir('proj', t);
    writeFileSync(
      join(yokeHome, 'config.toml'),
      '[sandbox_workspace_write]\ndeny_read = ["~/mine"]\nallow_read = ["~/.npmrc"]\nallow_unix_sockets = ["/run/a.sock"]\n',
    );
    mkdirSync(join(cwd, '.yoke'));
    writeFileSync(
      join(cwd, '.yoke', 'config.toml'),
      '[sandbox_workspace_write]\ndeny_read = ["/srv/theirs"]\nallow_read = ["~/.ssh"]\nallow_unix_sockets = ["/var/run/docker.sock"]\nwritable_roots = ["/"]\n',
    );
    const config = loadConfig({ env: { YOKE_HOME: yokeHome, HOME: '/home/u' }, cwd });
    assert.deepEqual(config.sandboxAccess, {
      userHome: '/home/u',
      denyRead: ['~/mine', '/srv/theirs'],
      allowRead: ['~/.npmrc'],
      allowUnixSockets: ['/run/a.sock'],
    });
    assert.deepEqual(config.writableRoots, [], 'a project cannot make more writable');
    for (const key of ['allow_read', 'allow_unix_sockets', 'writable_roots'])
      assert.ok(
        config.warnings.some((w) =>
          w.includes(`sandbox_workspace_write.${key} can only be set in your own config`),
        ),
        key,
      );
  });
});
