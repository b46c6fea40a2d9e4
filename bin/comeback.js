#!/usr/bin/env node
// The `comeback` command. It runs the TypeScript sources through swc's require hook, so it
// works right after `npm ci`, with no build step, from any working directory.
const path = require('node:path');
process.env.SWC_NODE_PROJECT = path.join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
require('../apps/cli/src/main.ts');
