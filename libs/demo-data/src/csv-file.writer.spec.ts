import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvField } from '@comeback/csv';
import { CsvFileWriter } from './csv-file.writer';
import { readStrictCsv } from './strict-csv.reader';

describe('csvField', () => {
  it('quotes only fields with a comma, a double quote, CR or LF, doubling inner quotes', () => {
    expect(csvField('plain text')).toBe('plain text');
    expect(csvField("O'Brien")).toBe("O'Brien");
    expect(csvField('Beridze, Nino')).toBe('"Beridze, Nino"');
    expect(csvField('William "Bill" Smith')).toBe('"William ""Bill"" Smith"');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField('')).toBe('');
  });
});

describe('CsvFileWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csv-writer-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('writes the header and every line, in order, across many chunks and multi-byte text', async () => {
    const path = join(dir, 'out.csv');
    const writer = new CsvFileWriter(path, ['id', 'name']);
    const expected: string[] = ['id,name'];
    let flushesNeeded = 0;
    for (let i = 0; i < 150_000; i++) {
      const name = i % 3 === 0 ? `გიორგი ${i}` : i % 3 === 1 ? `"Quoted", ${i}` : `ສົມພອນ ${i}`;
      const line = `${i},${csvField(name)}`;
      writer.appendLine(`${line}\n`);
      expected.push(line);
      if (writer.needsFlush) {
        flushesNeeded++;
        await writer.flush();
      }
    }
    await writer.close();
    expect(writer.rowCount).toBe(150_000);
    const text = await readFile(path, 'utf8');
    expect(text).toBe(`${expected.join('\n')}\n`);
    expect(Buffer.byteLength(text)).toBeGreaterThan(4 << 20); // several 1 MB chunks went through
    expect(flushesNeeded).toBeGreaterThan(0); // backpressure was signalled and honoured
    const { rows } = readStrictCsv(text);
    expect(rows[1]).toEqual(['1', '"Quoted", 1']);
  });

  it('writes just the header for no rows', async () => {
    const path = join(dir, 'empty.csv');
    const writer = new CsvFileWriter(path, ['a', 'b']);
    await writer.close();
    expect(await readFile(path, 'utf8')).toBe('a,b\n');
  });

  it('reports a stream error instead of crashing', async () => {
    const writer = new CsvFileWriter(join(dir, 'missing-dir', 'x.csv'), ['a']);
    writer.appendLine('1\n');
    await expect(writer.close()).rejects.toThrow(/ENOENT/);
  });
});

describe('readStrictCsv (the specs\' reader)', () => {
  it('rejects what the generator must never write', () => {
    expect(() => readStrictCsv('a,b\n1,2')).toThrow(/end with a newline/);
    expect(() => readStrictCsv('a,b\n1,2,3\n')).toThrow(/fields/);
    expect(() => readStrictCsv('a,b\n"x",2\n')).toThrow(/Needlessly quoted/);
    expect(() => readStrictCsv('a,b\nx"y,2\n')).toThrow(/quote/);
    expect(() => readStrictCsv('a,b\r\n1,2\r\n')).toThrow();
    expect(readStrictCsv('a,b\n"x,""y""",\n').rows).toEqual([['x,"y"', '']]);
  });
});
