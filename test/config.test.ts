// Configuration: every key typed and ranged, each source validated on its own so an error
// names the key and the file, variable or flag it came from; unknown keys warn; precedence.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { loadConfig, requireModelAccess, type ConfigInput } from '../src/runtime/config.ts';
import { codexKeys } from '../src/runtime/config/codex-keys.ts';
import { configKeys } from '../src/runtime/config/schema.ts';
import { runYoke, tempDir, tempRepo } from './support/cli.ts';

type Files = { user?: string; project?: string };

/** A home and a project directory with the given config files; loadConfig on them. */
function setup(t: TestContext, files: Files = {}) {
  const home = tempDir('config-home', t);
  const cwd = tempDir('config-project', t);
  if (files.user !== undefined) writeFileSync(join(home, 'config.toml'), files.user);
  if (files.project !== undefined) {
    mkdirSync(join(cwd, '.yoke'));
    writeFileSync(join(cwd, '.yoke', 'config.toml'), files.project);
  }
  const load = (input: Omit<ConfigInput, 'cwd'> = {}) =>
    loadConfig({ cwd, ...input, env: { YOKE_HOME: home, ...input.env } });
  return { home, cwd, load };
}

/** The error loadConfig throws, checked to be a config_invalid naming `key` and `source`. */
function configError(fn: () => unknown, key: string, source: string): string {
  let message = '';
  assert.throws(fn, (err: Error & { code?: string }) => {
    message = err.message;
    return err.code === 'config_invalid';
  });
  assert.ok(message.includes(source), `names the source ${source}: ${message}`);
  assert.ok(message.includes(key), `names the key ${key}: ${message}`);
  return message;
}

describe('config values are typed and ranged', () => {
  it('-c command_timeout_ms=-5 is an error naming the key and the flag', (t) => {
    const { load } = setup(t);
    const message = configError(
      () => load({ overrides: ['command_timeout_ms=-5'] }),
      'command_timeout_ms',
      '-c command_timeout_ms=-5',
    );
    assert.match(message, /too small/i);
  });

  it('tool_output_budget_bytes = "lots" in config.toml is an error naming the file', (t) => {
    const { home, load } = setup(t, { user: 'tool_output_budget_bytes = "lots"\n' });
    const message = configError(load, 'tool_output_budget_bytes', join(home, 'config.toml'));
    assert.match(message, /expected number, received string/);
  });

  it('-c model_providers.x.base_url=1 is an error naming the nested key', (t) => {
    const { load } = setup(t);
    configError(
      () => load({ overrides: ['model_providers.x.base_url=1'] }),
      'model_providers.x.base_url',
      '-c model_providers.x.base_url=1',
    );
  });

  it('a bad value in the project file names that file', (t) => {
    const { cwd, load } = setup(t, {
      project: '[sandbox_workspace_write]\nnetwork_access = "yes"\n',
    });
    configError(load, 'sandbox_workspace_write.network_access', join(cwd, '.yoke', 'config.toml'));
  });

  it('environment variables are checked as their own source', (t) => {
    const { load } = setup(t);
    configError(
      () => load({ env: { OPENAI_BASE_URL: 'not a url' } }),
      'openai_base_url',
      'OPENAI_BASE_URL',
    );
  });

  it('enumerations come from the protocol and name the allowed values', (t) => {
    const { load } = setup(t);
    const message = configError(
      () => load({ overrides: ['sandbox_mode="none"'] }),
      'sandbox_mode',
      '-c sandbox_mode="none"',
    );
    assert.match(message, /"read-only"\|"workspace-write"\|"danger-full-access"/);
    configError(
      () => load({ overrides: ['approval_timeout_decision="accept"'] }),
      'approval_timeout_decision',
      '-c approval_timeout_decision="accept"',
    );
    configError(
      () => load({ overrides: ['model_providers.x.wire_api="grpc"'] }),
      'model_providers.x.wire_api',
      '-c model_providers.x.wire_api="grpc"',
    );
  });

  it('ranges: zero, fractions, shares and timer limits', (t) => {
    const { load } = setup(t);
    const bad = [
      'command_timeout_ms=0',
      'command_timeout_ms=1.5',
      'command_timeout_ms=99999999999',
      'tool_output_budget_bytes=10',
      'auto_compact_share=0',
      'auto_compact_share=1.5',
      'approval_timeout_ms=-1',
      'project_doc_max_bytes=-1',
      'model_auto_compact_token_limit=0',
      'model_providers.x.request_max_retries=-1',
      'model_providers.x.stream_idle_timeout_ms=0',
      'model_providers.x.env_key="NOT A NAME"',
      'model_catalog."m".context_window=0',
      'project_doc_fallback_filenames=["a/CLAUDE.md"]',
    ];
    for (const override of bad) {
      const key = override.slice(0, override.indexOf('=')).replace(/"/g, '');
      configError(() => load({ overrides: [override] }), key.split('.').at(-1)!, `-c ${override}`);
    }
  });

  it('every key has a type: a value of the wrong shape is refused (generated)', (t) => {
    const { load } = setup(t);
    const keys = Object.keys(configKeys).filter((key) => !(key in codexKeys));
    assert.ok(keys.length >= 15, `${keys.length} keys`);
    for (const key of keys) {
      const override = `${key}=[{ bogus = 1 }]`;
      configError(() => load({ overrides: [override] }), key, `-c ${override}`);
    }
  });

  it('good values of every kind load, in either key spelling', (t) => {
    const { load } = setup(t, {
      user: [
        'model = "m1"',
        'modelReasoningEffort = "high"',
        'approval_policy = "on-request"',
        'approvalTimeoutMs = 1000',
        'approval_timeout_decision = "cancel"',
        'commandTimeoutMs = 5000',
        'tool_output_budget_bytes = 4096',
        'project_doc_fallback_filenames = ["CLAUDE.md"]',
        'project_doc_max_bytes = 0',
        'auto_compact_share = 0.5',
        '[sandboxWorkspaceWrite]',
        'network_access = true',
        'writableRoots = ["/tmp/x"]',
        '[model_providers.MyLocal]',
        'baseUrl = "http://127.0.0.1:8000/v1/"',
        'wire_api = "chat"',
        'http_headers = { "X_Custom_Header" = "v" }',
        'request_max_retries = 0',
      ].join('\n'),
    });
    const config = load({ overrides: ['model_provider="MyLocal"'] });
    assert.deepEqual(config.warnings, []);
    assert.equal(config.model, 'm1');
    assert.equal(config.reasoningEffort, 'high');
    assert.equal(config.approvalPolicy, 'on-request');
    assert.deepEqual(config.approvalTimeout, { ms: 1000, decision: 'cancel' });
    assert.equal(config.commandTimeoutMs, 5000);
    assert.equal(config.outputBudgetBytes, 4096);
    assert.deepEqual(config.context.fallbackNames, ['CLAUDE.md']);
    assert.equal(config.context.agentsMdMaxBytes, 0);
    assert.equal(config.context.autoCompactShare, 0.5);
    assert.equal(config.networkAccess, true);
    assert.deepEqual(config.writableRoots, ['/tmp/x']);
    const { originator, userAgent, ...provider } = config.provider;
    assert.equal(originator, 'codex_cli_rs', "Codex's default originator");
    assert.match(userAgent ?? '', /^codex_cli_rs\/\S+ \(/);
    assert.deepEqual(provider, {
      name: 'MyLocal',
      baseUrl: 'http://127.0.0.1:8000/v1',
      wireApi: 'chat',
      headers: { X_Custom_Header: 'v' },
      maxRetries: 0,
    });
  });

  it('defaults with no file at all', (t) => {
    const { load } = setup(t);
    const config = load({ env: { OPENAI_API_KEY: 'k' } });
    assert.equal(config.model, 'gpt-5.5');
    assert.equal(config.sandboxMode, 'workspace-write');
    assert.equal(config.approvalPolicy, 'never');
    assert.equal(config.commandTimeoutMs, 600_000);
    assert.equal(config.outputBudgetBytes, 24_576);
    assert.equal(config.approvalTimeout, null);
    const { originator: _o, userAgent: _u, ...provider } = config.provider;
    assert.deepEqual(provider, {
      name: 'openai',
      baseUrl: 'https://api.openai.com/v1',
      wireApi: 'responses',
      envKey: 'OPENAI_API_KEY',
      apiKey: 'k',
    });
  });
});

describe('config sources', () => {
  it('unknown keys are warnings naming the key and the source, and are ignored', (t) => {
    const { home, load } = setup(t, {
      user: 'modle = "x"\n[model_providers.p]\nbase_url = "http://127.0.0.1:1/v1"\nbase_ur = "y"\n',
    });
    const config = load({ overrides: ['sandbox_workspace_write.netwrk_access=true'] });
    assert.deepEqual(config.warnings, [
      `${join(home, 'config.toml')}: unknown key model_providers.p.base_ur ignored`,
      `${join(home, 'config.toml')}: unknown key modle ignored`,
      '-c sandbox_workspace_write.netwrk_access=true: unknown key sandbox_workspace_write.netwrk_access ignored',
    ]);
  });

  it('Codex keys Yoke does not act on are accepted quietly', (t) => {
    const { load } = setup(t, { user: 'web_search = "live"\nmodel_verbosity = "low"\n' });
    assert.deepEqual(load({ overrides: ['show_raw_agent_reasoning=false'] }).warnings, []);
  });

  it('precedence: user file < project file < environment < -c < flags; tables merge', (t) => {
    const { load } = setup(t, {
      user: 'model = "user"\ncommand_timeout_ms = 1000\n[sandbox_workspace_write]\nnetwork_access = true\n',
      project: 'model = "project"\n[sandbox_workspace_write]\ndeny_read = ["/p"]\n',
    });
    assert.equal(load().model, 'project');
    assert.equal(load({ env: { YOKE_MODEL: 'env' } }).model, 'env');
    assert.equal(load({ env: { YOKE_MODEL: 'env' }, overrides: ['model=c'] }).model, 'c');
    const flagged = load({ overrides: ['model=c'], flags: { model: 'flag' } });
    assert.equal(flagged.model, 'flag');
    assert.equal(flagged.commandTimeoutMs, 1000);
    assert.equal(
      flagged.networkAccess,
      true,
      "the user's network_access survives the project table",
    );
    assert.deepEqual(flagged.sandboxAccess.denyRead, ['/p']);
  });

  it('a project file may tighten safety but not loosen it', (t) => {
    const { load } = setup(t, {
      user: 'sandbox_mode = "read-only"\napproval_policy = "on-request"\n',
      project:
        'sandbox_mode = "danger-full-access"\napproval_policy = "untrusted"\n[sandbox_workspace_write]\nnetwork_access = true\n',
    });
    const config = load();
    assert.equal(config.sandboxMode, 'read-only');
    assert.equal(config.approvalPolicy, 'untrusted');
    assert.equal(config.networkAccess, false);
    assert.equal(config.warnings.length, 2);
    assert.match(config.warnings[0]!, /sandbox_mode = "danger-full-access" is looser/);
    assert.match(config.warnings[1]!, /network_access = true needs your own config/);
  });

  it('-c keys are TOML dotted keys; a value that is not TOML is a string', (t) => {
    const { load } = setup(t);
    const config = load({
      overrides: ['model_catalog."gpt-4.1".context_window=8192', 'model=some model name'],
    });
    assert.deepEqual(config.context.modelCatalog, { 'gpt-4.1': { contextWindow: 8192 } });
    assert.equal(config.model, 'some model name');
    assert.throws(() => load({ overrides: ['no-equals-sign'] }), /-c expects KEY=VALUE/);
  });

  it('a provider needs base_url once every source is merged; unknown providers are named', (t) => {
    const { load } = setup(t, { user: '[model_providers.half]\nwire_api = "chat"\n' });
    assert.throws(
      () => load({ overrides: ['model_provider="half"'] }),
      /model provider "half" has no base_url/,
    );
    assert.throws(
      () => load({ overrides: ['model_provider="nope"'] }),
      /unknown model provider "nope"; configured providers: openai, half/,
    );
  });

  it('bad TOML names the file', (t) => {
    const { home, load } = setup(t, { user: 'model = \n' });
    assert.throws(load, (err: Error) =>
      err.message.startsWith(`${join(home, 'config.toml')} is not valid TOML`),
    );
  });
});

describe('reaching a model', () => {
  it('no key and the default endpoint: one error saying how to configure one', (t) => {
    const { load } = setup(t);
    assert.throws(
      () => requireModelAccess(load()),
      (err: Error & { code?: string }) =>
        err.code === 'model_unconfigured' &&
        /OPENAI_API_KEY/.test(err.message) &&
        /Ollama or vLLM/.test(err.message),
    );
    requireModelAccess(load({ env: { OPENAI_API_KEY: 'k' } }));
    // A local OpenAI-compatible server needs no key.
    requireModelAccess(load({ env: { OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' } }));
  });

  it('a provider whose env_key is unset is named', (t) => {
    const { load } = setup(t, {
      user: 'model_provider = "p"\n[model_providers.p]\nbase_url = "http://127.0.0.1:1/v1"\nenv_key = "P_KEY"\n',
    });
    assert.throws(
      () => requireModelAccess(load()),
      /"p" reads its API key from P_KEY, which is not set/,
    );
    requireModelAccess(load({ env: { P_KEY: 'k' } }));
  });
});

describe('the command line reports config errors at start', () => {
  it('yoke exec -c command_timeout_ms=-5: one error, exit 2, no model request', async (t) => {
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    const result = await runYoke(['exec', '-c', 'command_timeout_ms=-5', 'hi'], {
      cwd: repo,
      env: { PATH: process.env.PATH, HOME: home, YOKE_HOME: home, OPENAI_API_KEY: 'k' },
    });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^yoke: invalid configuration in -c command_timeout_ms=-5:/);
    assert.match(result.stderr, /→ at command_timeout_ms/);
    assert.equal(result.stdout, '');
  });
});

describe('the first run with nothing configured', () => {
  it('yoke exec "hi" with no key and no config: one line saying how to set one, exit 2', async (t) => {
    const repo = tempRepo({}, t);
    const home = tempDir('home', t);
    const result = await runYoke(['exec', 'hi'], {
      cwd: repo,
      env: { PATH: process.env.PATH, HOME: home, YOKE_HOME: home },
    });
    assert.equal(result.code, 2, result.stderr);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^yoke: no model provider is configured: set OPENAI_API_KEY/);
    assert.match(lines[0]!, /Ollama or vLLM/);
    assert.match(lines[0]!, new RegExp(`${join(home, 'config.toml')}`));
  });
});

describe('[mcp_servers] and [toolsets]', () => {
  it('a Codex [mcp_servers] section loads; a project narrows it; toolsets resolve', (t) => {
    const { load, home } = setup(t, {
      user: [
        'toolset = "reviewer"',
        '[mcp_servers.github]',
        'command = "npx"',
        'args = ["-y", "@modelcontextprotocol/server-github"]',
        'env = { GITHUB_PERSONAL_ACCESS_TOKEN = "x" }',
        'cwd = "/tmp"',
        'enabled_tools = ["get_*", "list_*"]',
        'disabled_tools = ["get_secret"]',
        'startup_timeout_sec = 20',
        'tool_timeout_sec = 30',
        'enabled = true',
        '[mcp_servers.docs]',
        'url = "https://example.com/mcp"',
        'bearer_token_env_var = "DOCS_TOKEN"',
        'http_headers = { "X-Team" = "core" }',
        '[toolsets.reviewer]',
        'tools = ["read_file", "mcp__github__get_*"]',
        '',
      ].join('\n'),
      project: [
        '[mcp_servers.github]',
        'command = "evil"',
        'enabled_tools = ["get_*"]',
        'tool_timeout_sec = 600',
        '[mcp_servers.docs]',
        'enabled = false',
        '[mcp_servers.extra]',
        'command = "curl"',
        '',
      ].join('\n'),
    });
    const config = load();
    const gh = config.mcpServers.github!;
    assert.equal(gh.transport.type === 'stdio' && gh.transport.command, 'npx');
    assert.equal(gh.transport.type === 'stdio' && gh.transport.cwd, '/tmp');
    assert.deepEqual(gh.projectEnabledTools, ['get_*']);
    assert.equal(gh.toolTimeoutMs, 30_000, 'a project cannot lengthen a timeout');
    assert.equal(gh.startupTimeoutMs, 20_000);
    assert.equal(config.mcpServers.docs!.enabled, false);
    assert.equal(config.mcpServers.extra, undefined, 'a project cannot add a server');
    assert.deepEqual(config.toolsets.reviewer, {
      tools: ['read_file', 'mcp__github__get_*'],
      description: null,
    });
    assert.equal(config.toolset, 'reviewer');
    const warnings = config.warnings.join('\n');
    assert.match(warnings, /command ignored/);
    assert.match(warnings, /\[mcp_servers\.extra\] is not in your own config/);
    assert.ok(!warnings.includes(join(home, 'config.toml')), 'your own file is clean');
  });

  it('a bad server entry or toolset is an error naming the server, the key and the file', (t) => {
    const bad = setup(t, { user: '[mcp_servers.x]\ncommand = "a"\ntool_timeout_sec = "ten"\n' });
    const message = configError(bad.load, 'tool_timeout_sec', join(bad.home, 'config.toml'));
    assert.match(message, /\[mcp_servers\.x\]/);
    const other = setup(t, { user: '[toolsets.r]\ntools = []\n' });
    configError(other.load, 'toolsets', join(other.home, 'config.toml'));
    const unknown = setup(t, { user: 'toolset = "nope"\n' });
    assert.throws(unknown.load, /toolset = "nope" names no \[toolsets\.nope\]/);
  });

  it('-c turns a server off', (t) => {
    const { load } = setup(t, { user: '[mcp_servers.x]\ncommand = "a"\n' });
    assert.equal(load({ overrides: ['mcp_servers.x.enabled=false'] }).mcpServers.x!.enabled, false);
  });
});
