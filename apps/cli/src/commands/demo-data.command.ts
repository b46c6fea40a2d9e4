import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Pool } from 'pg';
import { generateDemoData, MAX_DEMO_CLIENTS } from '@comeback/demo-data';
import { importCsvFiles, type ImportResult, upsertOrganization } from '@comeback/ingestion';
import type { CliConfig } from '../cli-config';
import { CliError, openDatabase } from '../database';
import { printImportSummary } from './import.command';

/** The demo business: a family clinic in Tbilisi whose clients write in many languages. */
export const DEMO_ORGANIZATION = {
  slug: 'demo-clinic',
  name: 'Tbilisi Family Clinic',
  timezone: 'Asia/Tbilisi',
  defaultLocale: 'ka',
  currency: 'GEL',
  country: 'GE',
};

/** Generates demo data for `clients` clients and imports it into the demo organization. */
export async function loadDemoData(pool: Pool, clients: number, seed: number): Promise<ImportResult> {
  const organizationId = await upsertOrganization(pool, DEMO_ORGANIZATION);
  const dir = mkdtempSync(join(tmpdir(), 'comeback-demo-'));
  try {
    const { files } = await generateDemoData({ clients, seed, outDir: dir, country: DEMO_ORGANIZATION.country });
    return await importCsvFiles(pool, organizationId, files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseClientCount(v: string): number {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1 || n > MAX_DEMO_CLIENTS) throw new CliError(`--clients: give a whole number from 1 to ${MAX_DEMO_CLIENTS}`);
  return n;
}

export function registerDemoData(program: Command, config: () => CliConfig): void {
  program
    .command('demo-data')
    .description('generate a realistic multi-year clinic history (deterministic for a seed)')
    .requiredOption('--clients <n>', `number of clients, up to ${MAX_DEMO_CLIENTS} (about 20 visits each)`, parseClientCount)
    .option('--seed <n>', 'random seed: the same seed gives the same data', (v) => Number(v), 42)
    .option('--out <dir>', 'only write the CSV files into this directory (no database needed)')
    .action(async (o: { clients: number; seed: number; out?: string }) => {
      if (o.out) {
        const r = await generateDemoData({ clients: o.clients, seed: o.seed, outDir: o.out, country: DEMO_ORGANIZATION.country });
        for (const [kind, file] of Object.entries(r.files)) console.log(`${kind.padEnd(9)} ${String(r.counts[kind as keyof typeof r.counts]).padStart(11)} rows  ${file}`);
        return;
      }
      const pool = await openDatabase(config().DATABASE_URL);
      try {
        const started = performance.now();
        const result = await loadDemoData(pool, o.clients, o.seed);
        console.log(`organization ${DEMO_ORGANIZATION.slug} (${result.organizationId})`);
        printImportSummary(result, (performance.now() - started) / 1000);
      } finally {
        await pool.end();
      }
    });
}
