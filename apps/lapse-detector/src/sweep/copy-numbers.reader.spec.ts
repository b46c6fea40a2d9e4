import { createTestDatabase, type TestDatabase } from '@comeback/testing';
import { readNumberColumns } from './copy-numbers.reader';

describe('readNumberColumns (COPY into typed arrays)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  it('reads every row into its columns, negative numbers and growth past the first capacity included', async () => {
    const client = await db.pool.connect();
    try {
      const [a, b] = await readNumberColumns(client, `SELECT g, -g * 2 FROM generate_series(1, 70000) AS g`, 2);
      expect(a.length).toBe(70000);
      expect([a[0], b[0], a[69999], b[69999]]).toEqual([1, -2, 70000, -140000]);
      const [empty] = await readNumberColumns(client, `SELECT 1 WHERE false`, 1);
      expect(empty.length).toBe(0);
    } finally {
      client.release();
    }
  });

  it('refuses a row of the wrong width or a value that is not a whole number', async () => {
    const client = await db.pool.connect();
    try {
      await expect(readNumberColumns(client, `SELECT 1, 2`, 3)).rejects.toThrow('COPY row 1 has 2 columns, expected 3');
      await expect(readNumberColumns(client, `SELECT 1.5`, 1)).rejects.toThrow('COPY row 1: not a whole number');
    } finally {
      client.release();
    }
  });
});
