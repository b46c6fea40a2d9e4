import path from 'node:path';
import { tempDir } from '@comeback/testing';
import { cdnowDir } from './cdnow-data.fixture';
import { LapseInputError } from './lapse-input.error';
import { readSummaryCsv } from './summary-csv.reader';

const dir = tempDir();
afterAll(() => dir.remove());

describe('readSummaryCsv', () => {
  it('reads the published CDNOW summary', async () => {
    const { ids, summaries } = await readSummaryCsv(path.join(cdnowDir(), 'cdnow_customers_summary.csv'));
    expect(ids).toHaveLength(2357);
    expect([ids[0], summaries.x[0], summaries.tx[0], summaries.T[0]]).toEqual(['1', 2, 30.43, 38.86]);
  });

  it('takes client_id as the id column, or numbers the rows when there is none', async () => {
    const named = await readSummaryCsv(dir.write('a.csv', 'client_id,T,recency,frequency\nann,10,4,2\n'));
    expect(named.ids).toEqual(['ann']);
    expect([named.summaries.x[0], named.summaries.tx[0], named.summaries.T[0]]).toEqual([2, 4, 10]);
    const numbered = await readSummaryCsv(dir.write('b.csv', 'frequency,recency,T\n0,0,5\n1,2,5\n'));
    expect(numbered.ids).toEqual(['1', '2']);
  });

  it('names the line and column of bad input', async () => {
    const cases: [string, string][] = [
      ['ID,frequency,recency,T\n1,2,3,4\n2,x,3,4\n', 'summary.csv line 3, column "frequency": "x" is not a number'],
      ['ID,frequency,recency,T\n1,1.5,3,4\n', 'summary.csv line 2, column "frequency": 1.5 is not a whole number of repeat visits'],
      ['ID,frequency,recency,T\n1,2,-3,4\n', 'summary.csv line 2, column "recency": -3 is negative'],
      ['ID,frequency,recency,T\n1,2,5,4\n', 'summary.csv line 2, column "recency": 5 is more than T (4): the last visit cannot come after the end of the period'],
      ['ID,frequency,recency,T\n1,0,2,4\n', 'summary.csv line 2, column "recency": is 2 but frequency is 0 (no repeat visit, so recency must be 0)'],
      ['ID,frequency,recency,T\n1,2,3,\n', 'summary.csv line 2, column "T": "" is not a number'],
      ['ID,frequency,T\n1,2,3\n', 'summary.csv line 1, column "recency": no such column in the header (found: "ID", "frequency", "T"); a summary file has frequency, recency and T'],
      ['ID,frequency,recency,T\n1,2,3\n', 'summary.csv line 2: 3 fields, but the header has 4'],
    ];
    for (const [content, message] of cases) {
      const err = await readSummaryCsv(dir.write('summary.csv', content)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LapseInputError);
      expect((err as Error).message).toBe(message);
    }
  });
});
