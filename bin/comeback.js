#!/usr/bin/env node
// The `comeback` command. It runs the TypeScript sources through swc (tools/register.js), so it
// works right after `npm ci`, with no build step, from any working directory.
//
// The CLI runs in a child Node with a bounded heap. An import hands megabyte buffers to the
// PostgreSQL socket; V8 frees the dead ones only at a full collection, which an unbounded heap
// puts off: at a million clients peak RSS was 280-315 MB without the bound, 206 MB with it (and
// the import was no slower). This launcher only waits and forwards signals.
if (process.env.COMEBACK_CLI_CHILD !== '1') {
  const { spawn } = require('node:child_process');
  const child = spawn(process.execPath, ['--max-old-space-size=192', '--max-semi-space-size=8', __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, COMEBACK_CLI_CHILD: '1' },
  });
  const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of forwarded) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    // Die the way the child died, so callers see the signal.
    for (const s of forwarded) process.removeAllListeners(s);
    process.kill(process.pid, signal);
  });
} else {
  require('../tools/register');
  require('../apps/cli/src/main.ts');
}
