import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@comeback/testing';

/** `comeback lapse ...` run as a user runs it, on the CDNOW data (Fader & Hardie). */
const root = path.resolve(__dirname, '..', '..', '..', '..');
// The CDNOW copy kept with the lapse-model specs (or COMEBACK_SHARED_DATA's cdnow/).
const cdnow = process.env.COMEBACK_SHARED_DATA ? path.join(process.env.COMEBACK_SHARED_DATA, 'cdnow') : path.join(root, 'libs', 'lapse-model', 'fixtures', 'cdnow');
const STACK_LINE = /^\s+at /m;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/comeback.js', 'lapse', ...args], { cwd: root, env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = tempDir();
let transactions: string;
const summary = path.join(cdnow, 'cdnow_customers_summary.csv');

beforeAll(() => {
  if (!existsSync(summary)) throw new Error(`CDNOW data not found in ${cdnow}: set COMEBACK_SHARED_DATA to the folder that holds cdnow/`);
  // CDNOW_sample.txt: master id, sample id, YYYYMMDD, CDs, dollars (whitespace-separated).
  const rows = readFileSync(path.join(cdnow, 'CDNOW_sample.txt'), 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim())
    .map((line) => {
      const [, id, ymd, , dollars] = line.trim().split(/\s+/);
      return `${Number(id)},${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6)},${dollars}`;
    });
  transactions = dir.write('cdnow.csv', `client_id,date,amount\n${rows.join('\n')}\n`);
});
afterAll(() => dir.remove());

const sig3 = (v: number) => Number(v.toPrecision(3));

describe('comeback lapse fit', () => {
  it('fits BG/NBD on transactions and prints one JSON object with the published estimates', async () => {
    const r = await run(['fit', '--transactions', transactions, '--calibration-end', '1997-09-30']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect([out.r, out.alpha, out.a, out.b, out.logLikelihood].map(sig3)).toEqual([0.243, 4.41, 0.793, 2.43, -9580]);
    expect(out.logLikelihood).toBeCloseTo(-9582.4, 0);
    expect(out).toMatchObject({ clients: 2357, unit: 'week', converged: true });
  });

  it('fits the same from the published summary file', async () => {
    const r = await run(['fit', '--summary', summary]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect([out.r, out.alpha, out.a, out.b].map(sig3)).toEqual([0.243, 4.41, 0.793, 2.43]);
  });
});

describe('comeback lapse score', () => {
  const ROW = /^[^,]+,(active|at_risk|lapsed|new),(0\.\d{6}|1\.000000)?,\d{4}-\d{2}-\d{2},\d+$/;

  it('writes one CSV row per client with the cadence method', async () => {
    const r = await run(['score', '--transactions', transactions, '--calibration-end', '1997-09-30']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('client_id,status,p_alive,expected_next_visit,days_overdue');
    expect(lines).toHaveLength(2358);
    for (const line of lines.slice(1)) expect(line).toMatch(ROW);
    // Customer 1: visits 1997-01-01, 01-18, 08-02 by the calibration end; usual gap median(17, 196)
    // = 106.5 days, so next visit expected on 1997-11-17, not overdue on 09-30.
    expect(lines[1]).toBe('1,active,,1997-11-17,0');
    // Customer 2: two visits in January: new; expected 1997-01-25, 248 days overdue.
    expect(lines[2]).toBe('2,new,,1997-01-25,248');
  });

  it('adds P(alive) with the BG/NBD method', async () => {
    const r = await run(['score', '--transactions', transactions, '--calibration-end', '1997-09-30', '--method', 'bgnbd']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2358);
    for (const line of lines.slice(1)) expect(line).toMatch(ROW);
    const [id, status, pAlive] = lines[1].split(',');
    expect([id, status]).toEqual(['1', 'active']);
    expect(Number(pAlive)).toBeCloseTo(0.727, 3);
  });

  it('scores a summary file with BG/NBD only, and says why not with the cadence method', async () => {
    const ok = await run(['score', '--summary', summary, '--method', 'bgnbd', '--lapsed-below', '0.2']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[1]).toMatch(/^1,active,0\.72\d{4},,$/);
    const refused = await run(['score', '--summary', summary]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('comeback: --method cadence needs visit dates, which a summary file does not have: use --transactions, or --method bgnbd with --summary\n');
  });
});

describe('comeback lapse holdout', () => {
  it('prints precision and recall of both methods against the holdout period', async () => {
    const r = await run(['holdout', '--transactions', transactions, '--calibration-end', '1997-09-30', '--holdout-end', '1998-06-30']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ clients: 2357, eligible: 440, noVisitInHoldout: 134 });
    for (const method of ['cadence', 'bgnbd']) {
      for (const rule of ['lapsed', 'atRiskOrLapsed']) {
        const c = out[method][rule];
        expect(c.tp + c.fp + c.fn + c.tn).toBe(440);
        expect(c.precision).toBeCloseTo(c.tp / (c.tp + c.fp), 12);
        expect(c.recall).toBeCloseTo(c.tp / (c.tp + c.fn), 12);
      }
    }
  });
});

describe('bad input', () => {
  it('names the file, line and column, exits 2, no stack trace', async () => {
    const bad = dir.write('visits.csv', 'client_id,date\n1,2024-01-05\n1,2024-02-05\n2,2024-13-01\n');
    const r = await run(['fit', '--transactions', bad, '--calibration-end', '2024-06-30']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('comeback: visits.csv line 4, column "date": "2024-13-01" is not a date (YYYY-MM-DD)\n');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).toBe('');
  });

  it('rejects a bad option value the same way', async () => {
    const r = await run(['score', '--transactions', transactions, '--calibration-end', '30/09/1997']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('comeback: --calibration-end: "30/09/1997" is not a date (YYYY-MM-DD)\n');
  });
});
