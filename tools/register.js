// Runs TypeScript sources directly: `node -r ./tools/register.js apps/report/src/main.ts`.
// swc transpiles each file as it is required (decorator metadata on, the tsconfig path aliases
// rewritten to relative paths). It reads .swcrc and tsconfig.base.json itself instead of loading
// the TypeScript compiler to do so, which keeps every process ~50 MB smaller than
// @swc-node/register did.
const fs = require('node:fs');
const path = require('node:path');
const swc = require('@swc/core');

const root = path.join(__dirname, '..');
const swcrc = JSON.parse(fs.readFileSync(path.join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;
const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8'));
const options = {
  ...swcrc,
  jsc: { ...swcrc.jsc, baseUrl: root, paths: compilerOptions.paths },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
  swcrc: false,
  configFile: false,
};

// Stack traces point at the TypeScript lines.
process.setSourceMapsEnabled(true);

require.extensions['.ts'] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = swc.transformSync(source, { ...options, filename });
  module._compile(code, filename);
};
