import next from 'eslint-config-next';

const config = [
  { ignores: ['.next/**', '.local/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  ...next,
  // Playwright fixtures receive a callback named `use`; it is not React's `use` hook.
  { files: ['e2e/**'], rules: { 'react-hooks/rules-of-hooks': 'off' } },
];

export default config;
