// Lint, including the layer rules of DESIGN.md: imports point down the picture, never up.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// For each folder of src/, the folders of src/ it must not import.
const layers = [
  'protocol',
  'client',
  'models',
  'context',
  'sandbox',
  'store',
  'tools',
  'mcp',
  'engine',
  'tasks',
  'runtime',
  'server',
  'surfaces',
];
const allowed = {
  protocol: [],
  client: ['protocol'],
  models: ['protocol'],
  context: ['protocol'],
  sandbox: ['protocol'],
  store: ['protocol'],
  tools: ['protocol', 'sandbox', 'context'],
  // MCP servers and their tools, below the engine: the engine sees them as ordinary tools.
  mcp: ['protocol', 'tools', 'context', 'sandbox'],
  engine: ['protocol', 'models', 'tools', 'context', 'sandbox'],
  tasks: ['protocol', 'models', 'tools', 'mcp', 'context', 'sandbox', 'store', 'engine'],
  runtime: ['protocol', 'models', 'tools', 'mcp', 'context', 'sandbox', 'store', 'engine', 'tasks'],
  server: ['protocol', 'runtime'],
  surfaces: ['protocol', 'client', 'server', 'runtime'],
};

// An import of another layer is a relative path that climbs to src/ and goes down into that
// layer's folder. Matching the resolved position (not any folder of that name) keeps package
// paths such as `@modelcontextprotocol/sdk/client/…` and same-named subfolders out of it.
const MAX_DEPTH = 4;
const layerRules = layers.flatMap((layer) => {
  const forbidden = layers.filter((other) => other !== layer && !allowed[layer].includes(other));
  return Array.from({ length: MAX_DEPTH }, (_, i) => {
    const depth = i + 1;
    const dirs = Array.from({ length: depth - 1 }, () => '*').join('/');
    const files = [
      `src/${layer}/${dirs ? `${dirs}/` : ''}*.ts`,
      `src/${layer}/${dirs ? `${dirs}/` : ''}*.tsx`,
    ];
    return {
      files,
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: forbidden.map((other) => ({
              regex: `^(\\.\\./){${depth}}${other}(/|$)`,
              message: `src/${layer} may not import src/${other} (see DESIGN.md, "imports point down").`,
            })),
          },
        ],
      },
    };
  });
});

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'web/dist/',
      'test/support/codex-binary-stub/',
      '.scratch/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...layerRules,
  {
    // bin/ is CommonJS (bin/package.json): an ES module entry costs Node ~10 ms more to start.
    files: ['bin/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The web page talks to the server only through the typed client and the wire types.
    files: ['web/src/**/*.ts', 'web/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: layers
            .filter((layer) => layer !== 'client' && layer !== 'protocol')
            .map((layer) => ({
              group: [`**/src/${layer}/*`, `**/src/${layer}/**`],
              message: `web/ may import only src/client and src/protocol, not src/${layer}.`,
            })),
        },
      ],
    },
  },
);
