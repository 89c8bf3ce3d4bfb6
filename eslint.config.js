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
  engine: ['protocol', 'models', 'tools', 'context', 'sandbox'],
  tasks: ['protocol', 'models', 'tools', 'context', 'sandbox', 'store', 'engine'],
  runtime: ['protocol', 'models', 'tools', 'context', 'sandbox', 'store', 'engine', 'tasks'],
  server: ['protocol', 'runtime'],
  surfaces: ['protocol', 'client', 'server', 'runtime'],
};

const layerRules = layers.map((layer) => {
  const forbidden = layers.filter((other) => other !== layer && !allowed[layer].includes(other));
  return {
    files: [`src/${layer}/**/*.ts`, `src/${layer}/**/*.tsx`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((other) => ({
            group: [`**/${other}/*`, `**/${other}/**`],
            message: `src/${layer} may not import src/${other} (see DESIGN.md, "imports point down").`,
          })),
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'web/dist/', 'test/support/codex-binary-stub/'] },
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
