// Checks shared by `npm run demo`, `npm test` and `npm run bench`: the Node version, installed
// dependencies, and PostgreSQL and Redis answering (with a message saying how to start them).
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function checkNode() {
  // 20.19: the first Node 20 that loads ES modules with require() (commander 15 is one).
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    console.error(`Comeback needs Node.js 20.19 or newer; this is ${process.versions.node}.`);
    process.exit(1);
  }
}

function dependenciesInstalled() {
  return existsSync(path.join(root, 'node_modules', '.package-lock.json')) && existsSync(path.join(root, 'node_modules', '@swc', 'core'));
}

function requireTs() {
  require('../tools/register');
}

/** Exits 1 with the clear message when PostgreSQL or Redis does not answer. */
async function checkStores(databaseUrl, redisUrl) {
  requireTs();
  const { checkInfrastructure, InfrastructureUnavailableError } = require('../libs/connectivity/src/infrastructure.ts');
  try {
    await checkInfrastructure({ databaseUrl, redisUrl });
  } catch (err) {
    if (err instanceof InfrastructureUnavailableError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

module.exports = { root, checkNode, dependenciesInstalled, requireTs, checkStores };
