// Lint: typescript-eslint's recommended type-aware rules plus the project's layering rule.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layering from './eslint-rules/layering.js';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { lifeboat: { rules: { layering } } },
    rules: {
      'lifeboat/layering': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.js'],
    ignores: ['src/web/public/**'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // The dashboard's browser code: plain ES modules served as they are.
    files: ['src/web/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'history', 'navigator', 'fetch', 'EventSource', 'Node', 'Intl', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'requestAnimationFrame'].map((name) => [name, 'readonly']),
      ),
    },
  },
);
