const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/bench-dist/**',
      '**/node_modules/**',
      'network/.state/**',
      'coverage/**',
      '.provena/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The network's helper scripts: plain ES modules run by Node.
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: require('globals').node },
  },
  {
    files: ['**/*.ts'],
    // Type-aware rules over one program of every package, tests and benchmarks included (tsconfig.eslint.json).
    languageOptions: { parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: __dirname } },
    rules: {
      // A promise nobody awaits or handles loses its failure: an unhandled rejection, or work that silently
      // never finishes. Fire-and-forget is allowed only when written `void`, so it is a decision, not an accident.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' },
      ],
    },
  },
  {
    // The web dashboard runs in the browser: its own program (DOM types, JSX for Preact), the same rules.
    files: ['gateway/dashboard/**/*.ts', 'gateway/dashboard/**/*.tsx'],
    languageOptions: {
      globals: require('globals').browser,
      parserOptions: { project: './gateway/dashboard/tsconfig.json', tsconfigRootDir: __dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' },
      ],
    },
  },
);
