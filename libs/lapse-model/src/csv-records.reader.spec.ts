import { tempDir } from '@comeback/testing';
import { readCsvBatches } from './csv-records.reader';
import { LapseInputError } from './lapse-input.error';

const dir = tempDir();
afterAll(() => dir.remove());

async function read(content: string): Promise<{ line: number; fields: string[] }[]> {
  const out = [];
  for await (const batch of readCsvBatches(dir.write('t.csv', content))) out.push(...batch);
  return out;
}

describe('readCsvBatches', () => {
  it('reads plain records with LF or CRLF line ends and a byte order mark', async () => {
    const want = [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', ''] },
    ];
    expect(await read('a,b\n1,2\n3,\n')).toEqual(want);
    expect(await read('\ufeffa,b\r\n1,2\r\n3,')).toEqual(want);
  });

  it('handles quotes: commas, doubled quotes and line breaks inside, and counts lines through them', async () => {
    expect(await read('id,note\n1,"a, ""b""\nc"\n2,x\n')).toEqual([
      { line: 1, fields: ['id', 'note'] },
      { line: 2, fields: ['1', 'a, "b"\nc'] },
      { line: 4, fields: ['2', 'x'] },
    ]);
    expect(await read('a\n""\n')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: [''] },
    ]);
  });

  it('skips blank lines but keeps their line numbers', async () => {
    expect(await read('a,b\n\n1,2\n\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', '2'] },
    ]);
  });

  it('reads records that straddle its 1 MB chunks', async () => {
    const rows = Array.from({ length: 120_000 }, (_, i) => `${i},"q""${i}",2024-01-01`);
    const file = dir.write('big.csv', `id,q,date\n${rows.join('\n')}\n`);
    let batches = 0;
    for await (const batch of readCsvBatches(file)) if (batch.length) batches++;
    expect(batches).toBeGreaterThan(1);
    const records = await read(`id,q,date\n${rows.join('\n')}\n`);
    expect(records).toHaveLength(120_001);
    expect(records[99_999]).toEqual({ line: 99_999 + 1, fields: ['99998', 'q"99998', '2024-01-01'] });
    expect(records[120_000].line).toBe(120_001);
  });

  it('names the line of malformed quoting', async () => {
    await expect(read('a,b\n1,"x"y\n')).rejects.toThrow('t.csv line 2: unexpected character after a closing quote on line 2');
    const err = await read('a,b\n1,2\n3,"open\n\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LapseInputError);
    expect(err).toMatchObject({ line: 3, message: 't.csv line 3: unterminated quoted field starting on line 3' });
  });

  it('reads an empty file as no records, and says when the file cannot be read', async () => {
    await expect(read('')).resolves.toEqual([]);
    const missing = async () => {
      for await (const batch of readCsvBatches(`${dir.path}/nope.csv`)) void batch;
    };
    await expect(missing()).rejects.toThrow(/cannot read .*nope\.csv: no such file/);
  });
});
