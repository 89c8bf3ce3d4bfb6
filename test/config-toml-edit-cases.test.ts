// config/value/write and config/batchWrite on config.toml files that hold their tables in every
// form TOML allows — inline tables (nested too), dotted keys at the top or in a section, tables
// made only by dotted keys elsewhere, arrays of tables: each case is a document, the edits and
// the exact text the write must leave (the rest of the file byte for byte, comments included).
// Then bad input: a keyPath through a value that is no table, a file that is not TOML — a clear
// error and the file as it was.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { ConfigWriteError, writeUserConfig, type ConfigEdit } from '../src/runtime/config/write.ts';
import { tempDir } from './support/cli.ts';

function fileWith(t: TestContext, text: string): string {
  const file = join(tempDir('toml-cases', t), 'config.toml');
  writeFileSync(file, text);
  return file;
}

const write = (file: string, edits: ConfigEdit[]) =>
  writeUserConfig({ userFile: file, edits, validate: () => {} });

const set = (
  keyPath: string,
  value: unknown,
  mergeStrategy: ConfigEdit['mergeStrategy'] = 'replace',
) => ({
  keyPath,
  value,
  mergeStrategy,
});

type Case = { name: string; doc: string; edits: ConfigEdit[]; want: string };

const SERVERS = `# servers
mcp_servers = { docs = { command = "docs", args = ["--x"] }, "my.tool" = { command = 'tool' } } # both
model = "m"
`;

const CASES: Case[] = [
  {
    name: 'a key in a nested inline table is replaced where it is',
    doc: SERVERS,
    edits: [set('mcp_servers.docs.args', ['--y', '--z'])],
    want: SERVERS.replace('["--x"]', '["--y", "--z"]'),
  },
  {
    name: 'a quoted key in an inline table keeps its quoting',
    doc: SERVERS,
    edits: [set('mcp_servers."my.tool".command', 'tool2')],
    want: SERVERS.replace("'tool'", '"tool2"'),
  },
  {
    name: 'a new key goes into its inline table',
    doc: SERVERS,
    edits: [set('mcp_servers.docs.env', { K: 'v' })],
    want: SERVERS.replace('["--x"] }', '["--x"], env = { K = "v" } }'),
  },
  {
    name: 'a new table inside an inline table is written inline',
    doc: SERVERS,
    edits: [set('mcp_servers.other', { command: 'o', env: { A: '1' } })],
    want: SERVERS.replace(
      "'tool' } }",
      '\'tool\' }, other = { command = "o", env = { A = "1" } } }',
    ),
  },
  {
    name: 'upsert merges into an inline table key by key',
    doc: SERVERS,
    edits: [set('mcp_servers.docs', { command: 'd2', env: { K: 'v' } }, 'upsert')],
    want: SERVERS.replace(
      '{ command = "docs", args = ["--x"] }',
      '{ command = "d2", args = ["--x"], env = { K = "v" } }',
    ),
  },
  {
    name: 'replace drops the inline keys the new table lacks',
    doc: SERVERS,
    edits: [set('mcp_servers.docs', { command: 'docs' })],
    want: SERVERS.replace('{ command = "docs", args = ["--x"] }', '{ command = "docs" }'),
  },
  {
    name: 'a removed inline key takes its comma with it, first or last',
    doc: SERVERS,
    edits: [set('mcp_servers.docs.command', null), set('mcp_servers."my.tool"', null)],
    want: SERVERS.replace(
      '{ docs = { command = "docs", args = ["--x"] }, "my.tool" = { command = \'tool\' } }',
      '{ docs = { args = ["--x"] } }',
    ),
  },
  {
    name: 'removing the last key of an inline table removes the table and its line',
    doc: 'a = 1\nx = { y = { z = 1 } } # x\n# after\n',
    edits: [set('x.y.z', null)],
    want: 'a = 1\n# after\n',
  },
  {
    name: 'a dotted key at the top is replaced; a new one goes beside its table’s keys',
    doc: '# top\nsandbox_workspace_write.network_access = false # net\nmodel = "m"\nsandbox_workspace_write.writable_roots = [\n  "/a", # first\n]\n\n[tui]\ntheme = "dark"\n',
    edits: [
      set('sandbox_workspace_write.network_access', true),
      set('sandbox_workspace_write.exclude_slash_tmp', true),
    ],
    want: '# top\nsandbox_workspace_write.network_access = true # net\nmodel = "m"\nsandbox_workspace_write.writable_roots = [\n  "/a", # first\n]\nsandbox_workspace_write.exclude_slash_tmp = true\n\n[tui]\ntheme = "dark"\n',
  },
  {
    name: 'dotted keys inside a section: replaced, added beside, removed',
    doc: '[tui]\n  notifications.enabled = true # on\n  # between\n  theme = "dark"\n',
    edits: [
      set('tui.notifications.enabled', false),
      set('tui.notifications.sound', 'ping'),
      set('tui.theme', null),
    ],
    want: '[tui]\n  notifications.enabled = false # on\n  notifications.sound = "ping"\n  # between\n',
  },
  {
    name: 'a new table under a table made by dotted keys is dotted keys too',
    doc: 'profiles.fast.model = "m" # fast\n\n[tui]\ntheme = "dark"\n',
    edits: [set('profiles.slow', { model: 's', effort: 'high' })],
    want: 'profiles.fast.model = "m" # fast\nprofiles.slow.model = "s"\nprofiles.slow.effort = "high"\n\n[tui]\ntheme = "dark"\n',
  },
  {
    name: 'replacing a table made by dotted keys with a value',
    doc: 'a.b = 1 # b\na.c = 2\nz = 3 # z\n',
    edits: [set('a', 'flat')],
    want: 'z = 3 # z\na = "flat"\n',
  },
  {
    name: 'a table a header implies gets a section of its own',
    doc: '[a.b.c]\nz = 1 # z\n',
    edits: [set('a.b.q', 1), set('a.r', 2)],
    want: '[a.b.c]\nz = 1 # z\n\n[a.b]\nq = 1\n\n[a]\nr = 2\n',
  },
  {
    name: 'a new table under a section is a new section; a key in a section goes last in it',
    doc: '[mcp_servers.docs]\ncommand = "d" # cmd\n\n# next\n[tui]\ntheme = "dark"\n',
    edits: [set('mcp_servers.docs.args', ['-v']), set('mcp_servers.docs.env', { K: 'v' })],
    want: '[mcp_servers.docs]\ncommand = "d" # cmd\nargs = ["-v"]\n\n# next\n[tui]\ntheme = "dark"\n\n[mcp_servers.docs.env]\nK = "v"\n',
  },
  {
    name: 'removing a section keeps the comment that heads the next one',
    doc: 'model = "m"\n\n[a]\n# inside\nx = 1\n\n# about b\n[b]\ny = 2\n',
    edits: [set('a', null)],
    want: 'model = "m"\n\n# about b\n[b]\ny = 2\n',
  },
  {
    name: 'an array of tables is removed whole, with the sections under its elements',
    doc: 'model = "m"\n\n[[extra]]\nname = "one" # one\n\n[[extra]]\nname = "two"\n[extra.sub]\nq = 1\n\n# tui\n[tui]\ntheme = "dark"\n',
    edits: [set('extra', null)],
    want: 'model = "m"\n\n# tui\n[tui]\ntheme = "dark"\n',
  },
  {
    name: 'an array of tables is replaced whole, inline',
    doc: 'model = "m"\n\n[[extra]]\nname = "one" # one\n\n[tui]\ntheme = "dark"\n',
    edits: [set('extra', [{ name: 'three' }])],
    want: 'model = "m"\nextra = [{ name = "three" }]\n\n[tui]\ntheme = "dark"\n',
  },
  {
    name: 'a first top-level key goes after the opening comments, above the first section’s',
    doc: '# mine\n\n# the UI\n[tui]\ntheme = "dark"\n',
    edits: [set('model', 'm')],
    want: '# mine\n\nmodel = "m"\n\n# the UI\n[tui]\ntheme = "dark"\n',
  },
  {
    name: 'a first top-level key in a file of comments goes last',
    doc: '# only a comment',
    edits: [set('model', 'm')],
    want: '# only a comment\nmodel = "m"\n',
  },
  {
    name: 'an inline table over several lines takes its new key after the last one',
    doc: 'x = {\n  a = 1, # one\n  b = 2,\n} # x\n',
    edits: [set('x.c', 3), set('x.a', 0)],
    want: 'x = {\n  a = 0, # one\n  b = 2, c = 3,\n} # x\n',
  },
  {
    name: 'CRLF line ends stay CRLF',
    doc: '# c\r\nx = { a = 1 }\r\n[t]\r\nk = 1\r\n',
    edits: [set('x.b', 2), set('t.l', 3)],
    want: '# c\r\nx = { a = 1, b = 2 }\r\n[t]\r\nk = 1\r\nl = 3\r\n',
  },
];

for (const c of CASES)
  test(c.name, (t) => {
    const file = fileWith(t, c.doc);
    const outcome = write(file, c.edits);
    const text = readFileSync(file, 'utf8');
    assert.equal(text, c.want);
    assert.equal(outcome.keptComments, true);
  });

test('a keyPath through a value that is no table is refused; the file stays', (t) => {
  const doc = '# mine\nmodel = "m"\nx = { a = 1, list = [1] }\n\n[[extra]]\nname = "one"\n';
  for (const keyPath of ['model.sub', 'x.a.b', 'x.list.0', 'extra.name', 'extra.0.name']) {
    const file = fileWith(t, doc);
    const before = statSync(file).mtimeMs;
    for (const value of ['v', null])
      assert.throws(
        () => write(file, [set('model', 'n'), set(keyPath, value)]),
        (err: unknown) =>
          err instanceof ConfigWriteError &&
          err.writeCode === 'configPathNotFound' &&
          err.message.startsWith(`${keyPath}: `) &&
          /is a (string|number|list), not a table/.test(err.message),
        keyPath,
      );
    assert.equal(readFileSync(file, 'utf8'), doc, keyPath);
    assert.equal(statSync(file).mtimeMs, before, keyPath);
  }
});

test('a file that is not TOML is refused before any edit; the file stays', (t) => {
  for (const doc of [
    'model = \n',
    'x = { a = 1\n',
    '[t]\na = 1\n[t]\nb = 2\n',
    'a.b = 1\n[a]\nc = 2\n',
  ]) {
    assert.throws(() => parseToml(doc));
    const file = fileWith(t, doc);
    assert.throws(
      () => write(file, [set('model', 'n')]),
      (err: unknown) =>
        err instanceof ConfigWriteError &&
        err.writeCode === 'configValidationError' &&
        /is not valid TOML \(.+\); fix it by hand first/.test(err.message),
      doc,
    );
    assert.equal(readFileSync(file, 'utf8'), doc);
  }
});
