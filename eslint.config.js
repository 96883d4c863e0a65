// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const NO_ELECTRON = { name: 'electron', message: 'The core and the window never import Electron.' };

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'docs/screenshots/**', '**/*.d.ts'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          allowDefaultProject: ['*.ts'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // The core reports through the event bus; only the CLI renders to a terminal.
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/cli/**', 'server/src/demo/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // vitest types its asymmetric matchers (expect.any, expect.stringContaining, …) as `any`.
    files: ['server/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    // Plain JS (configs, scripts, bench, CI helpers) is checked by @ts-check where it matters; linted
    // without type information, so it needs no TypeScript project.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: false, project: false },
    },
  },
  {
    // The core runs without Electron (ferry serve, tests).
    files: ['server/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [NO_ELECTRON] }] },
  },
  {
    // The window only talks to the admin contract: from server/ it imports the contract module, type-only
    // (its types are the operation table's; the table itself holds zod and the handlers), and the pure,
    // import-free helpers it shares with the CLI and the tray (display text, connector URLs, relative
    // time). Anything deeper would tie the window to the core's insides, or bundle them.
    files: ['renderer/src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [NO_ELECTRON],
          patterns: [
            {
              // Anything in server/ but the contract module and the shared helpers.
              regex:
                '^(\\.\\./)+server/(?!src/admin/contractTypes\\.js$|src/util/(displayText|connectorUrls|relativeTime)\\.js$)',
              message:
                'The window imports the core only through server/src/admin/contractTypes.ts (the admin contract).',
            },
            {
              regex: '^(\\.\\./)+server/src/admin/contractTypes\\.js$',
              allowTypeImports: true,
              message: 'The admin contract is types only: use `import type`.',
            },
          ],
        },
      ],
    },
  },
  {
    // The shell reaches Electron through the injected ElectronHost (so tests can fake it); only the
    // registration entry holds the real module. Types may be imported anywhere.
    files: ['electron/src/main/**/*.ts'],
    ignores: ['electron/src/main/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              allowTypeImports: true,
              message: 'Use the ElectronHost passed in (host.ts); only index.ts imports electron.',
            },
          ],
        },
      ],
      'no-console': 'error',
    },
  },
  {
    // Raw IPC only in the two typed wrappers: every other file goes through the channel map.
    files: ['electron/**/*.ts'],
    ignores: ['electron/src/main/ipc/typedIpc.ts', 'electron/src/preload/index.ts', 'electron/test/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'ipcMain', message: 'Use MainIpc (electron/src/main/ipc/typedIpc.ts).' },
        { property: 'ipcRenderer', message: 'Only the preload entry touches ipcRenderer.' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportSpecifier[imported.name=/^ipc(Main|Renderer)$/]',
          message: 'Raw IPC only in the typed wrappers (ipc/typedIpc.ts, preload/index.ts).',
        },
      ],
    },
  },
);
