// One Jest run over every app, lib, tool and deployment spec. TypeScript goes through swc
// (fast, with decorator metadata); swc rewrites the tsconfig path aliases itself, which also
// covers the global setup files (Jest applies no module mapper to those).
const { compilerOptions } = require('./tsconfig.base.json');
const swcrc = JSON.parse(require('node:fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.$schema;
const swcConfig = { ...swcrc, jsc: { ...swcrc.jsc, baseUrl: __dirname, paths: compilerOptions.paths } };

module.exports = {
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/tests'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swcConfig] },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/global-teardown.ts',
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
};
