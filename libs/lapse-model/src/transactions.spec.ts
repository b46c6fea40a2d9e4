import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@comeback/testing';
import { fitBgNbd } from './bgnbd';
import { formatIsoDay, parseIsoDay } from './calendar-day';
import { cdnowDir, cdnowTransactionsCsv } from './cdnow-data.fixture';
import { LapseInputError } from './lapse-input.error';
import { ClientHistories, readTransactions, summarise, summariseAll } from './transactions';

const dir = tempDir();
afterAll(() => dir.remove());
const day = (iso: string) => parseIsoDay(iso)!;

describe('calendar days', () => {
  it('reads the date as written, from a date or a date-time with any offset', () => {
    expect(day('1970-01-01')).toBe(0);
    expect(day('1997-09-30')).toBe(10134);
    expect(day('2024-03-05T23:30:00+04:00')).toBe(day('2024-03-05'));
    expect(day('2024-03-05 01:00')).toBe(day('2024-03-05'));
    expect(day('2024-03-05T01:00:00.123Z')).toBe(day('2024-03-05'));
    expect(day('2024-02-29')).toBe(day('2024-02-28') + 1);
    for (const bad of ['2024-13-01', '2023-02-29', '2024-04-31', '2024-00-10', '2024-01-00', '1900-02-29', '24-01-01', '2024-1-5', '2024-01-5x', '05/03/2024', '', '2024-03-05T', '2024-03-05 noon', '2024-03-05x']) {
      expect(parseIsoDay(bad)).toBeNull();
    }
    expect(formatIsoDay(day('1997-09-30'))).toBe('1997-09-30');
    // Every day from 1899 to 2101 agrees with Date, both ways.
    for (let d = Date.UTC(1899, 0, 1) / 86_400_000; d <= Date.UTC(2101, 11, 31) / 86_400_000; d++) {
      const iso = new Date(d * 86_400_000).toISOString().slice(0, 10);
      if (parseIsoDay(iso) !== d || formatIsoDay(d) !== iso) throw new Error(`day ${d} (${iso}) read back as ${parseIsoDay(iso)}`);
    }
    expect(formatIsoDay(day('1997-09-30') + 0.5)).toBe('1997-09-30');
  });
});

describe('readTransactions', () => {
  it('groups visit days per client, sorted and distinct, in order of first appearance', async () => {
    const file = dir.write('t.csv', 'date,amount,client_id\n2024-01-10,5,b\n2024-01-01,1,a\n2024-01-03T10:00:00,2,a\n2024-01-01,3,a\n2024-01-02,9,b\n');
    const { histories, rows } = await readTransactions(file);
    expect(rows).toBe(5);
    expect(histories.ids.map((id, i) => [id, Array.from(histories.daysOf(i), formatIsoDay)])).toEqual([
      ['b', ['2024-01-02', '2024-01-10']],
      ['a', ['2024-01-01', '2024-01-03']],
    ]);
  });

  it('groups many interleaved rows exactly as a plain grouping does', async () => {
    const lists = new Map<string, number[]>();
    const lines = ['client_id,date'];
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let r = 0; r < 20_000; r++) {
      // Long ids (over 12 characters) too: they are copied out of the read buffer.
      const id = `client-${Math.floor(next() * 700)}${r % 3 ? '' : '-with-a-long-suffix'}`;
      const d = 19_000 + Math.floor(next() * 400);
      lines.push(`${id},${formatIsoDay(d)}`);
      if (!lists.has(id)) lists.set(id, []);
      lists.get(id)!.push(d);
    }
    const { histories, rows } = await readTransactions(dir.write('many.csv', lines.join('\n')));
    expect(rows).toBe(20_000);
    const want = ClientHistories.fromLists([...lists].map(([id, days]) => ({ id, days })));
    expect(histories.ids).toEqual(want.ids);
    expect(Array.from(histories.offsets)).toEqual(Array.from(want.offsets));
    expect(Array.from(histories.days)).toEqual(Array.from(want.days));
  });

  it('takes other column names', async () => {
    const file = dir.write('o.csv', 'Customer,Visited\nx,2024-05-01\n');
    const { histories } = await readTransactions(file, { idColumn: 'customer', dateColumn: 'visited' });
    expect(histories.ids).toEqual(['x']);
    expect(Array.from(histories.daysOf(0))).toEqual([day('2024-05-01')]);
  });

  it('names the line and column of bad input', async () => {
    const cases: [string, string, number, string | undefined][] = [
      ['client_id,date\na,2024-01-01\nb,2024-13-01\n', 'transactions.csv line 3, column "date": "2024-13-01" is not a date (YYYY-MM-DD)', 3, 'date'],
      ['client_id,date\n ,2024-01-01\n', 'transactions.csv line 2, column "client_id": the client id is empty', 2, 'client_id'],
      ['client_id,date\na,2024-01-01,7\n', 'transactions.csv line 2: 3 fields, but the header has 2', 2, undefined],
      ['client,date\na,2024-01-01\n', 'transactions.csv line 1, column "client_id": no such column in the header (found: "client", "date"); name the right one with --id-column', 1, 'client_id'],
    ];
    for (const [content, message, line, column] of cases) {
      const err = await readTransactions(dir.write('transactions.csv', content)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LapseInputError);
      expect(err).toMatchObject({ message, line, column });
    }
    await expect(readTransactions(dir.write('empty.csv', ''))).rejects.toThrow('empty.csv is empty');
  });
});

describe('summarise', () => {
  const cal = day('2024-03-31');

  it('counts repeat days up to the calibration end, in days or weeks', () => {
    const days = [day('2024-01-01'), day('2024-01-15'), day('2024-01-15'), day('2024-03-01'), day('2024-04-10')];
    expect(summarise(days, cal, 'day')).toEqual({ x: 2, tx: 60, T: 90 });
    expect(summarise(days, cal, 'week')).toEqual({ x: 2, tx: 60 / 7, T: 90 / 7 });
    expect(summarise([day('2024-03-31')], cal, 'day')).toEqual({ x: 0, tx: 0, T: 0 });
  });

  it('leaves out clients whose first visit is after the calibration end', () => {
    expect(summarise([day('2024-04-01')], cal, 'day')).toBeNull();
    const histories = ClientHistories.fromLists([
      { id: 'late', days: [day('2024-04-01')] },
      { id: 'early', days: [day('2024-01-01'), day('2024-02-01'), day('2024-02-01'), day('2024-05-01')] },
    ]);
    const { ids, clients, summaries } = summariseAll(histories, cal, 'day');
    expect(ids).toEqual(['early']);
    expect(Array.from(clients)).toEqual([1]);
    expect([summaries.x[0], summaries.tx[0], summaries.T[0]]).toEqual([1, 31, 90]);
    expect(summarise(histories.daysOf(1), cal, 'day')).toEqual({ x: 1, tx: 31, T: 90 });
  });
});

describe('CDNOW rebuilt from its transactions', () => {
  it('gives the published summaries and the published fit', async () => {
    const { histories, rows } = await readTransactions(dir.write('cdnow.csv', cdnowTransactionsCsv()));
    expect(rows).toBe(6919);
    expect(histories.size).toBe(2357);
    const { ids, summaries } = summariseAll(histories, day('1997-09-30'), 'week');

    const published = new Map(
      readFileSync(path.join(cdnowDir(), 'cdnow_customers_summary.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => {
          const [id, x, tx, T] = line.split(',');
          return [id, [Number(x), Number(tx), Number(T)]] as const;
        }),
    );
    expect(ids.length).toBe(published.size);
    let totalX = 0;
    ids.forEach((id, i) => {
      const [x, tx, T] = published.get(id)!;
      expect(summaries.x[i]).toBe(x);
      expect(Math.abs(summaries.tx[i] - tx)).toBeLessThan(0.006);
      expect(Math.abs(summaries.T[i] - T)).toBeLessThan(0.006);
      totalX += summaries.x[i];
    });
    expect(totalX).toBe(2457);

    const fit = fitBgNbd(summaries);
    expect([fit.r, fit.alpha, fit.a, fit.b, fit.logLikelihood].map((v) => Number(v.toPrecision(3)))).toEqual([0.243, 4.41, 0.793, 2.43, -9580]);
    expect(fit.logLikelihood).toBeCloseTo(-9582.4, 0);
  });
});
