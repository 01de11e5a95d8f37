// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Modules that do I/O: the pure layers (domain/, projections/) may not import them. */
const IO_MODULES = [
  'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https',
  'http2', 'node:http2', 'dgram', 'node:dgram', 'child_process', 'node:child_process', 'worker_threads', 'node:worker_threads',
  'express', 'better-sqlite3', '@eventstore/db-client', 'pkcs11js', 'tsyringe', 'winston', 'prom-client', 'opossum',
];
const IO_PATTERNS = ['@aws-sdk/*', 'adapters/*', '**/adapters/**', '**/src/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'eslint.config.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    // The domain and the projections are pure: no I/O, no DI container, no adapters.
    files: ['domain/**/*.ts', 'projections/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: IO_MODULES.map((name) => ({ name, message: 'domain/ and projections/ are pure: do I/O in adapters/ or src/' })),
        patterns: [{ group: IO_PATTERNS, message: 'domain/ and projections/ may not depend on adapters/ or src/' }],
      }],
      'no-restricted-globals': ['error',
        { name: 'fetch', message: 'no network in the pure layers' },
        { name: 'process', message: 'configuration and time arrive as arguments' },
      ],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'time comes from the injected Clock' }],
    },
  },
  {
    // The domain imports nothing outside itself (npm libraries for pure computation excepted).
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: IO_MODULES.map((name) => ({ name, message: 'domain/ is pure: do I/O in adapters/ or src/' })),
        patterns: [{ group: [...IO_PATTERNS, '**/projections/**', '**/migrations/**', '**/test/**'], message: 'domain/ imports nothing outside itself' }],
      }],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
