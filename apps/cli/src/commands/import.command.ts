import type { Command } from 'commander';
import { importCsvFiles, type ImportFiles, type ImportResult, RECORD_KINDS } from '@comeback/ingestion';
import type { CliConfig } from '../cli-config';
import { openDatabase } from '../database';

/** Prints what an import wrote, one line per file. */
export function printImportSummary(result: ImportResult, seconds: number): void {
  let total = 0;
  for (const kind of RECORD_KINDS) {
    const c = result.counts[kind];
    if (!c) continue;
    total += c.received;
    console.log(
      `${kind.padEnd(9)} ${String(c.received).padStart(11)} rows: ${c.inserted} new, ${c.updated} changed, ${c.received - c.inserted - c.updated} unchanged` +
        (c.seconds !== undefined ? ` (${c.seconds.toFixed(1)} s${c.method === 'bulk' ? ', first load' : ''})` : ''),
    );
  }
  console.log(`imported ${total} rows in ${seconds.toFixed(1)} s (${Math.round(total / Math.max(seconds, 0.001))} rows/s), all in one transaction`);
}

export function registerImport(program: Command, config: () => CliConfig): void {
  program
    .command('import')
    .description('import CSV files into an organization, all or nothing (formats: README.md)')
    .requiredOption('--org <id|slug>', 'organization')
    .option('--staff <file>', 'staff members CSV')
    .option('--services <file>', 'services CSV')
    .option('--clients <file>', 'clients CSV')
    .option('--visits <file>', 'visits CSV')
    .option('--payments <file>', 'payment events CSV')
    .option('--stats', "print this process's peak memory (RSS) at the end")
    .action(async (o: ImportFiles & { org: string; stats?: boolean }) => {
      const files: ImportFiles = {};
      for (const k of RECORD_KINDS) if (o[k]) files[k] = o[k];
      if (!Object.keys(files).length) throw new Error('name at least one file: --staff, --services, --clients, --visits or --payments');
      const pool = await openDatabase(config().DATABASE_URL);
      const started = performance.now();
      let last = 0;
      try {
        const result = await importCsvFiles(pool, o.org, files, {
          onProgress: (kind, rows) => {
            const now = performance.now();
            if (process.stderr.isTTY && now - last > 1000) {
              last = now;
              process.stderr.write(`\r${kind}: ${rows} rows read`);
            }
          },
        });
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        printImportSummary(result, (performance.now() - started) / 1000);
        // maxRSS is in kilobytes: the high-water mark of this whole process.
        if (o.stats) console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
      } finally {
        await pool.end();
      }
    });
}
