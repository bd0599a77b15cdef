// ESLint: typescript-eslint's strict, type-aware rules over the sources (src/, action/src/, scripts/, bench/), with the
// size limits of STYLE.md (a file at most 400 lines, a function at most 60 lines of code); the recommended rules
// over the tests, whose fixtures are deliberately loose (`any` payloads, long tables of cases).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const SOURCES = ['src/**/*.ts', 'action/src/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts'];
/** A leading underscore marks a value left unused on purpose (a destructured field dropped, a callback's parameter). */
const UNUSED = [
  'error',
  { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
];

export default tseslint.config(
  { ignores: ['dist/**', 'action/dist/**', 'node_modules/**', 'bench/out/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: SOURCES,
    extends: [eslint.configs.recommended, tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Numbers and booleans print as themselves; objects, null and undefined in a sentence stay errors.
      '@typescript-eslint/no-unused-vars': UNUSED,
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    files: ['test/**/*.ts', 'vitest.config.ts'],
    extends: [eslint.configs.recommended, tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': UNUSED,
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // fixtures declare a server's handle before the server whose callbacks capture it (`let sim!: ...`)
      'prefer-const': 'off',
    },
  },
);
