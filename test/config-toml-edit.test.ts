// The config.toml editor behind config/value/write: whatever the document looks like (multi-line
// arrays, inline tables, dotted keys, arrays of tables, comments everywhere), a write leaves a
// file that parses to exactly the intended table, edited in place. Seeded random walks of edits
// over such documents check it at scale: over fixed documents, and over generated ones whose
// comments say what they are inside, so that every comment outside the edited value must stay.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { writeUserConfig, type ConfigEdit } from '../src/runtime/config/write.ts';
import { tempDir } from './support/cli.ts';

const DOCS = [
  '',
  '# only a comment\n',
  'model = "m" # why\n\n[sandbox_workspace_write]\n# roots\nwritable_roots = [\n  "/a", # first\n  "/b",\n]\nnetwork_access = false\n',
  'mcp_servers = { docs = { command = "docs-server", args = ["--x"] } }\nmodel = "m"\n',
  'sandbox_workspace_write.network_access = true\n# tail\n',
  'model = "m"\n\n[[extra]]\nname = "one"\n\n[[extra]]\nname = "two"\n\n[tui]\ntheme = "dark"\n',
  '[model_providers."my.local"]\nbase_url = "http://127.0.0.1:1/v1" # local\n\n[projects."/x/y.z"]\ntrust_level = "trusted"\n',
  "s = '''\nmulti\nline\n'''\nmodel = \"m\"\n",
];

const PATHS = [
  'model',
  'sandbox_workspace_write.network_access',
  'sandbox_workspace_write.writable_roots',
  'sandbox_workspace_write',
  'mcp_servers.docs',
  'mcp_servers.docs.args',
  'mcp_servers.other',
  'model_providers."my.local".base_url',
  'projects."/x/y.z".trust_level',
  'tui.theme',
  'extra',
  's',
];

const VALUES: unknown[] = [
  'text "quoted" \\ back',
  42,
  true,
  ['a', 'b'],
  { command: 'c', args: ['1'], env: { K: 'v' } },
  { network_access: true },
  null,
  'line\nbreak',
];

/** A small deterministic generator (mulberry32). */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The parts of a key path (as config writes split it). */
function parts(keyPath: string): string[] {
  return (keyPath.match(/"[^"]*"|[^.]+/g) ?? []).map((p) => p.replace(/^"|"$/g, ''));
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a write should leave, computed on plain objects (null removes; upsert merges). */
function expected(table: Table, edit: ConfigEdit): Table | 'refused' {
  const path = parts(edit.keyPath);
  const out = structuredClone(table);
  let node: Table = out;
  const trail: Table[] = [];
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (next === undefined) {
      if (edit.value === null) return out;
      node[part] = {};
    } else if (!isTable(next)) return 'refused';
    trail.push(node);
    node = node[part] as Table;
  }
  const last = path.at(-1)!;
  if (edit.value === null) {
    delete node[last];
    // Tables the removal left empty go too.
    for (let i = trail.length - 1; i >= 0 && Object.keys(node).length === 0; i--) {
      delete trail[i]![path[i]!];
      node = trail[i]!;
    }
  } else if (edit.mergeStrategy === 'upsert' && isTable(node[last]) && isTable(edit.value))
    node[last] = merge(node[last], edit.value);
  else node[last] = structuredClone(edit.value);
  return out;
}

function merge(base: Table, over: Table): Table {
  const out = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = isTable(out[k]) && isTable(v) ? merge(out[k], v) : v;
  return out;
}

const plain = (text: string) => JSON.parse(JSON.stringify(parseToml(text))) as Table;

function fileWith(t: TestContext, text: string): string {
  const file = join(tempDir('toml-edit', t), 'config.toml');
  writeFileSync(file, text);
  return file;
}

const write = (file: string, edit: ConfigEdit) =>
  writeUserConfig({ userFile: file, edits: [edit], validate: () => {} });

test('edits keep comments and layout where they touch lines', { timeout: 20_000 }, (t) => {
  const file = fileWith(t, DOCS[2]!);
  write(file, { keyPath: 'model', value: 'n', mergeStrategy: 'replace' });
  write(file, {
    keyPath: 'sandbox_workspace_write.network_access',
    value: true,
    mergeStrategy: 'replace',
  });
  const text = readFileSync(file, 'utf8');
  assert.equal(
    text,
    'model = "n" # why\n\n[sandbox_workspace_write]\n# roots\nwritable_roots = [\n  "/a", # first\n  "/b",\n]\nnetwork_access = true\n',
  );
  // A multi-line value is replaced whole; the comment above it stays.
  const outcome = write(file, {
    keyPath: 'sandbox_workspace_write.writable_roots',
    value: ['/c'],
    mergeStrategy: 'replace',
  });
  assert.equal(outcome.keptComments, true);
  assert.match(readFileSync(file, 'utf8'), /# roots\nwritable_roots = \["\/c"\]\nnetwork_access/);
});

test(
  'a seeded random walk of writes: the file always parses to the intended table',
  { timeout: 120_000 },
  (t) => {
    const next = random(20261205);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    let edits = 0;
    let kept = 0;
    for (const doc of DOCS) {
      const file = fileWith(t, doc);
      let table = plain(doc);
      for (let i = 0; i < 40; i++) {
        const edit: ConfigEdit = {
          keyPath: pick(PATHS),
          value: pick(VALUES),
          mergeStrategy: next() < 0.5 ? 'replace' : 'upsert',
        };
        const want = expected(table, edit);
        const before = readFileSync(file, 'utf8');
        let outcome: ReturnType<typeof write> | null = null;
        try {
          outcome = write(file, edit);
        } catch (err) {
          assert.equal(want, 'refused', `${JSON.stringify(edit)} on\n${before}\n${String(err)}`);
          assert.equal(readFileSync(file, 'utf8'), before, 'a refused write changes nothing');
          continue;
        }
        assert.notEqual(want, 'refused', `${JSON.stringify(edit)} was not refused`);
        const after = readFileSync(file, 'utf8');
        assert.deepEqual(
          plain(after),
          want,
          `${JSON.stringify(edit)} on\n${before}\ngave\n${after}`,
        );
        table = want as Table;
        edits++;
        if (outcome.keptComments) kept++;
      }
    }
    t.diagnostic(`${edits} writes, ${kept} of them edited in place`);
    assert.ok(edits > 200);
    assert.equal(kept, edits, 'every write keeps the file’s layout');
  },
);

const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
const FORMS = ['section', 'dotted', 'inline', 'sectionDotted', 'nested', 'array', 'deep'] as const;

/**
 * A document holding its tables in every form, each comment tagged with what it is inside:
 * `at:a.b` (on or in the value of key a.b), `in:a` (in section a), `free` (nowhere).
 */
function generatedDoc(next: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  let n = 0;
  const tag = (what: string) => `# c${n++} ${what}`;
  const value = (path: string) =>
    pick([
      '1',
      '"s"',
      "'lit'",
      'true',
      '[1, 2]',
      `[\n  "a", ${tag(`at:${path}`)}\n  "b",\n]`,
      '{ p = 1, q = { r = "s" } }',
    ]);
  const kv = (key: string, path: string, indent = '') =>
    `${indent}${key} = ${value(path)}${next() < 0.5 ? ` ${tag(`at:${path}`)}` : ''}`;
  const top: string[] = [tag('free')];
  const sections: string[] = [];
  for (const name of NAMES.filter(() => next() < 0.7)) {
    const form = pick(FORMS);
    if (form === 'section')
      sections.push(
        `${tag('free')}\n[${name}] ${tag(`in:${name}`)}\n${kv('k', `${name}.k`)}\n${tag(`in:${name}`)}\n${kv('m', `${name}.m`, '  ')}`,
      );
    else if (form === 'dotted')
      top.push(kv(`${name}.k`, `${name}.k`), tag('free'), kv(`${name}.sub.m`, `${name}.sub.m`));
    else if (form === 'inline')
      top.push(
        `${name} = { k = ${value(`${name}.k`)}, sub = { m = 1 }, "q.x" = 'v' } ${tag(`at:${name}`)}`,
      );
    else if (form === 'sectionDotted')
      sections.push(
        `[${name}]\n${kv('sub.k', `${name}.sub.k`)}\n${tag(`in:${name}`)}\n${kv('sub.deep.m', `${name}.sub.deep.m`)}\n${kv('o', `${name}.o`)}`,
      );
    else if (form === 'nested')
      sections.push(
        `[${name}.sub]\n${kv('k', `${name}.sub.k`)}\n\n${tag('free')}\n[${name}]\n${kv('m', `${name}.m`)}`,
      );
    else if (form === 'array')
      sections.push(
        `[[${name}]] ${tag(`at:${name}`)}\nk = 1 ${tag(`at:${name}`)}\n\n[[${name}]]\nk = 2\n[${name}.sub]\nm = { x = 1 } ${tag(`at:${name}`)}`,
      );
    else
      top.push(
        kv(`${name}.a.b`, `${name}.a.b`),
        `${name}.a.c = { d = 1 } ${tag(`at:${name}.a.c`)}`,
      );
  }
  top.push(tag('free'));
  return [top.join('\n'), ...sections, tag('free')].join('\n\n') + '\n';
}

/** The tagged comments of a document: id → what it is inside (null: nothing). */
function tagged(text: string): Map<string, string[] | null> {
  const out = new Map<string, string[] | null>();
  for (const [, id, free, path] of text.matchAll(/# (c\d+) (?:(free)|(?:at|in):(\S+))/g))
    out.set(id!, free ? null : parts(path!));
  return out;
}

/** Every path the table holds, tables and values (arrays are not walked: keyPath cannot). */
function pathsOf(table: Table, prefix = ''): string[] {
  return Object.entries(table).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${/^[\w-]+$/.test(k) ? k : `"${k}"`}` : k;
    return [path, ...(isTable(v) ? pathsOf(v, path) : [])];
  });
}

const at = (table: Table, path: string[]): unknown =>
  path.reduce<unknown>((node, part) => (isTable(node) ? node[part] : undefined), table);

test(
  'generated documents mixing every form: random writes keep values and every comment outside the edit',
  { timeout: 120_000 },
  (t) => {
    const next = random(7_2026_12);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
    const values: unknown[] = [7, 'new "q"', ['a'], { k: 1, sub: { m: 2 } }, {}, null, null, true];
    let edits = 0;
    for (let d = 0; d < 30; d++) {
      const doc = generatedDoc(next);
      const file = fileWith(t, doc);
      let table = plain(doc);
      for (let i = 0; i < 15; i++) {
        const known = pathsOf(table);
        const keyPath = pick([...known, ...known.map((p) => `${p}.new`), 'omega.k', pick(NAMES)]);
        const edit: ConfigEdit = {
          keyPath,
          value: pick(values),
          mergeStrategy: next() < 0.5 ? 'replace' : 'upsert',
        };
        const want = expected(table, edit);
        const before = readFileSync(file, 'utf8');
        const context = () => `${JSON.stringify(edit)} on\n${before}`;
        let outcome: ReturnType<typeof write>;
        try {
          outcome = write(file, edit);
        } catch (err) {
          assert.equal(want, 'refused', `${context()}\n${String(err)}`);
          assert.equal(readFileSync(file, 'utf8'), before, 'a refused write changes nothing');
          continue;
        }
        assert.notEqual(want, 'refused', `${context()}\nwas not refused`);
        const after = readFileSync(file, 'utf8');
        assert.deepEqual(plain(after), want, `${context()}\ngave\n${after}`);
        assert.equal(outcome.keptComments, true, `${context()}\nwas written anew`);
        // A comment may go only with what it was inside: the edited value, or a table the
        // edit removed.
        const edited = parts(keyPath);
        const left = tagged(after);
        for (const [id, inside] of tagged(before))
          if (!left.has(id))
            assert.ok(
              inside &&
                (inside.slice(0, edited.length).join('.') === edited.join('.') ||
                  at(want as Table, inside) === undefined),
              `${context()}\nlost comment ${id}:\n${after}`,
            );
        table = want as Table;
        edits++;
      }
    }
    t.diagnostic(`${edits} writes`);
    assert.ok(edits > 300);
  },
);
