// The fault suite (`npm run test:faults`): real processes killed, stopped and restarted (its own
// redis-server, PostgreSQL databases or a server of its own, the apps as child processes). Slow,
// so apart from `npm test`: its files end in `.fault.ts`, which the main config does not match.
// Same TypeScript transform and global setup (the migrated template database) as the main config.
const main = require('../../jest.config.js');

module.exports = {
  ...main,
  roots: ['<rootDir>/tests/faults'],
  testMatch: ['**/*.fault.ts'],
  // Each scenario waits for processes and whole campaigns; the timeouts are set per test.
  testTimeout: 300_000,
  // One at a time: they share the machine's cores, and a scenario's timing is part of what it tests.
  maxWorkers: 1,
};
