// Context helpers: AGENTS.md discovery, scoped rules, token counting, the model catalog.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../src/runtime/config.ts';
import { discoverAgentsMd, findGitRoot, renderAgentsMd } from '../src/context/agents-md.ts';
import { globMatcher, matchesAny } from '../src/context/glob.ts';
import {
  DEFAULT_MODEL_SPEC,
  ModelCatalog,
  normalizeModelId,
} from '../src/context/model-catalog.ts';
import {
  parseFrontMatter,
  renderScopedRules,
  ScopedRules,
  type ScopedRule,
} from '../src/context/scoped-rules.ts';
import {
  countTokens,
  countTokensNow,
  estimateTokens,
  isTokenizerLoaded,
} from '../src/context/tokens.ts';

const scratch = mkdtempSync(join(tmpdir(), 'yoke-context-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

/** A fresh folder holding `files` (path → content; a path ending in "/" makes a folder). */
function tree(files: Record<string, string>): string {
  const root = join(scratch, `t${++counter}`);
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    if (path.endsWith('/')) mkdirSync(full, { recursive: true });
    else {
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
  }
  mkdirSync(root, { recursive: true });
  return root;
}

describe('AGENTS.md discovery', () => {
  it('reads the global file, then the git root down to the cwd, outermost first', () => {
    const base = tree({
      'AGENTS.md': 'above the repository: never read',
      'home/AGENTS.md': 'global rules',
      'repo/.git/': '',
      'repo/AGENTS.md': 'root rules\n',
      'repo/a/AGENTS.md': 'a rules',
      'repo/a/b/AGENTS.md': 'b plain',
      'repo/a/b/AGENTS.override.md': 'b override',
      'repo/a/b/c/': '',
    });
    const cwd = join(base, 'repo/a/b/c');
    const found = discoverAgentsMd({ cwd, home: join(base, 'home') });
    const sources = [
      join(base, 'home/AGENTS.md'),
      join(base, 'repo/AGENTS.md'),
      join(base, 'repo/a/AGENTS.md'),
      join(base, 'repo/a/b/AGENTS.override.md'),
    ];
    assert.deepEqual(found.sources, sources);
    assert.equal(found.omittedBytes, 0);
    assert.equal(
      found.text,
      `# AGENTS.md instructions for ${cwd}\n\n<INSTRUCTIONS>\n` +
        `## ${sources[0]}\n\nglobal rules\n\n` +
        `## ${sources[1]}\n\nroot rules\n\n` +
        `## ${sources[2]}\n\na rules\n\n` +
        `## ${sources[3]}\n\nb override\n</INSTRUCTIONS>`,
    );
    assert.equal(findGitRoot(cwd), join(base, 'repo'));
  });

  it('uses fallback names only where a folder has neither AGENTS file', () => {
    const base = tree({
      '.git': 'gitdir: /elsewhere/worktrees/x', // a worktree: .git is a file
      'CLAUDE.md': 'root claude',
      'sub/AGENTS.md': 'sub agents',
      'sub/CLAUDE.md': 'sub claude: shadowed',
    });
    const cwd = join(base, 'sub');
    const withFallback = discoverAgentsMd({ cwd, fallbackNames: ['CLAUDE.md'] });
    assert.deepEqual(withFallback.sources, [join(base, 'CLAUDE.md'), join(base, 'sub/AGENTS.md')]);
    assert.ok(withFallback.text.includes('root claude'));
    assert.ok(!withFallback.text.includes('shadowed'));
    assert.deepEqual(discoverAgentsMd({ cwd }).sources, [join(base, 'sub/AGENTS.md')]);
  });

  it('outside a repository reads only the cwd; nothing found gives empty text', () => {
    const base = tree({ 'AGENTS.md': 'parent', 'work/AGENTS.md': 'here', 'empty/': '' });
    assert.equal(findGitRoot(join(base, 'work')), null);
    assert.deepEqual(discoverAgentsMd({ cwd: join(base, 'work') }).sources, [
      join(base, 'work/AGENTS.md'),
    ]);
    assert.deepEqual(discoverAgentsMd({ cwd: join(base, 'empty') }), {
      text: '',
      sources: [],
      omittedBytes: 0,
    });
  });

  it('an empty override silences the folder', () => {
    const base = tree({ '.git/': '', 'AGENTS.md': 'loud', 'AGENTS.override.md': '  \n' });
    assert.deepEqual(discoverAgentsMd({ cwd: base }).sources, []);
  });

  it('cuts at 32 KiB at a line end, with a visible note, keeping the files in order', () => {
    const line = `${'x'.repeat(99)}\n`; // 100 bytes
    const big = line.repeat(400); // 40,000 bytes
    const base = tree({ '.git/': '', 'AGENTS.md': 'first file', 'sub/AGENTS.md': big });
    const found = discoverAgentsMd({ cwd: join(base, 'sub') });
    assert.equal(found.sources.length, 2);
    const kept = 32 * 1024 - 'first file'.length;
    const keptLines = Math.floor(kept / 100);
    const shown = keptLines * 100 - 1; // up to the last whole line, its newline trimmed
    assert.equal(found.omittedBytes, big.trim().length - shown);
    assert.ok(
      found.text.endsWith(
        `\n\n[… AGENTS.md cut at 32 KiB; ${found.omittedBytes} bytes not shown …]\n</INSTRUCTIONS>`,
      ),
    );
    assert.equal(found.text.split('x'.repeat(99)).length - 1, keptLines);
    const tiny = renderAgentsMd(
      '/w',
      [
        { path: '/w/AGENTS.md', content: 'héllo wörld' },
        { path: '/w/b/AGENTS.md', content: 'not shown' },
      ],
      5,
    );
    assert.equal(tiny.omittedBytes, Buffer.byteLength('héllo wörld') - 5 + 'not shown'.length);
    assert.ok(tiny.text.includes('## /w/AGENTS.md\n\nhéll\n'));
    assert.ok(!tiny.text.includes('## /w/b/AGENTS.md'));
    assert.ok(tiny.text.includes('[… AGENTS.md cut at 5 bytes;'));
  });
});

describe('scoped rules', () => {
  const ids = (rules: ScopedRule[]) => rules.map((rule) => rule.id);

  it('returns nested AGENTS.md below the cwd on first touch only, outermost first', () => {
    const root = tree({
      '.git/': '',
      'AGENTS.md': 'root: loaded at start',
      'src/AGENTS.md': 'src rules',
      'src/lib/AGENTS.override.md': 'lib override',
      'src/lib/AGENTS.md': 'lib plain',
      'src/lib/deep/x.ts': '',
      'node_modules/pkg/AGENTS.md': 'third-party instructions',
    });
    const rules = new ScopedRules({ cwd: root });
    const first = rules.touch('src/lib/deep/x.ts');
    assert.deepEqual(ids(first), ['src/AGENTS.md', 'src/lib/AGENTS.override.md']);
    assert.deepEqual(
      first.map((r) => [r.kind, r.appliesTo, r.text, r.path]),
      [
        ['agents-md', 'src/', 'src rules', join(root, 'src/AGENTS.md')],
        ['agents-md', 'src/lib/', 'lib override', join(root, 'src/lib/AGENTS.override.md')],
      ],
    );
    assert.deepEqual(rules.touch(join(root, 'src/lib/deep/x.ts')), []);
    assert.deepEqual(rules.touch('src/lib'), []);
    assert.deepEqual(rules.touch('node_modules/pkg/index.js'), []);
    assert.deepEqual(rules.touch('/etc/passwd'), []);
    assert.deepEqual(rules.loadedIds, ['src/AGENTS.md', 'src/lib/AGENTS.override.md']);
  });

  it('skips the start-up chain when the cwd is deeper, and loads sibling branches', () => {
    const root = tree({
      '.git/': '',
      'AGENTS.md': 'root',
      'app/AGENTS.md': 'app: on the start-up chain',
      'app/ui/AGENTS.md': 'ui',
      'docs/AGENTS.md': 'docs',
    });
    const rules = new ScopedRules({ cwd: join(root, 'app') });
    assert.deepEqual(ids(rules.touch('ui/button.tsx')), ['app/ui/AGENTS.md']);
    assert.deepEqual(ids(rules.touch('../docs/intro.md')), ['docs/AGENTS.md']);
    assert.deepEqual(rules.touch('.'), []);
  });

  it('applies .yoke/rules by front-matter globs relative to the root', () => {
    const root = tree({
      '.git/': '',
      '.yoke/rules/ts.md': '---\npaths: ["src/**/*.ts", "docs/*"]\n---\nUse strict TS.\n',
      '.yoke/rules/yaml-list.md':
        '---\ndescription: tests\npaths:\n  - "test/**"\n  - scripts/{a,b}.mjs\n---\nTests are deterministic.',
      '.yoke/rules/cursor.md': '---\nglobs: *.md, web/**\n---\nMarkdown style.',
      '.yoke/rules/always.md': 'No front matter: applies anywhere.',
      '.yoke/rules/empty.md': '---\npaths: ["**"]\n---\n',
    });
    const rules = new ScopedRules({ cwd: root });
    assert.deepEqual(ids(rules.touch('package.json')), ['.yoke/rules/always.md']);
    assert.deepEqual(ids(rules.touch('src/deep/er/a.ts')), ['.yoke/rules/ts.md']);
    assert.deepEqual(rules.touch('src/other.ts'), []);
    assert.deepEqual(ids(rules.touch('README.md')), ['.yoke/rules/cursor.md']);
    assert.deepEqual(rules.touch('scripts/c.mjs'), []);
    assert.deepEqual(ids(rules.touch('scripts/b.mjs')), ['.yoke/rules/yaml-list.md']);
    assert.deepEqual(rules.touch('test/unit/a.test.ts'), []);
    const fresh = new ScopedRules({ cwd: root });
    assert.deepEqual(ids(fresh.touch('scripts/b.mjs')), [
      '.yoke/rules/always.md',
      '.yoke/rules/yaml-list.md',
    ]);
    const ts = new ScopedRules({ cwd: root })
      .touch('docs/guide.txt')
      .find((r) => r.kind === 'rule' && r.id.endsWith('ts.md'));
    assert.equal(ts?.text, 'Use strict TS.');
    assert.equal(ts?.appliesTo, 'src/**/*.ts, docs/*');
  });

  it('restores from loadedIds: a resumed thread gets nothing twice', () => {
    const root = tree({
      '.git/': '',
      'src/AGENTS.md': 'src',
      'src/api/AGENTS.md': 'api',
      '.yoke/rules/ts.md': '---\npaths: "src/**/*.ts"\n---\nTS rule',
    });
    const before = new ScopedRules({ cwd: root });
    assert.deepEqual(ids(before.touch('src/main.ts')), ['src/AGENTS.md', '.yoke/rules/ts.md']);
    const saved = JSON.parse(JSON.stringify(before.loadedIds)) as string[];
    const resumed = new ScopedRules({ cwd: root, loadedIds: saved });
    assert.deepEqual(resumed.touch('src/main.ts'), []);
    assert.deepEqual(ids(resumed.touch('src/api/routes.ts')), ['src/api/AGENTS.md']);
    assert.deepEqual(resumed.loadedIds, [...saved, 'src/api/AGENTS.md']);
  });

  it('renders returned rules as one message, and caps a huge rule', () => {
    const root = tree({ '.git/': '', 'lib/AGENTS.md': `${'y'.repeat(50)}\n`.repeat(10) });
    const rules = new ScopedRules({ cwd: root, maxBytes: 120 }).touch('lib/a.c');
    assert.equal(
      rules[0]?.text,
      `${'y'.repeat(50)}\n${'y'.repeat(50)}\n[… rule cut at 120 bytes; 408 bytes not shown …]`,
    );
    assert.equal(renderScopedRules([]), '');
    const text = renderScopedRules(rules);
    assert.ok(text.startsWith('# Scoped instructions now in effect\n\n<INSTRUCTIONS>\n'));
    assert.ok(text.includes(`## ${join(root, 'lib/AGENTS.md')} (applies under lib/)\n\n`));
    assert.ok(text.endsWith('\n</INSTRUCTIONS>'));
  });

  it('parses front matter forms and leaves other text alone', () => {
    assert.deepEqual(
      parseFrontMatter('---\r\npaths: [\'a/*\', "b/{c,d}/**"]\r\nname: x\r\n---\r\nbody'),
      {
        data: { paths: ['a/*', 'b/{c,d}/**'], name: 'x' },
        body: 'body',
      },
    );
    assert.deepEqual(parseFrontMatter('no front matter\n---\n'), {
      data: {},
      body: 'no front matter\n---\n',
    });
  });

  it('matches globs: **, *, ?, {a,b}, [classes], and bare names at any depth', () => {
    const cases: [string, string, boolean][] = [
      ['src/**/*.ts', 'src/a.ts', true],
      ['src/**/*.ts', 'src/x/y/a.ts', true],
      ['src/**/*.ts', 'lib/a.ts', false],
      ['src/*.ts', 'src/x/a.ts', false],
      ['docs/**', 'docs/a/b.md', true],
      ['docs/**', 'docs', true],
      ['a?c.txt', 'abc.txt', true],
      ['a?c.txt', 'a/c.txt', false],
      ['{src,test}/**/*.{ts,tsx}', 'test/ui/app.tsx', true],
      ['{src,test}/**/*.{ts,tsx}', 'web/app.tsx', false],
      ['src/{lib/**,main.ts}', 'src/lib/a/b.js', true],
      ['*.md', 'deep/down/README.md', true],
      ['./scripts/*.mjs', 'scripts/build.mjs', true],
      ['file[0-9].txt', 'file7.txt', true],
      ['file[0-9].txt', 'filex.txt', false],
      ['.github/**', '.github/workflows/ci.yml', true],
      ['a.b', 'axb', false],
    ];
    for (const [pattern, path, expected] of cases) {
      assert.equal(matchesAny(path, [pattern]), expected, `${pattern} vs ${path}`);
    }
    assert.equal(globMatcher('src/**/*.ts'), globMatcher('src/**/*.ts'), 'compiled once');
  });
});

describe('token counting', () => {
  it('estimates without loading the tokenizer, then counts exactly once loaded', async () => {
    assert.equal(isTokenizerLoaded(), false, 'not loaded at import');
    assert.equal(estimateTokens('abcd'), 1);
    assert.equal(estimateTokens('héllo'), 2); // 6 bytes
    assert.deepEqual(countTokensNow('Hello, world!'), { tokens: 4, exact: false });
    assert.equal(await countTokens('Hello, world!'), 4);
    assert.equal(isTokenizerLoaded(), true);
    assert.equal(await countTokens('The quick brown fox jumps over the lazy dog.'), 10);
    assert.equal(await countTokens(''), 0);
    // Special-token text is ordinary text to us, never an error.
    assert.equal(await countTokens('<|endoftext|>'), 7);
    assert.deepEqual(countTokensNow('Hello, world!'), { tokens: 4, exact: true });
  });
});

describe('model catalog', () => {
  const catalog = new ModelCatalog();

  it('matches exact ids first, then the longest prefix', () => {
    const cases: [string, string | null, number, number][] = [
      ['gpt-5.5', 'gpt-5*', 400_000, 128_000],
      ['gpt-5-chat-latest', 'gpt-5-chat-latest', 128_000, 16_384],
      ['gpt-4.1-2025-04-14', 'gpt-4.1*', 1_047_576, 32_768],
      ['o1-mini', 'o1-mini*', 128_000, 65_536],
      ['o3', 'o3*', 200_000, 100_000],
      ['claude-opus-4-5-20251101', 'claude-opus-4-5*', 200_000, 64_000],
      ['claude-opus-4-1', 'claude-opus-4*', 200_000, 32_000],
      ['anthropic/Claude-Sonnet-4-5', 'claude-sonnet-4*', 200_000, 64_000],
      ['claude-3-5-haiku-latest', 'claude-3-5-haiku*', 200_000, 8192],
      ['claude-next-1', 'claude-*', 200_000, 32_000],
      ['qwen3:32b', 'qwen3*', 40_960, 32_768],
      ['qwen3-coder:30b', 'qwen3-coder*', 262_144, 65_536],
    ];
    for (const [model, matched, contextWindow, maxOutputTokens] of cases) {
      const info = catalog.lookup(model);
      assert.deepEqual(
        [info.matched, info.contextWindow, info.maxOutputTokens, info.known],
        [matched, contextWindow, maxOutputTokens, true],
        model,
      );
    }
    assert.equal(catalog.lookup('gpt-5.5').defaultReasoningEffort, 'medium');
    assert.equal(catalog.lookup('gpt-4o').reasoning, false);
    assert.equal(normalizeModelId(' OpenAI/GPT-5 '), 'gpt-5');
    assert.deepEqual(catalog.lookup('my-own-model'), {
      ...DEFAULT_MODEL_SPEC,
      model: 'my-own-model',
      matched: null,
      known: false,
    });
  });

  it('extends and corrects the table from config (model_catalog in config.toml)', () => {
    const home = join(scratch, `catalog-home-${counter++}`);
    mkdirSync(home);
    writeFileSync(
      join(home, 'config.toml'),
      [
        '[model_catalog."my-finetune"]',
        'context_window = 65536',
        'max_output_tokens = 4096',
        'reasoning = true',
        '[model_catalog."qwen3*"]',
        'contextWindow = 16384',
        '[model_catalog."gpt-5.5"]',
        'default_reasoning_effort = "high"',
      ].join('\n'),
    );
    const config = loadConfig({ env: { YOKE_HOME: home }, cwd: home });
    assert.deepEqual(config.warnings, []);
    const entries = config.context.modelCatalog;
    const extended = new ModelCatalog(entries);
    assert.deepEqual(extended.lookup('my-finetune'), {
      model: 'my-finetune',
      matched: 'my-finetune',
      known: true,
      contextWindow: 65_536,
      maxOutputTokens: 4096,
      reasoning: true,
      defaultReasoningEffort: null,
    });
    const qwen = extended.lookup('qwen3:8b');
    assert.deepEqual(
      [qwen.matched, qwen.contextWindow, qwen.maxOutputTokens, qwen.reasoning],
      ['qwen3*', 16_384, 32_768, true],
    );
    const gpt = extended.lookup('gpt-5.5');
    assert.deepEqual([gpt.contextWindow, gpt.defaultReasoningEffort], [400_000, 'high']);
  });
});
