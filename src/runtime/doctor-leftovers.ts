// `yoke doctor`'s leftovers check: what earlier runs left behind — per-thread temp folders,
// state files of a daemon or app-server that is gone, copies of a damaged store.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listCommandTmp } from './command-tmp.ts';
import type { DoctorCheck } from './doctor.ts';

export async function leftovers(home: string): Promise<DoctorCheck> {
  const found: string[] = [];
  const fixes: string[] = [];
  // Folders of live processes are in use; those of gone ones go at the next start.
  const temp = listCommandTmp();
  const dead = temp.filter((t) => t.owner === 'dead').length;
  const unnamed = temp.filter((t) => t.owner === 'unnamed').length;
  if (dead > 0) {
    found.push(`${dead} command temp folders of yoke processes that are gone`);
    fixes.push('the next yoke start removes them');
  }
  if (unnamed > 0) {
    found.push(
      `${unnamed} command temp folders of an older yoke (${join(tmpdir(), 'yoke-cmd-*')})`,
    );
    fixes.push(
      `a yoke start removes them once a week old; at once: rm -rf ${join(tmpdir(), 'yoke-cmd-*')} while no yoke runs`,
    );
  }
  const names = list(home);
  const lock = names.includes('serve.lock') ? Number(read(join(home, 'serve.lock'))) : null;
  if (lock !== null && !alive(lock)) {
    found.push(`state of a yoke serve that is gone (pid ${lock})`);
    fixes.push('the next yoke serve replaces it');
  }
  const tokens = names.filter((n) => /^app-server-\d+\.token$/.test(n));
  const listening = await Promise.all(tokens.map((n) => listens(Number(/\d+/.exec(n)![0]))));
  const stale = tokens.filter((_, i) => !listening[i]);
  if (stale.length > 0) {
    found.push(`${stale.length} token files of app-servers that are gone`);
    fixes.push(`rm ${stale.map((n) => join(home, n)).join(' ')}`);
  }
  const damaged = names.filter(
    (n) => /^yoke\.db\.(damaged|before-restore)-/.test(n) && !/-(wal|shm)$/.test(n),
  );
  if (damaged.length > 0) {
    const mb = damaged.reduce((sum, n) => sum + size(join(home, n)), 0) / 1048576;
    found.push(
      `${damaged.length} kept copies of earlier stores (${mb.toFixed(1)} MB: ${damaged.join(', ')})`,
    );
    fixes.push(
      `once you no longer need them: rm ${join(home, 'yoke.db.damaged-*')} ${join(home, 'yoke.db.before-restore-*')}`,
    );
  }
  if (found.length === 0) return { name: 'leftovers', ok: true, detail: 'nothing left behind' };
  return { name: 'leftovers', ok: false, detail: found.join('; '), fix: fixes.join('; ') };
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Does something accept connections on 127.0.0.1:port? */
function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
