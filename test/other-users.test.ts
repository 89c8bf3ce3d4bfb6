// Other users on the same machine: loopback is no boundary between them. As root, this creates
// an unprivileged user (as the sandbox tests do) and shows that it can neither drive a running
// `yoke app-server --listen` nor read YOKE_HOME — a new one, and an old one left world-readable
// (fixed at the next start, with a warning).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { openDb } from '../src/store/db.ts';
import { runYoke, tempRepo, yokeEnv } from './support/cli.ts';
import { startWsServer } from './support/codex-driver.ts';

const ROOT = process.geteuid?.() === 0;
const OTHER = 'yoke-other-test';
const skip = ROOT ? false : 'needs root, to create a second user';

function ensureUser(): void {
  if (spawnSync('id', ['-u', OTHER]).status === 0) return;
  const made = spawnSync('useradd', ['-M', '-s', '/bin/sh', OTHER], { encoding: 'utf8' });
  // Another test file may have made it meanwhile.
  if (made.status !== 0 && spawnSync('id', ['-u', OTHER]).status !== 0)
    throw new Error(`useradd ${OTHER} failed: ${made.stderr}`);
}

/** Runs a bash script as the other user: its exit status and output. */
function asOther(script: string): { status: number | null; output: string } {
  const r = spawnSync('runuser', ['-u', OTHER, '--', 'bash', '-c', script], {
    encoding: 'utf8',
    cwd: '/',
    timeout: 30_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** A WebSocket handshake by hand: the status line the server answers with. */
function handshake(port: number, extraHeader = ''): string {
  return [
    `exec 3<>/dev/tcp/127.0.0.1/${port} || exit 9`,
    `printf 'GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\nSec-WebSocket-Version: 13\\r\\n${extraHeader}\\r\\n' >&3`,
    'head -1 <&3',
  ].join('\n');
}

/** A folder other users may enter, holding a home that does not exist yet. */
function openBase(t: TestContext): string {
  const base = mkdtempSync('/tmp/yoke-users-');
  chmodSync(base, 0o755);
  t.after(() => rmSync(base, { recursive: true, force: true }));
  return base;
}

const mode = (path: string) => statSync(path).mode & 0o777;

test(
  'another user cannot connect to app-server --listen, nor read its token or store',
  { skip },
  async (t) => {
    ensureUser();
    const home = join(openBase(t), 'home');
    const repo = tempRepo({}, t);
    const server = await startWsServer(yokeEnv('http://127.0.0.1:9/v1', home), repo);
    t.after(() => server.stop());
    const port = new URL(server.url).port;
    const tokenFile = join(home, `app-server-${port}.token`);

    // Created private: the home, the token, the store SQLite made at start.
    assert.equal(mode(home), 0o700);
    assert.equal(mode(tokenFile), 0o600);
    for (const name of readdirSync(home).filter((n) => n.startsWith('yoke.db')))
      assert.equal(mode(join(home, name)), 0o600, name);

    // The other user reaches the port, but without the token the upgrade is refused.
    const refused = asOther(handshake(Number(port)));
    assert.match(refused.output, /^HTTP\/1\.1 401/, refused.output);
    const guessed = asOther(
      handshake(Number(port), 'Authorization: Bearer 0123456789abcdef0123\\r\\n'),
    );
    assert.match(guessed.output, /^HTTP\/1\.1 401/, guessed.output);
    // Control: the same handshake with the token is accepted (run as the owner).
    const accepted = spawnSync(
      'bash',
      ['-c', handshake(Number(port), `Authorization: Bearer ${server.token}\\r\\n`)],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.match(accepted.stdout, /^HTTP\/1\.1 101/, accepted.stdout + accepted.stderr);

    for (const script of [
      `cat ${tokenFile}`,
      `ls ${home}`,
      `cat ${join(home, 'yoke.db')} > /dev/null`,
      `cp ${join(home, 'yoke.db')} /tmp/${OTHER}-stolen.db`,
    ]) {
      const r = asOther(script);
      assert.notEqual(r.status, 0, `${script} worked as ${OTHER}`);
      assert.match(r.output, /Permission denied/, script);
    }
    rmSync(`/tmp/${OTHER}-stolen.db`, { force: true });
  },
);

test(
  'a world-readable YOKE_HOME from before is made private at start, with a warning',
  { skip },
  async (t) => {
    ensureUser();
    const home = join(openBase(t), 'home');
    mkdirSync(join(home, 'rules'), { recursive: true, mode: 0o755 });
    chmodSync(home, 0o755);
    openDb(join(home, 'yoke.db')).close();
    chmodSync(join(home, 'yoke.db'), 0o644);
    writeFileSync(join(home, 'config.toml'), 'model = "m"\n', { mode: 0o644 });
    writeFileSync(join(home, 'rules', 'default.toml'), '', { mode: 0o644 });
    const before = asOther(`cp ${join(home, 'yoke.db')} /dev/null && echo copied`);
    assert.match(before.output, /copied/, 'the setup is as open as the issue describes');

    const doctor = await runYoke(['doctor'], {
      cwd: '/',
      env: yokeEnv('http://127.0.0.1:9/v1', home),
    });
    assert.match(doctor.stdout, /PROBLEM permissions: other users can read .*home \(755\)/);
    assert.equal(mode(home), 0o755, 'doctor reports, it does not change anything');

    const r = await runYoke(['app-server'], {
      cwd: '/',
      env: yokeEnv('http://127.0.0.1:9/v1', home),
      stdin: '',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /yoke: warning: other users could read Yoke's files; made them private/);
    assert.equal(mode(home), 0o700);
    assert.equal(mode(join(home, 'rules')), 0o700);
    for (const file of ['yoke.db', 'config.toml', 'rules/default.toml'])
      assert.equal(mode(join(home, file)), 0o600, file);
    const after = asOther(`cp ${join(home, 'yoke.db')} /dev/null && echo copied`);
    assert.doesNotMatch(after.output, /copied/);
    assert.match(after.output, /Permission denied/);
    // The next start has nothing to fix, and says nothing.
    const again = await runYoke(['app-server'], {
      cwd: '/',
      env: yokeEnv('http://127.0.0.1:9/v1', home),
      stdin: '',
    });
    assert.doesNotMatch(again.stderr, /warning/);
  },
);
