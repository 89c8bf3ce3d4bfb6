// The sandbox policy, the paths a write reaches, the environment policy, and the command lines
// and profiles the backends build from a policy (pure parts; the real sandbox is exercised in
// sandbox-attacks.test.ts).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bwrapArgv } from '../src/sandbox/bwrap.ts';
import { commandEnv, isSecretName } from '../src/sandbox/env-policy.ts';
import { SandboxError } from '../src/sandbox/errors.ts';
import { createNoneRunner, NO_SANDBOX_WARNING } from '../src/sandbox/none.ts';
import { existingProtected, realpathForWrite } from '../src/sandbox/path-resolve.ts';
import {
  canWrite,
  fromWirePolicy,
  resolvePolicy,
  toWirePolicy,
  type SandboxPolicy,
} from '../src/sandbox/policy.ts';
import type { ProcessRunner, ProcessSpec } from '../src/sandbox/process-runner.ts';
import { seatbeltArgv, seatbeltProfile } from '../src/sandbox/seatbelt.ts';
import { createSandboxRunner } from '../src/sandbox/select.ts';

const ws: SandboxPolicy = {
  type: 'workspace-write',
  writableRoots: ['/work/repo', '/work/repo/sub', '/tmp/yoke-task-1'],
  tmpDir: '/tmp/yoke-task-1',
  networkAccess: false,
};

function tempTree(t: { after: (fn: () => void) => void }): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'yoke-policy-')));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('policy', () => {
  test('resolvePolicy pins roots to real paths, adds the temp dir, dedupes', (t) => {
    const dir = tempTree(t);
    mkdirSync(join(dir, 'repo'));
    mkdirSync(join(dir, 'extra'));
    mkdirSync(join(dir, 'tmp'));
    symlinkSync(join(dir, 'extra'), join(dir, 'extra-link'));
    const policy = resolvePolicy({
      mode: 'workspace-write',
      cwd: join(dir, 'repo'),
      extraRoots: ['../extra-link', join(dir, 'extra')],
      tmpDir: join(dir, 'tmp'),
      networkAccess: true,
    });
    assert.deepEqual(policy, {
      type: 'workspace-write',
      writableRoots: [join(dir, 'repo'), join(dir, 'extra'), join(dir, 'tmp')],
      tmpDir: join(dir, 'tmp'),
      networkAccess: true,
    });
    assert.deepEqual(resolvePolicy({ mode: 'read-only', cwd: dir }), {
      type: 'read-only',
      networkAccess: false,
    });
    assert.deepEqual(resolvePolicy({ mode: 'danger-full-access', cwd: dir }), {
      type: 'danger-full-access',
    });
  });

  test('resolvePolicy refuses a missing root or temp dir', (t) => {
    const dir = tempTree(t);
    assert.throws(
      () => resolvePolicy({ mode: 'workspace-write', cwd: dir, tmpDir: dir, extraRoots: ['nope'] }),
      (e: SandboxError) => e.code === 'policy_invalid' && /nope/.test(e.message),
    );
    assert.throws(
      () => resolvePolicy({ mode: 'workspace-write', cwd: dir }),
      (e: SandboxError) => e.code === 'policy_invalid' && /tmpDir/.test(e.message),
    );
  });

  test('canWrite: inside a root yes, .git/.yoke of any root no, outside no', () => {
    assert.equal(canWrite(ws, '/work/repo/src/a.ts'), true);
    assert.equal(canWrite(ws, '/work/repo'), true);
    assert.equal(canWrite(ws, '/tmp/yoke-task-1/x'), true);
    assert.equal(canWrite(ws, '/work/repo/.git'), false);
    assert.equal(canWrite(ws, '/work/repo/.git/hooks/pre-commit'), false);
    assert.equal(canWrite(ws, '/work/repo/.yoke/rules/x.toml'), false);
    assert.equal(canWrite(ws, '/work/repo/sub/.git/config'), false, 'nested root .git');
    assert.equal(canWrite(ws, '/work/repo/.gitignore'), true);
    assert.equal(canWrite(ws, '/work/repository/x'), false, 'prefix is not a parent');
    assert.equal(canWrite(ws, '/etc/passwd'), false);
    assert.equal(canWrite(ws, 'relative/path'), false);
    assert.equal(canWrite(ws, '/work/repo/../etc/x'), false);
    assert.equal(canWrite({ type: 'read-only', networkAccess: true }, '/work/repo/a'), false);
    assert.equal(canWrite({ type: 'danger-full-access' }, '/etc/passwd'), true);
  });

  test('wire policies convert both ways', () => {
    assert.deepEqual(
      fromWirePolicy({ type: 'workspaceWrite', writableRoots: ['/x'], networkAccess: true }),
      { mode: 'workspace-write', extraRoots: ['/x'], networkAccess: true },
    );
    assert.deepEqual(fromWirePolicy({ type: 'readOnly' }), {
      mode: 'read-only',
      networkAccess: false,
    });
    assert.deepEqual(fromWirePolicy({ type: 'dangerFullAccess' }), { mode: 'danger-full-access' });
    assert.deepEqual(toWirePolicy(ws), {
      type: 'workspaceWrite',
      writableRoots: ws.writableRoots,
      networkAccess: false,
    });
  });
});

describe('realpathForWrite', () => {
  test('follows symlinks of existing ancestors and dangling links; keeps new components', (t) => {
    const dir = tempTree(t);
    mkdirSync(join(dir, 'ws'));
    mkdirSync(join(dir, 'outside'));
    symlinkSync(join(dir, 'outside'), join(dir, 'ws', 'link'));
    symlinkSync(join(dir, 'outside', 'new-file'), join(dir, 'ws', 'dangling'));
    symlinkSync('../outside', join(dir, 'ws', 'rel-link'));
    writeFileSync(join(dir, 'ws', 'file'), '');
    // Not join(): it would fold `..` lexically before the function sees it.
    const p = (rel: string) => realpathForWrite(`${dir}/${rel}`);
    assert.equal(p('ws/file'), join(dir, 'ws', 'file'));
    assert.equal(p('ws/new/deeper/x.ts'), join(dir, 'ws', 'new', 'deeper', 'x.ts'));
    assert.equal(p('ws/link/x'), join(dir, 'outside', 'x'));
    assert.equal(p('ws/rel-link/x'), join(dir, 'outside', 'x'));
    assert.equal(p('ws/dangling'), join(dir, 'outside', 'new-file'));
    assert.equal(p('ws/link/../ws/file'), join(dir, 'ws', 'file'), '.. after a link is physical');
    assert.equal(p('ws/missing/../link/y'), join(dir, 'outside', 'y'), 'mkdir -p would fold ..');
    assert.equal(realpathForWrite('file', join(dir, 'ws')), join(dir, 'ws', 'file'));
  });

  test('existingProtected: existing .git/.yoke as real paths, links inside the roots only', (t) => {
    const dir = tempTree(t);
    for (const d of ['a/.git', 'a/real-yoke', 'b', 'elsewhere'])
      mkdirSync(join(dir, d), { recursive: true });
    symlinkSync(join(dir, 'a', 'real-yoke'), join(dir, 'a', '.yoke'));
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'b', '.git'));
    symlinkSync(join(dir, 'missing'), join(dir, 'b', '.yoke'));
    const roots = [join(dir, 'a'), join(dir, 'b')];
    const paths = roots.flatMap((r) => [join(r, '.git'), join(r, '.yoke')]);
    assert.deepEqual(existingProtected(paths, roots), [
      join(dir, 'a', '.git'),
      join(dir, 'a', 'real-yoke'),
    ]);
  });

  test('a symlink loop ends', (t) => {
    const dir = tempTree(t);
    symlinkSync(join(dir, 'b'), join(dir, 'a'));
    symlinkSync(join(dir, 'a'), join(dir, 'b'));
    assert.match(realpathForWrite(join(dir, 'a', 'x')), /\/(a|b)$/);
  });
});

describe('env policy', () => {
  const env = {
    PATH: '/usr/bin',
    HOME: '/home/u',
    LANG: 'C.UTF-8',
    TERM: 'xterm',
    LC_ALL: 'C',
    PWD: '/work',
    GOPATH: '/home/u/go',
    https_proxy: 'http://proxy:3128',
    HTTP_PROXY: 'http://me:hunter2@proxy:3128',
    OPENAI_API_KEY: 'sk-1',
    AWS_REGION: 'eu',
    GH_TOKEN: 'g',
    NPM_TOKEN: 'n',
    PGPASSWORD: 'p',
    MYSQL_PWD: 'p',
    SSHPASS: 'p',
    MONGODB_URI: 'mongodb://u:p@db/x',
    SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x',
    GPG_PASSPHRASE: 'p',
    SSH_AUTH_SOCK: '/tmp/agent',
    EDITOR: 'vi',
    KEYBOARD: 'us',
    UNSET: undefined,
  };
  const names = (out: Record<string, string>) => Object.keys(out).sort();

  test('by default only the known-safe set passes; TMPDIR is the sandbox one', () => {
    const { env: out, dropped } = commandEnv(env, {}, '/tmp/t');
    assert.deepEqual(names(out), [
      'GOPATH',
      'HOME',
      'LANG',
      'LC_ALL',
      'PATH',
      'PWD',
      'TEMP',
      'TERM',
      'TMP',
      'TMPDIR',
      'https_proxy',
    ]);
    assert.equal(out.TMPDIR, '/tmp/t');
    for (const secret of ['PGPASSWORD', 'MYSQL_PWD', 'SSHPASS', 'MONGODB_URI', 'HTTP_PROXY'])
      assert.ok(dropped.includes(secret), secret);
  });

  test('inherit = all still drops what looks like a credential, by name or by value', () => {
    const { env: out } = commandEnv(env, { inherit: 'all' });
    assert.deepEqual(names(out), [
      'EDITOR',
      'GOPATH',
      'HOME',
      'KEYBOARD',
      'LANG',
      'LC_ALL',
      'PATH',
      'PWD',
      'SSH_AUTH_SOCK',
      'TERM',
      'https_proxy',
    ]);
    assert.equal(isSecretName('github_token'), true);
    assert.equal(isSecretName('PATH'), false);
  });

  test("Codex's order: inherit, default excludes, exclude, set, include_only", () => {
    const all = commandEnv(env, {
      inherit: 'all',
      ignoreDefaultExcludes: true,
      exclude: ['*_TOKEN'],
    });
    assert.ok(all.env.PGPASSWORD && !all.env.GH_TOKEN && !all.env.NPM_TOKEN);
    const none = commandEnv(env, { inherit: 'none', set: { PATH: '/bin', CI: '1' } });
    assert.deepEqual(none.env, { PATH: '/bin', CI: '1' });
    const only = commandEnv(env, { set: { X: '1', Y: '2' }, includeOnly: ['path', 'X'] });
    assert.deepEqual(only.env, { PATH: '/usr/bin', X: '1' }, 'patterns ignore case');
  });
});

describe('bwrap argv', () => {
  const spec = { argv: ['bash', '-c', 'echo hi'], cwd: '/work/repo/src' };

  test('workspace-write: ro /, fresh /dev /proc /tmp /run, roots bound, .git/.yoke ro after', () => {
    const argv = bwrapArgv(ws, spec, { innerPrefix: ['/usr/bin/prlimit', '--nproc=64', '--'] });
    const text = argv.join(' ');
    assert.equal(argv[0], 'bwrap');
    for (const flag of ['--die-with-parent', '--new-session', '--unshare-pid', '--unshare-ipc'])
      assert.ok(argv.includes(flag), flag);
    assert.ok(argv.includes('--unshare-net'));
    assert.ok(!argv.includes('--unshare-user'));
    assert.match(
      text,
      /--cap-drop ALL --ro-bind \/ \/ --dev \/dev --proc \/proc --tmpfs \/tmp --tmpfs \/run /,
    );
    // parents before children; the temp dir bound after /tmp's tmpfs
    const bindAt = (p: string) => text.indexOf(`--bind ${p} ${p}`);
    assert.ok(bindAt('/work/repo') > text.indexOf('--tmpfs /run'));
    assert.ok(bindAt('/tmp/yoke-task-1') > text.indexOf('--tmpfs /tmp'));
    assert.ok(bindAt('/work/repo/sub') > bindAt('/work/repo'));
    const lastBind = argv.lastIndexOf('--bind');
    const firstRo = argv.indexOf('--ro-bind-try');
    assert.ok(firstRo > lastBind, 'protected paths come after every writable bind');
    for (const p of ['/work/repo/.git', '/work/repo/.yoke', '/work/repo/sub/.git'])
      assert.match(text, new RegExp(`--ro-bind-try ${p} ${p}`));
    assert.deepEqual(argv.slice(argv.indexOf('--chdir')), [
      '--chdir',
      '/work/repo/src',
      '--',
      '/usr/bin/prlimit',
      '--nproc=64',
      '--',
      'bash',
      '-c',
      'echo hi',
    ]);
  });

  test('the protected paths found on disk replace the default list', () => {
    const argv = bwrapArgv(ws, spec, { protectedPaths: ['/work/repo/.git', '/work/repo/gitdir'] });
    const ro = argv.flatMap((a, i) => (a === '--ro-bind-try' ? [argv[i + 1]] : []));
    assert.deepEqual(ro, ['/work/repo/.git', '/work/repo/gitdir']);
  });

  test('network on: no --unshare-net, DNS config visible; user namespace when asked', () => {
    const argv = bwrapArgv({ ...ws, networkAccess: true }, spec, { unshareUser: true });
    assert.ok(!argv.includes('--unshare-net'));
    assert.ok(argv.includes('--unshare-user'));
    assert.match(argv.join(' '), /--ro-bind-try \/run\/systemd\/resolve \/run\/systemd\/resolve/);
  });

  test('read-only: no writable bind; a cwd under /tmp stays visible, read-only', () => {
    const argv = bwrapArgv(
      { type: 'read-only', networkAccess: false },
      { argv: ['ls'], cwd: '/tmp/ws' },
    );
    assert.ok(!argv.includes('--bind'));
    assert.match(
      argv.join(' '),
      /--tmpfs \/run --ro-bind \/tmp\/ws \/tmp\/ws --chdir \/tmp\/ws -- ls$/,
    );
    assert.throws(() => bwrapArgv({ type: 'danger-full-access' }, spec), SandboxError);
  });
});

describe('seatbelt profile', () => {
  test('deny by default; writes only under roots minus .git/.yoke; no network when off', () => {
    const { profile, params } = seatbeltProfile(ws);
    assert.match(profile, /^\(version 1\)\n\(deny default\)/);
    assert.match(profile, /\(allow process-exec\)/);
    assert.match(profile, /\(allow process-fork\)/);
    assert.match(profile, /\(allow file-read\*\)/);
    assert.match(profile, /\(allow sysctl-read\)/);
    assert.match(profile, /\(allow mach-lookup/);
    assert.doesNotMatch(profile, /network/);
    assert.match(
      profile,
      /\(allow file-write\*\n {2}\(require-all\n {4}\(require-any \(subpath \(param "WRITABLE_ROOT_0"\)\) \(subpath \(param "WRITABLE_ROOT_1"\)\) \(subpath \(param "WRITABLE_ROOT_2"\)\)\)\n {4}\(require-not \(subpath \(param "WRITABLE_ROOT_0_RO_0"\)\)\)/,
    );
    assert.equal(profile.match(/require-not/g)!.length, 6);
    assert.deepEqual(params, {
      WRITABLE_ROOT_0: '/work/repo',
      WRITABLE_ROOT_0_RO_0: '/work/repo/.git',
      WRITABLE_ROOT_0_RO_1: '/work/repo/.yoke',
      WRITABLE_ROOT_1: '/work/repo/sub',
      WRITABLE_ROOT_1_RO_0: '/work/repo/sub/.git',
      WRITABLE_ROOT_1_RO_1: '/work/repo/sub/.yoke',
      WRITABLE_ROOT_2: '/tmp/yoke-task-1',
      WRITABLE_ROOT_2_RO_0: '/tmp/yoke-task-1/.git',
      WRITABLE_ROOT_2_RO_1: '/tmp/yoke-task-1/.yoke',
    });
    // No path ever lands in the profile text itself: it is all -D parameters.
    assert.doesNotMatch(profile, /\/work\/repo/);
  });

  test('symlink targets of .git/.yoke are denied too (Seatbelt checks real paths)', () => {
    const { profile, params } = seatbeltProfile(ws, ['/work/repo/.git', '/work/repo/gitdir']);
    assert.equal(params.PROTECTED_0, '/work/repo/gitdir');
    assert.equal(params.PROTECTED_1, undefined, 'the literal .git is already denied');
    assert.match(profile, /\(require-not \(subpath \(param "PROTECTED_0"\)\)\)\)\)/);
  });

  test('read-only has no file-write* rule; network when allowed; sandbox-exec argv', () => {
    const ro = seatbeltProfile({ type: 'read-only', networkAccess: true });
    assert.doesNotMatch(ro.profile, /file-write\*/);
    assert.match(ro.profile, /\(allow network-outbound\)/);
    assert.deepEqual(ro.params, {});
    const argv = seatbeltArgv(ws, { argv: ['make', 'test'] });
    assert.equal(argv[0], '/usr/bin/sandbox-exec');
    assert.equal(argv[1], '-p');
    assert.equal(argv[2], seatbeltProfile(ws).profile);
    assert.ok(argv.includes('-DWRITABLE_ROOT_0=/work/repo'));
    assert.deepEqual(argv.slice(-3), ['--', 'make', 'test']);
  });
});

describe('backend selection', () => {
  const recorded: ProcessSpec[] = [];
  const base: ProcessRunner = {
    name: 'fake',
    run: async (spec) => {
      recorded.push(spec);
      return {
        exitCode: 0,
        signal: null,
        output: '',
        totalBytes: 0,
        timedOut: false,
        aborted: false,
        durationMs: 0,
        pid: 1,
      };
    },
  };

  test('none only when chosen, with a loud warning; env policy still applies', async () => {
    const { runner, warning } = createNoneRunner(base, { hostEnv: { PATH: '/bin', X_TOKEN: 's' } });
    assert.equal(warning, NO_SANDBOX_WARNING);
    assert.match(warning, /sandbox is OFF/);
    await runner.run(
      { argv: ['true'], cwd: '/', timeoutMs: 1000 },
      { signal: new AbortController().signal },
    );
    assert.deepEqual(recorded.at(-1)!.env, { PATH: '/bin' });
    const chosen = createSandboxRunner({
      policy: { type: 'danger-full-access' },
      base,
      platform: 'linux',
    });
    assert.equal(chosen.backend, 'none');
    assert.equal(chosen.warning, NO_SANDBOX_WARNING);
  });

  test('a sandboxed policy on a platform without a backend fails clearly', async () => {
    assert.throws(
      () => createSandboxRunner({ policy: ws, base, platform: 'win32' }),
      (e: SandboxError) => e.code === 'sandbox_unavailable' && /win32/.test(e.message),
    );
    let policy: SandboxPolicy = { type: 'danger-full-access' };
    const later = createSandboxRunner({ policy: () => policy, base, platform: 'win32' });
    assert.equal(later.backend, 'none');
    policy = ws;
    const before = recorded.length;
    const outcome = await later.runner.run(
      { argv: ['true'], cwd: '/', timeoutMs: 1000 },
      { signal: new AbortController().signal },
    );
    assert.match(outcome.spawnError ?? '', /no sandbox backend for win32/);
    assert.equal(recorded.length, before, 'never ran unsandboxed');
    assert.throws(
      () => createSandboxRunner({ policy: ws, base, platform: 'darwin' }),
      (e: SandboxError) => e.code === 'sandbox_unavailable' && /sandbox-exec/.test(e.message),
    );
  });

  test('a missing bwrap is an error with the install hint, never a fallback', async () => {
    assert.throws(
      () =>
        createSandboxRunner({ policy: ws, base, platform: 'linux', bwrapPath: '/no/such/bwrap' }),
      (e: SandboxError) =>
        e.code === 'sandbox_unavailable' && /apt-get install bubblewrap/.test(e.message),
    );
    // Policy switched to a sandboxed one later: the command does not run.
    let policy: SandboxPolicy = { type: 'danger-full-access' };
    const { runner, warning } = createSandboxRunner({
      policy: () => policy,
      base,
      platform: 'linux',
      bwrapPath: '/no/such/bwrap',
    });
    assert.equal(warning, NO_SANDBOX_WARNING);
    policy = ws;
    const before = recorded.length;
    const outcome = await runner.run(
      { argv: ['true'], cwd: '/', timeoutMs: 1000 },
      { signal: new AbortController().signal },
    );
    assert.match(outcome.spawnError ?? '', /apt-get install bubblewrap/);
    assert.equal(recorded.length, before, 'the base runner was never called');
  });
});
