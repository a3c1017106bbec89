import next from 'eslint-config-next';

const config = [
  { ignores: ['.next/**', '.local/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  ...next,
];

export default config;
