#!/usr/bin/env node
// The `comeback` command. It runs the TypeScript sources through swc (tools/register.js), so it
// works right after `npm ci`, with no build step, from any working directory.
require('../tools/register');
require('../apps/cli/src/main.ts');
