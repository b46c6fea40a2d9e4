import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/**
 * Runs `COPY (query) TO STDOUT` and reads its rows of whole numbers straight into one
 * Float64Array per column, growing them as rows arrive. For the BG/NBD fit's hundreds of thousands
 * of summaries this keeps memory to 8 bytes a value instead of a JavaScript object per row.
 */
export async function readNumberColumns(client: PoolClient, query: string, columnCount: number): Promise<Float64Array[]> {
  let capacity = 1 << 16;
  let columns = Array.from({ length: columnCount }, () => new Float64Array(capacity));
  let rows = 0;
  let column = 0;
  let value = 0;
  let negative = false;
  const stream = client.query(copyTo(`COPY (${query}) TO STDOUT`));
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
      else if (c === 45) negative = true;
      else if (c === 9 || c === 10) {
        if (rows === capacity) {
          capacity *= 2;
          columns = columns.map((old) => {
            const grown = new Float64Array(capacity);
            grown.set(old);
            return grown;
          });
        }
        columns[column][rows] = negative ? -value : value;
        value = 0;
        negative = false;
        if (c === 9) column++;
        else {
          if (column !== columnCount - 1) throw new Error(`COPY row ${rows + 1} has ${column + 1} columns, expected ${columnCount}`);
          column = 0;
          rows++;
        }
      } else {
        throw new Error(`COPY row ${rows + 1}: not a whole number (byte ${c})`);
      }
    }
  }
  return columns.map((c) => c.subarray(0, rows));
}
