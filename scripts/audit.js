#!/usr/bin/env node
// `npm run audit`: `npm audit --omit=dev` held to "no high or critical advisory in production
// dependencies" (issue 7). Exit 1 when there is one, listing each. When the registry does not
// answer audit requests (a mirror, a proxy that refuses POST /-/npm/v1/security/advisories/bulk,
// no network), nothing could be checked: it says so loudly and exits 0, or 1 with
// `--require-answer` (for a CI that can reach the registry and must not pass unchecked).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const requireAnswer = process.argv.includes('--require-answer');
const run = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: path.join(__dirname, '..'), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = null;
}

if (!report || report.error || !report.metadata) {
  const why = report?.message || report?.error?.summary || report?.error?.code || (run.stderr || run.stdout).trim().split('\n').filter((l) => !l.startsWith('npm warn Unknown user config')).slice(-3).join(' ');
  console.error(`npm audit: the registry gave no audit report (${why || `exit ${run.status}`}).`);
  console.error('Production dependencies were NOT checked for advisories. Run `npm run audit` where the registry answers.');
  process.exit(requireAnswer ? 1 : 0);
}

const { vulnerabilities } = report.metadata;
const serious = Object.values(report.vulnerabilities ?? {}).filter((v) => v.severity === 'high' || v.severity === 'critical');
console.log(`npm audit --omit=dev: ${report.metadata.dependencies?.prod ?? '?'} production dependencies; advisories: ${JSON.stringify(vulnerabilities)}`);
for (const v of serious) {
  const titles = v.via.filter((x) => typeof x === 'object').map((x) => `${x.title} (${x.url})`);
  console.error(`  ${v.severity}: ${v.name} ${v.range}${titles.length ? `: ${titles.join('; ')}` : ` (through ${v.via.join(', ')})`}${v.fixAvailable ? ', fix available' : ''}`);
}
if (serious.length) {
  console.error(`${serious.length} production dependencies with high or critical advisories.`);
  process.exit(1);
}
console.log('no high or critical advisories in production dependencies.');
