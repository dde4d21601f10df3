// The one dialect for code that runs in the image (CONTRIBUTING.md): arrows,
// async/await, no `this` aliases; `.then` only on a measured hot path, with
// an eslint-disable comment that says so. Host-side code (cli/, bench/,
// tests) is checked for the same rules where they apply.
import tseslint from 'typescript-eslint';
import promise from 'eslint-plugin-promise';

const IMAGE_CODE = ['lib/**/*.ts', 'kernel/runtime/**/*.ts', 'drivers/**/*.ts', 'net/**/*.ts', 'store/**/*.ts', 'services/**/*.ts', 'sdk/**/*.ts', 'board/**/*.ts', 'apps/**/*.ts'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'build/**', 'images/**', '**/*.d.ts', 'test/fixtures/aplus*/**', '**/__virtual__/**', 'store/records/build/**'] },
  {
    files: IMAGE_CODE,
    ignores: ['**/*.test.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin, promise },
    rules: {
      '@typescript-eslint/no-this-alias': 'error',
      'prefer-arrow-callback': ['error', { allowNamedFunctions: false }],
      'func-style': ['error', 'declaration', { allowArrowFunctions: true }],
      'promise/prefer-await-to-then': ['error', { strict: false }],
      'promise/prefer-await-to-callbacks': 'off',
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
);
