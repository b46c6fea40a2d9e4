import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * For specs: the CDNOW data set (Fader & Hardie). A copy of the two files the specs need is kept in
 * `libs/lapse-model/fixtures/cdnow` (so a clean clone tests without anything beside it);
 * COMEBACK_SHARED_DATA names a shared data folder (the one holding `cdnow/`) to use instead.
 */
export function cdnowDir(): string {
  const dir = process.env.COMEBACK_SHARED_DATA
    ? path.join(process.env.COMEBACK_SHARED_DATA, 'cdnow')
    : path.resolve(__dirname, '..', 'fixtures', 'cdnow');
  if (!existsSync(path.join(dir, 'cdnow_customers_summary.csv'))) {
    throw new Error(`CDNOW data not found in ${dir}: set COMEBACK_SHARED_DATA to the folder that holds cdnow/`);
  }
  return dir;
}

/**
 * CDNOW_sample.txt (whitespace-separated: master id, sample id, YYYYMMDD, CDs, dollars; no header)
 * as a transactions CSV `client_id,date,amount`, the client id being the sample id without its
 * leading zeros (as in cdnow_customers_summary.csv).
 */
export function cdnowTransactionsCsv(): string {
  const rows = readFileSync(path.join(cdnowDir(), 'CDNOW_sample.txt'), 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim())
    .map((line) => {
      const [, sampleId, ymd, , dollars] = line.trim().split(/\s+/);
      return `${Number(sampleId)},${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)},${dollars}`;
    });
  return `client_id,date,amount\n${rows.join('\n')}\n`;
}
