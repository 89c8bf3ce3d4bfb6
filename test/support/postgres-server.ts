// A PostgreSQL server of the test's own: initdb + postgres on a free loopback port, in a temp
// dir, with a password (scram-sha-256 over TCP). initdb refuses to run as root, so as root the
// server runs as a system user this helper creates (yoke-pgtest). Stopped when the test ends.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './cli.ts';
import {
  findProgram,
  onFreePort,
  spawnServer,
  stopServer,
  type ServerProcess,
} from './services.ts';

export type PostgresServer = {
  /** postgres://postgres:password@127.0.0.1:port/postgres */
  url: string;
  port: number;
  password: string;
  /** Stops it (fast shutdown: open connections are cut). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data (after stop). */
  start(): Promise<void>;
};

type Cleanup = { after: (fn: () => Promise<void> | void) => void };

const TEST_USER = 'yoke-pgtest';

/** PostgreSQL's programs folder (Debian keeps them out of PATH). */
function pgBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length) return join(root, versions[0]!, 'bin');
  return findProgram('initdb', 'postgresql').replace(/\/initdb$/, '');
}

/** The uid/gid to run PostgreSQL as: ours, or (as root) the test user's, created if needed. */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const lookup = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', TEST_USER], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', TEST_USER], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      return null;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync(
      'useradd',
      ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', TEST_USER],
      {
        stdio: 'ignore',
      },
    );
  } catch {
    // Another test process may have created it at the same moment; look again.
  }
  const created = lookup();
  if (!created) throw new Error(`could not create the user ${TEST_USER} to run PostgreSQL as`);
  return created;
}

export async function startPostgres(t?: Cleanup): Promise<PostgresServer> {
  const bin = pgBin();
  const user = serverUser();
  const dir = tempDir('pg');
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(pwfile, user.uid, user.gid);
  }
  chmodSync(dir, 0o700);
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const data = join(dir, 'data');
  execFileSync(
    join(bin, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      `--pwfile=${pwfile}`,
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ],
    { ...as, stdio: 'ignore', cwd: dir },
  );
  let server: ServerProcess | null = null;
  const launch = (port: number) =>
    spawnServer(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-c',
        'listen_addresses=127.0.0.1',
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=32MB',
      ],
      { ...as, cwd: dir, name: 'postgres', ready: /ready to accept connections/ },
    );
  let port = 0;
  server = await onFreePort(async (p) => {
    const s = await launch(p);
    port = p;
    return s;
  });
  const pg: PostgresServer = {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    password,
    stop: async () => {
      if (server) await stopServer(server, 'SIGINT');
      server = null;
    },
    start: async () => {
      if (!server) server = await launch(port);
    },
  };
  t?.after(async () => {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return pg;
}
