// The real Codex CLI (`@openai/codex`), for the tests and benchmarks that run Codex's own
// clients and app server against Yoke. It is installed with npm into a cache folder outside
// the repository (never committed, never in node_modules), once, and reused:
//   $XDG_CACHE_HOME/yoke-test/codex-0.169.0 (~/.cache/yoke-test/… by default)
// Codex's generated JSON Schema is made there too, by its own `app-server generate-json-schema`.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const CODEX_VERSION = '0.169.0';

/** Where test caches live: outside the repository and outside /tmp (Codex's home may not be). */
export function testCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const dir = join(base, 'yoke-test');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fresh directory under the test cache (for CODEX_HOME), removed by `t` when given. */
export function cacheTempDir(prefix: string, t?: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(testCacheDir(), `${prefix}-`));
  t?.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let installing: Promise<string> | undefined;

/**
 * The path of the `codex` launcher, installing `@openai/codex@0.169.0` first when the cache
 * lacks it. Throws one line when npm cannot fetch it (no registry, no network).
 */
export function codexBinary(): Promise<string> {
  installing ??= install();
  return installing;
}

async function install(): Promise<string> {
  const dir = join(testCacheDir(), `codex-${CODEX_VERSION}`);
  const bin = join(dir, 'node_modules', '.bin', 'codex');
  if (existsSync(bin)) return bin;
  // Into a scratch folder, then renamed: concurrent test files never see half an install.
  const scratch = mkdtempSync(`${dir}.installing-`);
  try {
    await run(
      'npm',
      [
        'install',
        '--prefix',
        scratch,
        '--no-audit',
        '--no-fund',
        '--no-save',
        '--loglevel=error',
        `@openai/codex@${CODEX_VERSION}`,
      ],
      { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    const detail = String((err as { stderr?: string }).stderr ?? err)
      .split('\n')
      .find((line) => /ERR|error/i.test(line));
    throw new Error(
      `cannot install @openai/codex@${CODEX_VERSION} with npm (is the registry reachable?)` +
        (detail ? `: ${detail.trim()}` : ''),
    );
  }
  try {
    renameSync(scratch, dir);
  } catch {
    // Another process finished first: use its copy.
    rmSync(scratch, { recursive: true, force: true });
  }
  return bin;
}

/**
 * The native `codex` executable the launcher would start (its platform package's
 * `vendor/<target>/bin/codex`), installing the package first; the launcher itself when none is
 * found. Starting it directly saves Node's start-up (about 200 ms) per run.
 */
export async function codexNativeBinary(): Promise<string> {
  const launcher = await codexBinary();
  const scope = join(dirname(launcher), '..', '@openai');
  const exe = process.platform === 'win32' ? 'codex.exe' : 'codex';
  for (const pkg of readdirSync(scope).filter((name) => name.startsWith('codex-'))) {
    const vendor = join(scope, pkg, 'vendor');
    if (!existsSync(vendor)) continue;
    for (const target of readdirSync(vendor)) {
      const bin = join(vendor, target, 'bin', exe);
      if (existsSync(bin)) return bin;
    }
  }
  return launcher;
}

const schemas = new Map<string, Promise<string>>();

/**
 * A folder with Codex's generated JSON Schema, generated once into the cache: the stable API,
 * or with `experimental` also what clients that opt in (the Codex TUI does) may use.
 */
export function codexSchemaDir(options: { experimental?: boolean } = {}): Promise<string> {
  const kind = options.experimental ? 'schema-experimental' : 'schema';
  let made = schemas.get(kind);
  if (!made) {
    made = generateSchema(kind, options.experimental ? ['--experimental'] : []);
    schemas.set(kind, made);
  }
  return made;
}

async function generateSchema(kind: string, flags: string[]): Promise<string> {
  const dir = join(testCacheDir(), `codex-${CODEX_VERSION}-${kind}`);
  if (existsSync(join(dir, 'codex_app_server_protocol.schemas.json'))) return dir;
  const bin = await codexBinary();
  const scratch = mkdtempSync(`${dir}.generating-`);
  await run(bin, ['app-server', 'generate-json-schema', ...flags, '--out', scratch], {
    timeout: 120_000,
  });
  try {
    renameSync(scratch, dir);
  } catch {
    rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}
