#!/usr/bin/env node
// `npm run demo`: the whole system on demo data. Installs the dependencies if they are missing,
// then `comeback demo` checks PostgreSQL and Redis (saying how to start them if they are down),
// creates and migrates the database, loads the demo clinic on first run, starts every app and
// prints their URLs. Extra arguments go to `comeback demo` (`npm run demo -- --clients 100000`).
const { spawnSync, spawn } = require('node:child_process');
const path = require('node:path');
const { root, checkNode, dependenciesInstalled } = require('./preflight');

checkNode();
if (!dependenciesInstalled()) {
  console.log('installing dependencies (npm ci) ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
const child = spawn(process.execPath, [path.join(root, 'bin', 'comeback.js'), 'demo', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal; forward other stop signals.
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGINT', () => undefined);
child.on('exit', (code) => process.exit(code ?? 1));
