// @ts-check
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * The layers' arrows (docs/architecture.md): a folder may not import the folders named here.
 * `meta`, `store` and `emulator` are leaves; the broker (the domain) knows no edge; the edges
 * (server, cli) never touch the store. test/docs/layers.test.ts keeps this list, the docs and the
 * rule's firing together.
 */
export const LAYERS = {
  'src/meta/**': ['broker', 'store', 'server', 'cli', 'app', 'emulator', 'config'],
  'src/emulator/**': ['meta', 'broker', 'store', 'server', 'cli', 'app', 'config'],
  'src/store/**': ['broker', 'server', 'cli', 'app', 'emulator'],
  'src/broker/**': ['server', 'cli', 'app'],
  // The edges reach the domain (broker, its read functions and types) and the composition root
  // (app) only. The CLI may start the emulator: `igtoken emulator` is a command of its own.
  'src/server/**': ['store', 'emulator'],
  'src/cli/**': ['store'],
  // The SDK ships to apps and browsers: nothing of the service, only fetch and Web Crypto.
  'src/client/**': ['meta', 'emulator', 'store', 'broker', 'server', 'cli', 'app', 'config'],
}

/** One `no-restricted-imports` block per layer. */
const layerRules = Object.entries(LAYERS).map(([files, forbidden]) => ({
  files: [files],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((folder) => ({
          // Relative paths only: a package's own folder of that name (a dependency's `store/`)
          // is not one of ours.
          group:
            folder === 'config'
              ? ['.*/**/config.js', '.*/**/config-*.js']
              : [`./${folder}/**`, `../**/${folder}/**`],
          message: `${files.split('/')[1] ?? ''} may not import ${folder} (docs/architecture.md)`,
        })),
      },
    ],
  },
}))

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'test-artifacts/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/consistent-type-exports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  ...layerRules,
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // node:test's describe/it return promises that the runner awaits itself.
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
)
