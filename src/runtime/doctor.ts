// `yoke doctor`: checks what Yoke depends on and says what to do about each problem — the store
// (full integrity_check), the sandbox (bubblewrap present and able to build one), the model
// endpoint, the configuration, the permissions of YOKE_HOME, and leftovers of earlier runs.
// Read-only: it reports, it does not repair.
import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkBwrap } from '../sandbox/bwrap.ts';
import { seatbeltAvailable } from '../sandbox/seatbelt.ts';
import { checkIntegrity, fileProblem } from '../store/store-health.ts';
import { loadConfig } from './config.ts';
import { homePermissionProblems } from './yoke-home.ts';
import { leftovers } from './doctor-leftovers.ts';
import { probeModel } from './doctor-model.ts';
import { openSqlite } from '../store/sqlite.ts';

export type DoctorCheck = {
  name: 'config' | 'store' | 'sandbox' | 'model' | 'permissions' | 'leftovers';
  ok: boolean;
  /** What was found, one line. */
  detail: string;
  /** What to do about it, when not ok. */
  fix?: string;
};

export type DoctorInput = { home: string; env: NodeJS.ProcessEnv; cwd: string };

export async function runDoctor(input: DoctorInput): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let config: ReturnType<typeof loadConfig> | null = null;
  try {
    config = loadConfig({ env: { ...input.env, YOKE_HOME: input.home }, cwd: input.cwd });
    checks.push(
      config.warnings.length === 0
        ? { name: 'config', ok: true, detail: 'config.toml and .yoke/config.toml are valid' }
        : {
            name: 'config',
            ok: false,
            detail: config.warnings.join('; '),
            fix: `edit ${join(input.home, 'config.toml')} (or .yoke/config.toml) as the warnings say`,
          },
    );
  } catch (err) {
    checks.push({
      name: 'config',
      ok: false,
      detail: oneLine((err as Error).message),
      fix: `fix ${join(input.home, 'config.toml')} (or .yoke/config.toml, YOKE_* variables)`,
    });
  }
  checks.push(storeCheck(join(input.home, 'yoke.db')));
  checks.push(sandboxCheck());
  checks.push(
    config
      ? await probeModel(config.provider, config.model)
      : { name: 'model', ok: false, detail: 'not checked: the configuration does not load' },
  );
  checks.push(permissionsCheck(input.home));
  checks.push(await leftovers(input.home));
  return checks;
}

function storeCheck(path: string): DoctorCheck {
  const recover =
    `restore a backup (yoke backup --restore FILE), or move the store away to start an ` +
    `empty one (mv ${path} ${path}.old)`;
  if (!existsSync(path)) return { name: 'store', ok: true, detail: `no store yet at ${path}` };
  const problem = fileProblem(path);
  if (problem) return { name: 'store', ok: false, detail: `${path}: ${problem}`, fix: recover };
  let db: Database.Database;
  try {
    db = openSqlite(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    const missing = (err as { code?: string }).code === 'SQLITE_CANTOPEN';
    if (missing) return { name: 'store', ok: true, detail: `no store yet at ${path}` };
    return { name: 'store', ok: false, detail: `${path}: ${(err as Error).message}`, fix: recover };
  }
  try {
    const damage = checkIntegrity(db, true);
    if (damage) return { name: 'store', ok: false, detail: `${path}: ${damage}`, fix: recover };
    const threads = (db.prepare('SELECT count(*) AS n FROM threads').get() as { n: number }).n;
    return { name: 'store', ok: true, detail: `${path}: integrity_check ok, ${threads} threads` };
  } catch (err) {
    return { name: 'store', ok: false, detail: `${path}: ${(err as Error).message}`, fix: recover };
  } finally {
    db.close();
  }
}

function sandboxCheck(): DoctorCheck {
  if (process.platform === 'darwin')
    return seatbeltAvailable()
      ? { name: 'sandbox', ok: true, detail: 'Seatbelt (sandbox-exec) is available' }
      : {
          name: 'sandbox',
          ok: false,
          detail: 'sandbox-exec is missing',
          fix: 'Yoke needs /usr/bin/sandbox-exec (part of macOS)',
        };
  const status = checkBwrap();
  return status.ok
    ? { name: 'sandbox', ok: true, detail: `${status.version} builds a sandbox here` }
    : {
        name: 'sandbox',
        ok: false,
        detail: status.message,
        fix: 'install bubblewrap (apt-get install bubblewrap) and allow user namespaces',
      };
}

function permissionsCheck(home: string): DoctorCheck {
  const open = homePermissionProblems(home);
  if (open.length === 0)
    return {
      name: 'permissions',
      ok: true,
      detail: `${home} and its files are private (0700/0600)`,
    };
  const shown = open.slice(0, 3).join(', ');
  return {
    name: 'permissions',
    ok: false,
    detail: `other users can read ${shown}${open.length > 3 ? ` and ${open.length - 3} more` : ''}`,
    fix: `chmod -R go-rwx ${home} (any yoke command also fixes it at start)`,
  };
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}
