#!/usr/bin/env node
// `npm run bench -- <name> [options]` runs bench/<name>.bench.ts, which prints its figures.
const { readdirSync } = require('node:fs');
const path = require('node:path');
const { checkNode, requireTs } = require('./preflight');

checkNode();
const [name, ...rest] = process.argv.slice(2);
const available = readdirSync(path.join(__dirname, '..', 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [options]\nbenchmarks: ${available.join(', ')}`);
  process.exit(name ? 1 : 0);
}
process.argv = [process.argv[0], name, ...rest];
requireTs();
require(path.join(__dirname, '..', 'bench', `${name}.bench.ts`));
