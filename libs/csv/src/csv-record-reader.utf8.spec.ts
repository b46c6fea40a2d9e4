import { CsvRecordReader, CsvSyntaxError } from './csv-record-reader';

/** Reads bytes in chunks of `size`; the records read and the error, if any. */
function read(bytes: Buffer, size = bytes.length): { records: string[][]; error: unknown } {
  const records: string[][] = [];
  const r = new CsvRecordReader((fields) => records.push(fields));
  try {
    for (let i = 0; i < bytes.length; i += size) r.push(bytes.subarray(i, i + size));
    r.end();
    return { records, error: null };
  } catch (error) {
    return { records, error };
  }
}

describe('CsvRecordReader and bytes that are not UTF-8', () => {
  // Georgian (3-byte characters) before the bad byte, so that chunk boundaries fall inside characters.
  const bytes = Buffer.concat([Buffer.from('id,name\n1,ნინო ბერიძე\n2,Ren'), Buffer.from([0xe9]), Buffer.from('e Dupont\n3,Ana\n')]);

  it('refuses them with the line they are on, after reading the records before it, whatever the chunk boundaries', () => {
    for (let size = 1; size <= 9; size++) {
      const { records, error } = read(bytes, size);
      expect([size, error]).toEqual([size, expect.any(CsvSyntaxError)]);
      expect([size, (error as CsvSyntaxError).line, (error as CsvSyntaxError).message]).toEqual([size, 3, 'bytes that are not UTF-8 on line 3 (save the file as UTF-8)']);
      expect(records).toEqual([['id', 'name'], ['1', 'ნინო ბერიძე']]);
    }
  });

  it('refuses a file that ends inside a character', () => {
    const cut = Buffer.from('id,name\n1,ნინო', 'utf8');
    const { error } = read(cut.subarray(0, cut.length - 1));
    expect(error).toEqual(expect.objectContaining({ line: 2 }));
  });

  it('takes a valid file (byte-order mark included) without a problem', () => {
    expect(read(Buffer.from('\uFEFFid,name\n1,ნინო\n', 'utf8'), 2)).toEqual({ records: [['id', 'name'], ['1', 'ნინო']], error: null });
  });
});
