/**
 * Measures the demo-data generator: time, visit rows per second, file sizes and sampled peak RSS.
 *
 *   node -r ./tools/register.js \
 *     libs/demo-data/scripts/measure-generation.ts [clients=100000] [outDir=/tmp/demo-<clients>] [--verify | --verify-only]
 *
 * The one-off preparation (phone number plans, ~1-2 s) is timed apart from the generation proper.
 * `--verify` then re-reads clients.csv and checks every phone number with libphonenumber-js (valid,
 * GE as the default country for national ones) and that no two clients share one; it runs after
 * the measurement, so it does not count towards its time or sampled memory (it does towards an
 * outside `/usr/bin/time`: use `--verify-only` in a second run to check files already written).
 */
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isValidPhoneNumber, parsePhoneNumber } from 'libphonenumber-js';
import { generateDemoData } from '../src';
import { DEMO_PHONE_COUNTRIES } from '../src/demo-languages';
import { phonePlanFor } from '../src/demo-phones';
import { readStrictCsv } from '../src/strict-csv.reader';

const UNTIL = new Date('2026-11-01T00:00:00Z');

async function main(): Promise<void> {
  const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const verify = process.argv.includes('--verify');
  const clients = Number(positional[0] ?? 100_000);
  const outDir = positional[1] ?? `/tmp/demo-${clients}`;
  if (process.argv.includes('--verify-only')) return verifyPhones(join(outDir, 'clients.csv'));

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
  console.log(`rss at start ${mb(process.memoryUsage().rss)}`);

  const prepStarted = performance.now();
  for (const country of DEMO_PHONE_COUNTRIES) phonePlanFor(country);
  const prepSeconds = (performance.now() - prepStarted) / 1000;

  const started = performance.now();
  const result = await generateDemoData({ clients, outDir, seed: 42, until: UNTIL });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);

  console.log(`counts ${JSON.stringify(result.counts)}`);
  for (const [kind, path] of Object.entries(result.files)) console.log(`  ${kind.padEnd(9)} ${mb(statSync(path).size).padStart(8)}  ${path}`);
  console.log(`preparation (phone plans) ${prepSeconds.toFixed(2)} s`);
  console.log(`generation ${seconds.toFixed(2)} s: ${Math.round(result.counts.visits / seconds)} visit rows/s, ${(result.counts.visits / clients).toFixed(2)} visits per client`);
  console.log(`peak RSS (sampled every 50 ms) ${mb(peakRss)}`);

  if (verify) await verifyPhones(result.files.clients);
}

/** Every non-empty phone valid (GE default for national ones), and no number shared by two clients. */
async function verifyPhones(clientsCsv: string): Promise<void> {
  const lines = createInterface({ input: createReadStream(clientsCsv, 'utf8'), crlfDelay: Infinity });
  const seen = new Set<string>();
  let header: string[] | null = null;
  let phones = 0;
  let invalid = 0;
  let duplicates = 0;
  for await (const line of lines) {
    // Names may hold quoted commas but never a newline, so a line is a record.
    const { header: fields } = readStrictCsv(`${line}\n`);
    if (!header) {
      header = fields;
      continue;
    }
    const phone = fields[header.indexOf('phone')];
    if (!phone) continue;
    phones++;
    if (!isValidPhoneNumber(phone, 'GE')) {
      invalid++;
      continue;
    }
    const e164 = parsePhoneNumber(phone, 'GE').number;
    if (seen.has(e164)) duplicates++;
    seen.add(e164);
  }
  console.log(`verified ${phones} phone numbers: ${invalid} invalid, ${duplicates} shared`);
  if (invalid || duplicates) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
