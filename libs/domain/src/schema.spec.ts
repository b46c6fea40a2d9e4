import 'reflect-metadata';
import { createTestDatabase, type TestDatabase } from '@comeback/testing';
import { createDataSource } from './data-source';

describe('committed migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  it('leave nothing for the entities to change (entities and migrations agree)', async () => {
    const ds = createDataSource(db.url);
    await ds.initialize();
    try {
      const pending = await ds.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('apply and roll back cleanly', async () => {
    const ds = createDataSource(db.url);
    await ds.initialize();
    try {
      await ds.undoLastMigration();
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
      expect(rows[0].n).toBe(0);
      await ds.runMigrations();
      const after = await db.pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
      expect(after.rows[0].n).toBe(10);
    } finally {
      await ds.destroy();
    }
  });
});
