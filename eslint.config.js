// Lint: typescript-eslint's recommended rules, plus the determinism rules of DESIGN.md
// decision 4: no clocks, timers, randomness or promises in the engine, protocols, actors or
// scenarios. The command line and benchmarks may read clocks.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nondeterminism = {
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'Nondeterministic: take an explicit seed (DESIGN.md decision 4).' },
    { object: 'Date', property: 'now', message: 'The engine reads no clock; take a clock from the caller.' },
    { object: 'performance', property: 'now', message: 'The engine reads no clock; take a clock from the caller.' },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'setTimeout', message: 'No timers in the engine: time is modelled as messages.' },
    { name: 'setInterval', message: 'No timers in the engine: time is modelled as messages.' },
    { name: 'setImmediate', message: 'No timers in the engine.' },
    { name: 'queueMicrotask', message: 'No asynchrony in the step loop.' },
    { name: 'Promise', message: 'The step loop is synchronous (DESIGN.md decision 9).' },
  ],
  'no-restricted-syntax': [
    'error',
    { selector: 'NewExpression[callee.name="Date"]', message: 'The engine reads no clock.' },
    { selector: 'FunctionDeclaration[async=true]', message: 'The step loop is synchronous.' },
    { selector: 'ArrowFunctionExpression[async=true]', message: 'The step loop is synchronous.' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bench/out/**', 'coverage/**', 'spec/out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['runtime/**/*.ts', 'protocols/**/*.ts', 'actors/**/*.ts', 'scenarios/**/*.ts'], rules: nondeterminism },
);
