/**
 * `npm run bench -- import [--clients 1000000] [--data DIR] [--keep] [--twice]`
 *
 * The CSV import end to end, as a user runs it: a fresh database, then `comeback import` of
 * staff, services, clients, visits and payments (one transaction) in a child process, timed
 * from spawn to exit. Prints visit rows/s (floor: 150,000) and the importer's peak RSS
 * (floor: under 300 MB). The demo data is generated once into DIR and reused. With --twice the
 * same files are imported a second time: the idempotent path (staged upserts that change nothing).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { adminQuery, benchDatabaseUrl, benchFlag, benchOption, REPO_ROOT as root } from './bench-support';
import { generateDemoData } from '@comeback/demo-data';
import { migrate } from '@comeback/domain';

const clients = Number(benchOption('clients', '1000000'));
const dataDir = benchOption('data', join(root, 'tmp', `bench-import-${clients}`));
const dbName = 'comeback_bench_import';
const VISIT_FLOOR = 150_000;
const RSS_CEILING_MB = 300;


function runImport(url: string, files: Record<string, string>): Promise<{ seconds: number; output: string }> {
  const argv = ['bin/comeback.js', 'import', '--org', 'bench-clinic', '--stats'];
  for (const [kind, file] of Object.entries(files)) argv.push(`--${kind}`, file);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { cwd: root, env: { ...process.env, DATABASE_URL: url } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.on('close', (code) => (code === 0 ? resolve({ seconds: (performance.now() - started) / 1000, output }) : reject(new Error(`import exited ${code}\n${output}`))));
  });
}

async function main(): Promise<void> {
  const files = {
    staff: join(dataDir, 'staff.csv'),
    services: join(dataDir, 'services.csv'),
    clients: join(dataDir, 'clients.csv'),
    visits: join(dataDir, 'visits.csv'),
    payments: join(dataDir, 'payments.csv'),
  };
  if (!Object.values(files).every(existsSync)) {
    console.log(`generating demo data for ${clients} clients into ${dataDir} (not timed) ...`);
    const t = performance.now();
    const r = await generateDemoData({ clients, outDir: dataDir, seed: 42, until: new Date('2026-11-01T00:00:00Z') });
    console.log(`generated ${JSON.stringify(r.counts)} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }

  await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${dbName}`);
  const url = benchDatabaseUrl(dbName);
  await migrate(url);
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query(
    `INSERT INTO organizations (slug, name, timezone, default_locale, currency, country) VALUES ('bench-clinic', 'Bench Clinic', 'Asia/Tbilisi', 'ka', 'GEL', 'GE')`,
  );

  console.log('importing (one transaction, child process) ...');
  const { seconds, output } = await runImport(url, files);
  const counts = (await c.query(`SELECT (SELECT count(*) FROM clients)::int AS clients, (SELECT count(*) FROM visits)::int AS visits, (SELECT count(*) FROM payment_events)::int AS payments`)).rows[0];
  const size = (await c.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`)).rows[0].size;
  await c.end();
  const rss = Number(/peak RSS (\d+) MB/.exec(output)?.[1] ?? NaN);
  const visitRate = counts.visits / seconds;

  console.log(output.trim());
  console.log('');
  console.log('benchmark: import');
  console.log(`  clients          ${counts.clients}`);
  console.log(`  visits           ${counts.visits}`);
  console.log(`  payments         ${counts.payments}`);
  console.log(`  wall time        ${seconds.toFixed(1)} s (spawn to exit, all files, one transaction)`);
  console.log(`  visit rows/s     ${Math.round(visitRate)}   (floor ${VISIT_FLOOR}: ${visitRate >= VISIT_FLOOR ? 'met' : 'NOT MET'})`);
  console.log(`  peak RSS         ${rss} MB   (ceiling ${RSS_CEILING_MB} MB: ${rss < RSS_CEILING_MB ? 'met' : 'NOT MET'})`);
  console.log(`  database size    ${size}`);
  if (benchFlag('twice')) {
    console.log('\nimporting the same files again (idempotent: staged upserts, nothing changes) ...');
    const again = await runImport(url, files);
    console.log(again.output.trim());
    const rows = counts.clients + counts.visits + counts.payments;
    console.log(`  re-import        ${again.seconds.toFixed(1)} s, ${Math.round(rows / again.seconds)} rows/s, peak RSS ${/peak RSS (\d+) MB/.exec(again.output)?.[1]} MB`);
  }
  if (!benchFlag('keep')) await adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
