import 'reflect-metadata';
import { createTestDatabase, type TestDatabase } from '@comeback/testing';
import { createDataSource } from './data-source';
import { ConsentHistoryTimeIndex1765100000000 } from './migrations/1765100000000-consent-history-time-index';

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
      for (let i = 0; i < ds.migrations.length; i++) await ds.undoLastMigration();
      const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
      expect(rows[0].n).toBe(0);
      await ds.runMigrations();
      const after = await db.pool.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'`);
      expect(after.rows[0].n).toBe(40);
    } finally {
      await ds.destroy();
    }
  });
});

describe('per-organization partitions of clients, consent history, visits and payments', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db.drop());

  const indexesOf = async (table: string) =>
    (await db.pool.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`, [table])).rows.map((r) =>
      r.indexdef.replace(/^.* USING /, ''),
    );

  it('are created with their indexes when an organization is created, and dropped with it', async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO organizations (slug, name, timezone, default_locale, currency, country) VALUES ('p1', 'P', 'UTC', 'en', 'EUR', 'DE') RETURNING id`,
    );
    const hex = rows[0].id.replace(/-/g, '');
    expect(await indexesOf(`clients_${hex}`)).toEqual([
      'btree (email) WHERE (email IS NOT NULL)',
      'btree (external_id)',
      'btree (phone) WHERE (phone IS NOT NULL)',
      'btree (organization_id, id)',
      'btree (viber_id) WHERE (viber_id IS NOT NULL)',
    ]);
    expect(await indexesOf(`consent_changes_${hex}`)).toEqual(['btree (client_id, changed_at)', 'btree (changed_at)']);
    expect(await indexesOf(`visits_${hex}`)).toEqual(['btree (client_id, visited_at) INCLUDE (amount)', 'brin (created_at)', 'btree (external_id)']);
    expect(await indexesOf(`payment_events_${hex}`)).toEqual(['btree (client_id, occurred_at)', 'brin (created_at)', 'btree (external_id)']);
    const unique = await db.pool.query(`SELECT indexname FROM pg_indexes WHERE tablename = $1 AND indexdef LIKE 'CREATE UNIQUE%'`, [`visits_${hex}`]);
    expect(unique.rows).toEqual([{ indexname: `visits_${hex}_external` }]);

    await db.pool.query(`INSERT INTO clients (organization_id, external_id, name) VALUES ($1, 'c1', 'A')`, [rows[0].id]);
    // Each partition fills in its own organization when a bulk load leaves the column out.
    await db.pool.query(`INSERT INTO visits_${hex} (external_id, client_id, visited_at, amount, currency) VALUES ('v1', 1, now(), 1, 'EUR')`);
    expect((await db.pool.query(`SELECT organization_id FROM visits WHERE external_id = 'v1' AND organization_id = $1`, [rows[0].id])).rowCount).toBe(1);
    await db.pool.query(`DELETE FROM organizations WHERE id = $1`, [rows[0].id]);
    const left = await db.pool.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE $1`, [`%${hex}%`]);
    expect(left.rows[0].n).toBe(0);
  });

  it("get the consent history's (changed_at) index: not after its migration's down, then for organizations made before it, and back after a bulk load", async () => {
    const ds = createDataSource(db.url);
    await ds.initialize();
    const runner = ds.createQueryRunner();
    const migration = new ConsentHistoryTimeIndex1765100000000();
    try {
      await migration.down(runner);
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO organizations (slug, name, timezone, default_locale, currency, country) VALUES ('p-before', 'P', 'UTC', 'en', 'EUR', 'DE') RETURNING id`,
      );
      const table = `consent_changes_${rows[0].id.replace(/-/g, '')}`;
      expect(await indexesOf(table)).toEqual(['btree (client_id, changed_at)']);
      await db.pool.query(`INSERT INTO ${table} (client_id, channel, status, source) VALUES (1, 'sms', 'granted', 'spec')`);
      await migration.up(runner);
      expect(await indexesOf(table)).toEqual(['btree (client_id, changed_at)', 'btree (changed_at)']);
      // A bulk load drops it with the others and the rebuild makes it again.
      await db.pool.query(`SELECT comeback_drop_org_partition_indexes('consent_changes', $1)`, [rows[0].id]);
      expect(await indexesOf(table)).toEqual([]);
      await db.pool.query(`SELECT comeback_create_org_partitions($1)`, [rows[0].id]);
      expect(await indexesOf(table)).toEqual(['btree (client_id, changed_at)', 'btree (changed_at)']);
    } finally {
      await runner.release();
      await ds.destroy();
    }
  });

  it("route each organization's rows to its own table and refuse a repeated external id within it", async () => {
    const ids = [];
    for (const slug of ['p2', 'p3']) {
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO organizations (slug, name, timezone, default_locale, currency, country) VALUES ($1, 'P', 'UTC', 'en', 'EUR', 'DE') RETURNING id`,
        [slug],
      );
      ids.push(rows[0].id);
    }
    const insert = (org: string) =>
      db.pool.query(`INSERT INTO visits (organization_id, external_id, client_id, visited_at, amount, currency) VALUES ($1, 'v1', 1, now(), 1, 'EUR')`, [org]);
    await insert(ids[0]);
    await insert(ids[1]);
    await expect(insert(ids[0])).rejects.toMatchObject({ code: '23505' });
    const { rows } = await db.pool.query(`SELECT tableoid::regclass::text AS t FROM visits WHERE organization_id = ANY($1) ORDER BY 1`, [ids]);
    expect(rows.map((r) => r.t).sort()).toEqual(ids.map((id) => `visits_${id.replace(/-/g, '')}`).sort());
  });
});
