'use strict';
// ESLint: mistakes, not layout. Layout is Prettier's (.prettierrc.json):
// eslint-config-prettier, last, turns off every rule that would disagree with
// it. `npm run lint` runs both; `npm run typecheck` runs the compiler.
const js = require('@eslint/js');
const { defineConfig } = require('eslint/config');
const prettier = require('eslint-config-prettier');
const globals = require('globals');
const tseslint = require('typescript-eslint');

module.exports = defineConfig([
  { ignores: ['dist/', 'node_modules/', 'fixtures/**/node_modules/', 'test/artifacts/', 'bench/results/', '.cache/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // A parameter named _x is unused on purpose (an interface's signature).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // require() is how the agent loads a module on first use (exporters, the
      // SDK, the span code), keeping startup within its budget.
      '@typescript-eslint/no-require-imports': 'off',
      // Wrappers hand `arguments` on as they are: a rest parameter would copy
      // them into a new array on every wrapped call.
      'prefer-rest-params': 'off',
    },
  },
  {
    // A wrapper stands for any function of any library: its arguments, result
    // and the library objects it is given are `any` there.
    files: ['src/hooks/**/*.ts', 'src/loader/**/*.ts', 'src/context.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: {
      // CommonJS: require() is the way to import, and a module's own `crypto`
      // or `describe` does not touch the global of that name.
      '@typescript-eslint/no-require-imports': 'off',
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
  {
    files: ['test/*.spec.js'],
    languageOptions: { globals: globals.mocha },
    // Patterns with runs of spaces mirror the aligned output they match.
    rules: { 'no-regex-spaces': 'off' },
  },
  prettier,
]);
