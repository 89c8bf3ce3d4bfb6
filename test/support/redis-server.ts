// A Redis server of the test's own: redis-server on a free loopback port, its data in a temp
// dir, a password, and the append-only file on (fsync always), so a restart loses nothing —
// as a fleet's Redis should be run. Stopped when the test ends.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tempDir } from './cli.ts';
import {
  findProgram,
  onFreePort,
  spawnServer,
  stopServer,
  type ServerProcess,
} from './services.ts';

export type RedisServer = {
  /** redis://:password@127.0.0.1:port */
  url: string;
  port: number;
  password: string;
  /** Stops it (SIGTERM: it finishes writing its append-only file). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data (after stop). */
  start(): Promise<void>;
};

type Cleanup = { after: (fn: () => Promise<void> | void) => void };

export async function startRedis(t?: Cleanup): Promise<RedisServer> {
  const bin = findProgram('redis-server', 'redis-server');
  const dir = tempDir('redis');
  const password = randomBytes(12).toString('hex');
  let server: ServerProcess | null = null;
  const launch = (port: number) =>
    spawnServer(
      bin,
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--requirepass',
        password,
        '--daemonize',
        'no',
        '--maxmemory-policy',
        'noeviction',
      ],
      { name: 'redis-server', ready: /Ready to accept connections/ },
    );
  let port = 0;
  server = await onFreePort(async (p) => {
    const s = await launch(p);
    port = p;
    return s;
  });
  const redis: RedisServer = {
    url: `redis://:${password}@127.0.0.1:${port}`,
    port,
    password,
    stop: async () => {
      if (server) await stopServer(server, 'SIGTERM');
      server = null;
    },
    start: async () => {
      if (!server) server = await launch(port);
    },
  };
  t?.after(async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return redis;
}
