/**
 * The fault suite (`npm run test:faults`): each case starts the built service (`node dist/src/server/main.js`, built
 * by the script first) as child processes, breaks one thing and checks what the handsets and the database see.
 * Files end in .fault.ts so that the normal `npm test` never picks them up.
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.fault.ts'],
  testTimeout: 120_000,
  // A failure prints the services' own output (their logs) under it: support/environment.ts and support/report.ts.
  testEnvironment: '<rootDir>/test/faults/support/environment.ts',
  setupFilesAfterEnv: ['<rootDir>/test/faults/support/report.ts'],
  // Each case runs several service processes on a 2-core machine: one file at a time keeps deadlines meaningful.
  maxWorkers: 1,
};
