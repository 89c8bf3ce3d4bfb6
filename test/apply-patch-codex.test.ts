// apply_patch against the real Codex 0.169.0 (`codex --codex-run-as-apply-patch "<patch>"`,
// installed by the test into a cache outside the repository): a few hundred generated cases
// (test/support/codex-patch-cases.ts, seeded) are applied by Yoke and by Codex in two fresh
// folders, and the resulting trees are compared byte for byte, with success or failure. Cases
// built to show a documented difference (docs/apply-patch.md) must show exactly that difference:
// each names an input on which Yoke produces what Codex must have produced.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { applyPatchTool } from '../src/tools/apply-patch.ts';
import { cacheTempDir, codexNativeBinary, CODEX_VERSION } from './support/codex-package.ts';
import {
  generateCases,
  type Files,
  type PatchCase,
  type Twin,
} from './support/codex-patch-cases.ts';
import { context } from './support/patch-workspace.ts';

const execFileAsync = promisify(execFile);

const SEED = 0x5eed_2026;
const CASES = 400;

type Outcome = { ok: boolean; tree: string; error: string };

/** Files (bytes as latin1, so any byte survives) and directories under `dir`, sorted. */
async function tree(dir: string): Promise<string> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const entry of await fs.readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      const key = path.relative(dir, full).split(path.sep).join('/');
      if (entry.isDirectory()) {
        out[`${key}/`] = '';
        await walk(full);
      } else out[key] = (await fs.readFile(full)).toString('latin1');
    }
  };
  await walk(dir);
  return JSON.stringify(
    Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1))),
  );
}

async function seed(dir: string, files: Files): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), content);
  }
}

async function withYoke(dir: string, files: Files, patch: string): Promise<Outcome> {
  await seed(dir, files);
  let error = '';
  try {
    const args = applyPatchTool.schema.parse({ input: patch });
    await applyPatchTool.execute('call', args, context(dir));
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  return { ok: error === '', tree: await tree(dir), error };
}

async function withCodex(
  bin: string,
  home: string,
  dir: string,
  files: Files,
  patch: string,
): Promise<Outcome> {
  await seed(dir, files);
  let error = '';
  try {
    await execFileAsync(bin, ['--codex-run-as-apply-patch', patch], {
      cwd: dir,
      env: { ...process.env, CODEX_HOME: home },
      timeout: 30_000,
    });
  } catch (e) {
    error = String((e as { stderr?: string }).stderr || e).trim();
  }
  return { ok: error === '', tree: await tree(dir), error };
}

function show(c: PatchCase, yoke: Outcome, codex: Outcome, why: string): string {
  return [
    `case ${c.id} (${c.kind}; ${c.tags.join(', ')}): ${why}`,
    `files: ${JSON.stringify(c.files)}`,
    `patch: ${JSON.stringify(c.patch)}`,
    `yoke:  ${yoke.ok ? 'ok' : `failed (${yoke.error.split('\n')[0]})`} ${yoke.tree}`,
    `codex: ${codex.ok ? 'ok' : `failed (${codex.error.split('\n')[0]})`} ${codex.tree}`,
  ].join('\n');
}

test(
  `apply_patch agrees with Codex ${CODEX_VERSION} on generated files and patches`,
  { timeout: 300_000 },
  async (t) => {
    let bin: string;
    try {
      bin = await codexNativeBinary();
    } catch (e) {
      t.skip(`Codex ${CODEX_VERSION} cannot be installed: ${(e as Error).message}`);
      return;
    }
    const home = cacheTempDir('apply-patch-home', t);
    const base = await fs.mkdtemp(path.join(os.tmpdir(), 'yoke-patch-codex-'));
    t.after(() => fs.rm(base, { recursive: true, force: true }));

    const cases = generateCases(SEED, CASES);
    const unexplained: string[] = [];
    const agreed = { meant: 0, total: 0, applied: 0, refused: 0 };
    const documented = new Map<string, number>();
    const tagCounts = new Map<string, number>();

    for (const c of cases) {
      const dir = path.join(base, String(c.id));
      const yoke = await withYoke(path.join(dir, 'yoke'), c.files, c.patch);
      const codex = await withCodex(bin, home, path.join(dir, 'codex'), c.files, c.patch);
      const twin = async (name: string, input: Twin): Promise<string> => {
        const where = path.join(dir, name);
        if (input !== 'unchanged') return (await withYoke(where, input.files, input.patch)).tree;
        await seed(where, c.files);
        return tree(where);
      };
      for (const tag of c.tags) tagCounts.set(tag, (tagCounts.get(tag) ?? 0) + 1);
      const same = yoke.ok === codex.ok && yoke.tree === codex.tree;
      // An all-or-nothing case whose earlier operations change nothing shows no difference.
      const moot =
        c.kind === 'atomicity' &&
        (await twin('codex-twin', c.codexTwin)) === (await twin('initial', 'unchanged'));
      if (c.kind === 'same' || (moot && same)) {
        agreed.meant++;
        if (!same) {
          unexplained.push(
            show(c, yoke, codex, yoke.ok === codex.ok ? 'trees differ' : 'success differs'),
          );
          continue;
        }
        agreed.total++;
        if (yoke.ok) agreed.applied++;
        else agreed.refused++;
        continue;
      }
      const problems: string[] = [];
      if (yoke.ok !== c.yoke) problems.push(`Yoke should ${c.yoke ? 'succeed' : 'fail'}`);
      if (codex.ok !== c.codex) problems.push(`Codex should ${c.codex ? 'succeed' : 'fail'}`);
      if (codex.tree !== (await twin('codex-twin', c.codexTwin)))
        problems.push('Codex did not do what the documented difference says');
      if (c.yokeTwin && yoke.tree !== (await twin('yoke-twin', c.yokeTwin)))
        problems.push('Yoke did not do what docs/apply-patch.md says');
      if (yoke.tree === codex.tree) problems.push('no difference showed');
      if (problems.length > 0) unexplained.push(show(c, yoke, codex, problems.join('; ')));
      else documented.set(c.kind, (documented.get(c.kind) ?? 0) + 1);
    }

    const differences = cases.length - agreed.meant;
    const asDocumented = [...documented.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(
      `agreement with Codex ${CODEX_VERSION}: ${agreed.total}/${agreed.meant} cases ` +
        `(${agreed.applied} applied by both, ${agreed.refused} refused by both); ` +
        `documented differences as documented: ${asDocumented}/${differences} ` +
        `(${[...documented].map(([k, n]) => `${k} ${n}`).join(', ')})`,
    );
    t.diagnostic(
      `covered: ${[...tagCounts]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    assert.deepEqual(unexplained.slice(0, 5), [], `${unexplained.length} unexplained differences`);
    // The harness must exercise real edits, not only failures.
    assert.ok(agreed.applied > agreed.meant / 2, `only ${agreed.applied} cases applied`);
  },
);
