import { CsvRecordReader, CsvSyntaxError } from './csv-record-reader';

function read(chunks: string[]): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  const r = new CsvRecordReader((fields, line) => out.push({ fields, line }));
  for (const c of chunks) r.push(Buffer.from(c, 'utf8'));
  r.end();
  return out;
}

describe('CsvRecordReader', () => {
  it('reads plain, quoted, CRLF and multi-line records with their starting line', () => {
    const text = 'a,b,c\r\n1,"x, y",3\n2,"say ""hi""",\n3,"two\nlines",z\n4,,\n';
    expect(read([text])).toEqual([
      { fields: ['a', 'b', 'c'], line: 1 },
      { fields: ['1', 'x, y', '3'], line: 2 },
      { fields: ['2', 'say "hi"', ''], line: 3 },
      { fields: ['3', 'two\nlines', 'z'], line: 4 },
      { fields: ['4', '', ''], line: 6 },
    ]);
  });

  it('gives the same records whatever the chunk boundaries, including inside UTF-8 characters', () => {
    const text = '\uFEFFid,name\n1,"ნინო, ბერიძე"\n2,Çağrı\n3,"ສົມ""ພອນ"\n4,বাংলা';
    const whole = read([text]);
    const bytes = Buffer.from(text, 'utf8');
    for (let size = 1; size <= 7; size++) {
      const out: { fields: string[]; line: number }[] = [];
      const r = new CsvRecordReader((fields, line) => out.push({ fields, line }));
      for (let i = 0; i < bytes.length; i += size) r.push(bytes.subarray(i, i + size));
      r.end();
      expect(out).toEqual(whole);
    }
    expect(whole[0].fields).toEqual(['id', 'name']);
    expect(whole[1].fields[1]).toBe('ნინო, ბერიძე');
    expect(whole[3].fields[1]).toBe('ສົມ"ພອນ');
    expect(whole[4]).toEqual({ fields: ['4', 'বাংলা'], line: 5 });
  });

  it('skips blank lines but keeps counting them', () => {
    expect(read(['a\n\n\nb\n'])).toEqual([
      { fields: ['a'], line: 1 },
      { fields: ['b'], line: 4 },
    ]);
  });

  it('reports an unterminated quote with the line it starts on', () => {
    expect(() => read(['a,b\n1,"open\n2,3\n'])).toThrow(CsvSyntaxError);
    try {
      read(['a,b\n1,"open\n2,3\n']);
    } catch (err) {
      expect((err as CsvSyntaxError).line).toBe(2);
    }
  });

  it('rejects text after a closing quote and a quote inside an unquoted field', () => {
    expect(() => read(['a\n"x"y,1\n'])).toThrow(/line 2/);
    expect(() => read(['a\n1,"ok"\nab"c,"d"\n'])).toThrow(/line 3/);
  });
});
