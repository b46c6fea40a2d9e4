#!/usr/bin/env node
// `npm test`: every test. Checks PostgreSQL and Redis first (tests use the real servers, each test
// file in a database and Redis key prefix of its own), type-checks, then runs Jest. Extra
// arguments go to Jest (`npm test -- libs/ingestion`).
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { root, checkNode, dependenciesInstalled, checkStores } = require('./preflight');

async function main() {
  checkNode();
  if (!dependenciesInstalled()) {
    console.error('Dependencies are not installed: run `npm ci` first.');
    process.exit(1);
  }
  await checkStores(
    process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  );
  const args = process.argv.slice(2);
  if (!args.length) {
    console.log('type-checking (tsc --noEmit) ...');
    const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
    if (tsc.status !== 0) {
      console.error('type errors: fix them first.\n0 passed, 1 failed');
      process.exit(1);
    }
  }
  const jest = spawnSync(process.execPath, [path.join(root, 'node_modules/jest/bin/jest.js'), ...(process.env.CI ? ['--ci'] : []), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  process.exit(jest.status ?? 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
