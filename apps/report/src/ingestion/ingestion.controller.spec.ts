import { createHash } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApiKey, revokeApiKeys } from '@comeback/ingestion';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, type OrganizationRow, type TestDatabase } from '@comeback/testing';
import { loadConfig } from '@comeback/config';
import { REPORT_ENV } from '../config';
import { IngestionModule } from './ingestion.module';

describe('ingestion API (report app)', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let org: OrganizationRow;
  let other: OrganizationRow;
  let key: string;
  let otherKey: string;
  const http = () => request(app.getHttpServer());
  const post = (orgId: string, kind: string, body: unknown, apiKey: string | null = key) => {
    const r = http().post(`/api/v1/organizations/${orgId}/${kind}`).send(body as object);
    return apiKey ? r.set('Authorization', `Bearer ${apiKey}`) : r;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('report', REPORT_ENV, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error',
    });
    app = await createNestApp({ app: 'report', config, imports: [IngestionModule], jsonBodyLimit: '20mb' });
    await app.init();
    const make = factories(db.pool);
    org = await make.organization({ country: 'GE' });
    other = await make.organization({ country: 'TR', timezone: 'Europe/Istanbul', currency: 'TRY' });
    key = (await createApiKey(db.pool, org.id, 'test')).key;
    otherKey = (await createApiKey(db.pool, other.id, 'test')).key;
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const clients = [
    { external_id: 'c1', name: 'ნინო ბერიძე', phone: '555 12 34 56', locale: 'ka', consent_sms: 'yes' },
    { external_id: 'c2', name: 'Ayşe Kaya', phone: '+90 532 123 45 67', email: 'ayse@example.com' },
  ];

  it('answers /health with PostgreSQL and Redis checked', async () => {
    const res = await http().get('/health').expect(200);
    expect(res.body.checks).toEqual({
      postgres: expect.objectContaining({ status: 'up' }),
      redis: expect.objectContaining({ status: 'up' }),
    });
  });

  it('refuses a request without a key (401)', async () => {
    const res = await post(org.id, 'clients', { records: clients }, null).expect(401);
    expect(res.body.error).toBe('API_KEY_MISSING');
  });

  it('refuses a wrong or malformed key (401)', async () => {
    const forged = key.slice(0, -4) + (key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await post(org.id, 'clients', { records: clients }, forged).expect(401)).body.error).toBe('API_KEY_INVALID');
    expect((await post(org.id, 'clients', { records: clients }, 'not-a-key').expect(401)).body.error).toBe('API_KEY_INVALID');
  });

  it("refuses another organization's key (403) and writes nothing", async () => {
    const res = await post(org.id, 'clients', { records: clients }, otherKey).expect(403);
    expect(res.body.error).toBe('API_KEY_WRONG_ORGANIZATION');
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM clients');
    expect(rows[0].n).toBe(0);
  });

  it('upserts a batch, and the same batch again changes nothing', async () => {
    const first = await post(org.id, 'clients', { records: clients }).expect(200);
    expect(first.body).toEqual({ kind: 'clients', received: 2, inserted: 2, updated: 0, unchanged: 0 });
    const again = await post(org.id, 'clients', { records: clients }).expect(200);
    expect(again.body).toEqual({ kind: 'clients', received: 2, inserted: 0, updated: 0, unchanged: 2 });
    const visits = [
      { external_id: 'v1', client_external_id: 'c1', visited_at: '2024-03-05 14:30', amount: 85 },
      { external_id: 'v2', client_external_id: 'c2', visited_at: '2024-03-06T09:00:00Z', amount: '40.50', currency: 'usd' },
    ];
    expect((await post(org.id, 'visits', { records: visits }).expect(200)).body).toMatchObject({ inserted: 2 });
    expect((await post(org.id, 'visits', { records: visits }).expect(200)).body).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 });
    const payments = [{ external_id: 'p1', client_external_id: 'c1', occurred_at: '2024-03-01', status: 'failed', amount: 85, failure_code: 'card_expired' }];
    expect((await post(org.id, 'payment-events', { records: payments }).expect(200)).body).toMatchObject({ kind: 'payments', inserted: 1 });
    const { rows } = await db.pool.query(
      `SELECT c.external_id, c.phone, c.consent_sms, count(v.external_id)::int AS visits FROM clients c LEFT JOIN visits v ON v.client_id = c.id
       WHERE c.organization_id = $1 GROUP BY c.organization_id, c.id ORDER BY 1`,
      [org.id],
    );
    expect(rows).toEqual([
      { external_id: 'c1', phone: '+995555123456', consent_sms: 'granted', visits: 1 },
      { external_id: 'c2', phone: '+905321234567', consent_sms: 'unknown', visits: 1 },
    ]);
    const history = await db.pool.query(`SELECT source FROM consent_changes WHERE organization_id = $1`, [org.id]);
    expect(history.rows).toEqual([{ source: expect.stringMatching(/^api:[0-9a-f-]{36}$/) }]);
  });

  it('refuses a batch with bad records (422), naming index and field, and writes none of it', async () => {
    const res = await post(org.id, 'clients', {
      records: [
        { external_id: 'c10', name: 'Good' },
        { external_id: 'c11', name: 'Bad phone', phone: '12' },
        { external_id: 'c12', name: { nested: true } },
        { external_id: 'c13', nmae: 'typo' },
      ],
    }).expect(422);
    expect(res.body.error).toBe('INGESTION_REJECTED');
    expect(res.body.problems).toEqual([{ index: 0, field: 'nmae', message: expect.stringContaining('is not a clients column') }]);
    const res2 = await post(org.id, 'clients', { records: [{ external_id: 'c10', name: 'Good' }, { external_id: 'c11', name: 'Bad', phone: '12' }, { external_id: 'c12', name: { x: 1 } }] }).expect(422);
    expect(res2.body.problems.map((p: { index: number; field: string }) => [p.index, p.field])).toEqual([
      [1, 'phone'],
      [2, 'name'],
    ]);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM clients WHERE external_id = 'c10'`);
    expect(rows[0].n).toBe(0);
    const refs = await post(org.id, 'visits', { records: [{ external_id: 'v9', client_external_id: 'ghost', visited_at: '2024-01-01', amount: 1 }] }).expect(422);
    expect(refs.body.problems).toEqual([{ index: 0, field: 'client_external_id', message: 'no client with external_id "ghost" in this organization' }]);
  });

  it("cannot reach another organization's clients by external id", async () => {
    await post(other.id, 'clients', { records: [{ external_id: 'x1', name: 'Other org client' }] }, otherKey).expect(200);
    const res = await post(org.id, 'visits', { records: [{ external_id: 'vx', client_external_id: 'x1', visited_at: '2024-01-01', amount: 1 }] }).expect(422);
    expect(res.body.problems[0].field).toBe('client_external_id');
  });

  it('takes 10,000 records and refuses 10,001; refuses a body without records (400)', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ external_id: `bulk${i}`, name: `Client ${i}` }));
    expect((await post(org.id, 'clients', { records: many }).expect(200)).body).toMatchObject({ received: 10_000, inserted: 10_000 });
    const tooMany = [...many, { external_id: 'bulk-extra', name: 'One more' }];
    const res = await post(org.id, 'clients', { records: tooMany }).expect(422);
    expect(res.body.problems[0].message).toContain('at most 10000 records');
    expect((await post(org.id, 'clients', { rows: [] }).expect(400)).body.error).toBe('BODY_INVALID');
    // An unknown collection is no route at all: 404 naming the path.
    expect((await post(org.id, 'patients', { records: [] }).expect(404)).body.message).toContain('/patients');
  });

  it('keeps serving after PostgreSQL drops its idle connections (restart, failover)', async () => {
    await post(org.id, 'staff', { records: [{ external_id: 's-before', name: 'Dr. Before' }] }).expect(200);
    const killed = await db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'comeback-report%'`,
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    await post(org.id, 'staff', { records: [{ external_id: 's-after', name: 'Dr. After' }] }).expect(200);
    expect((await http().get('/health').expect(200)).body.status).toBe('ok');
  });

  it('stops accepting a revoked key', async () => {
    const { key: temp } = await createApiKey(db.pool, org.id, 'temporary');
    await post(org.id, 'staff', { records: [{ external_id: 's1', name: 'Dr. A' }] }, temp).expect(200);
    await revokeApiKeys(db.pool, org.id, 'temporary');
    await post(org.id, 'staff', { records: [{ external_id: 's1', name: 'Dr. A' }] }, temp).expect(401);
  });

  it('stores only a SHA-256 of each key, never the key itself', async () => {
    // The secret is base64url and may itself contain "_": split on the first two only.
    const [, prefix, secret] = /^cbk_([0-9a-f]{12})_(.+)$/.exec(key) as RegExpExecArray;
    const { rows } = await db.pool.query(`SELECT secret_hash, row_to_json(api_keys)::text AS whole FROM api_keys WHERE prefix = $1`, [prefix]);
    expect(rows).toHaveLength(1);
    expect((rows[0].secret_hash as Buffer).equals(createHash('sha256').update(key).digest())).toBe(true);
    expect(rows[0].whole).not.toContain(secret);
  });
});
