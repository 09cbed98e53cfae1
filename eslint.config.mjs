// ESLint: typescript-eslint's recommended rules, plus the import rules that
// keep Hearth's layers apart (see CONTRIBUTING.md):
// - src/core/ is pure: no `vscode`, nothing from the adapters under src/;
// - the base at the src/core/ root imports no feature (chat, completion, servers, tasks, lm);
// - the chat webview imports only its own modules and the shared protocol and types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noVscode = { name: 'vscode', message: 'src/core/ is pure TypeScript: VS Code APIs belong in the adapters under src/.' };
const noNode = { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto'], message: 'The webview runs in a browser frame.' };

const adapters = 'src/core/ must not import the VS Code adapters under src/.';
const webviewOnly = 'The webview imports only its own modules and the shared protocol and types (src/core/chat/protocol.ts, types.ts).';
const webviewPaths = [{ name: 'vscode', message: 'The webview talks to the host only through the message protocol.' }];

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      '.vscode-test/**',
      'test-results/**',
      'bench-results/**',
      'bench/fixtures/**',
      'test/fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    files: ['esbuild.mjs', 'eslint.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // Fake servers and tests handle arbitrary JSON bodies.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/core/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noVscode],
          patterns: [
            { regex: '^\\.\\./', message: adapters },
            { regex: '^\\./(chat|completion|servers|tasks|lm)/', message: 'The base at the src/core/ root must not import a feature.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/*/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noVscode], patterns: [{ regex: '^(\\.\\./){2}', message: adapters }] }] },
  },
  {
    files: ['src/chat/webview/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: webviewPaths, patterns: [noNode, { regex: '^\\.\\./(?!\\.\\./core/chat/(protocol|types)$)', message: webviewOnly }] },
      ],
    },
  },
  {
    files: ['src/chat/webview/*/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: webviewPaths, patterns: [noNode, { regex: '^(\\.\\./){2}(?!\\.\\./core/chat/(protocol|types)$)', message: webviewOnly }] },
      ],
    },
  },
);
