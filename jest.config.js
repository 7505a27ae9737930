/** Tests run TypeScript through swc (fast, no type-check: CI runs `tsc --noEmit` separately). */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', swc] },
  // @as-integrations/koa is ESM-only: map it to its file and let swc compile it to CommonJS.
  moduleNameMapper: { '^@as-integrations/koa$': '<rootDir>/node_modules/@as-integrations/koa/dist/index.js' },
  transformIgnorePatterns: ['/node_modules/(?!@as-integrations/koa/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
  maxWorkers: 2,
};
