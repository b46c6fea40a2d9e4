import { Pool } from 'pg';
import { createTestDatabase, factories, tempDir, type OrganizationRow, type TestDatabase } from '@comeback/testing';
import { importCsvFiles } from './csv-import';
import { IngestionRejectedError } from './problems';

const STAFF = 'external_id,name,role\ns1,Dr. Nino Beridze,dentist\ns2,Dr. Ali Yılmaz,doctor\n';
const SERVICES = 'external_id,name,category\nsvc1,Check-up,general\nsvc2,Cleaning,hygiene\n';
const CLIENTS = [
  'external_id,name,phone,email,viber_id,locale,timezone,consent_sms,consent_email',
  'c1,ნინო ბერიძე,555 12 34 56,Nino@Example.COM,,ka,,yes,',
  'c2,"Çağrı, Yılmaz",+90 532 123 45 67,,vb-2,tr-tr,Europe/Istanbul,no,granted',
  'c3,ສົມພອນ ແກ້ວ,+856 20 2345 6789,,,lo,Asia/Vientiane,,',
  'c4,ＦＵＬＬ Ｗｉｄｔｈ,,full@example.org,,en,,,',
].join('\n');
const VISITS = [
  'external_id,client_external_id,visited_at,amount,currency,staff_external_id,service_external_id',
  'v1,c1,2024-03-05 14:30,85.00,,s1,svc1',
  'v2,c1,2024-04-05T10:00:00Z,90,GEL,s2,',
  'v3,c2,2024-04-06,40.5,USD,,svc2',
  'v4,c3,2024-05-01T09:15:00+07:00,120,,s1,svc1',
].join('\n');
const PAYMENTS = 'external_id,client_external_id,occurred_at,status,amount,failure_code\np1,c1,2024-03-05,failed,85,card_expired\np2,c1,2024-03-06,succeeded,85,\n';

describe('importCsvFiles', () => {
  let db: TestDatabase;
  let org: OrganizationRow;
  const files = tempDir();
  const all = () => ({
    staff: files.write('staff.csv', STAFF),
    services: files.write('services.csv', SERVICES),
    clients: files.write('clients.csv', CLIENTS),
    visits: files.write('visits.csv', VISITS),
    payments: files.write('payments.csv', PAYMENTS),
  });
  const count = async (table: string) =>
    (await db.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE organization_id = $1`, [org.id])).rows[0].n as number;
  const rejection = async (p: Promise<unknown>): Promise<IngestionRejectedError> => {
    const err = await p.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(IngestionRejectedError);
    return err as IngestionRejectedError;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  beforeEach(async () => {
    org = await factories(db.pool).organization({ timezone: 'Asia/Tbilisi', country: 'GE', currency: 'GEL' });
  });
  afterAll(async () => {
    files.remove();
    await db.drop();
  });

  it('imports every kind, normalising phones, e-mail, names and local times', async () => {
    const result = await importCsvFiles(db.pool, org.slug, all());
    expect(result.counts.clients).toMatchObject({ received: 4, inserted: 4, updated: 0 });
    expect(result.counts.visits).toMatchObject({ received: 4, inserted: 4, updated: 0 });
    expect(result.counts.payments).toMatchObject({ received: 2, inserted: 2, updated: 0 });

    const clients = (
      await db.pool.query(`SELECT external_id, name, phone, email, viber_id, locale, timezone, consent_sms, consent_email FROM clients WHERE organization_id = $1 ORDER BY external_id`, [org.id])
    ).rows;
    expect(clients).toEqual([
      { external_id: 'c1', name: 'ნინო ბერიძე', phone: '+995555123456', email: 'Nino@example.com', viber_id: null, locale: 'ka', timezone: null, consent_sms: 'granted', consent_email: 'unknown' },
      { external_id: 'c2', name: 'Çağrı, Yılmaz', phone: '+905321234567', email: null, viber_id: 'vb-2', locale: 'tr-TR', timezone: 'Europe/Istanbul', consent_sms: 'revoked', consent_email: 'granted' },
      { external_id: 'c3', name: 'ສົມພອນ ແກ້ວ', phone: '+8562023456789', email: null, viber_id: null, locale: 'lo', timezone: 'Asia/Vientiane', consent_sms: 'unknown', consent_email: 'unknown' },
      { external_id: 'c4', name: 'FULL Width', phone: null, email: 'full@example.org', viber_id: null, locale: 'en', timezone: null, consent_sms: 'unknown', consent_email: 'unknown' },
    ]);

    const visits = (
      await db.pool.query(
        `SELECT v.external_id, to_char(v.visited_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS at, v.amount, v.currency, st.external_id AS staff, sv.external_id AS service
         FROM visits v LEFT JOIN staff_members st ON st.id = v.staff_member_id LEFT JOIN services sv ON sv.id = v.service_id
         WHERE v.organization_id = $1 ORDER BY v.external_id`,
        [org.id],
      )
    ).rows;
    expect(visits).toEqual([
      // 14:30 in Tbilisi (UTC+4), the organization's zone, since the value has no offset.
      { external_id: 'v1', at: '2024-03-05T10:30', amount: '85.00', currency: 'GEL', staff: 's1', service: 'svc1' },
      { external_id: 'v2', at: '2024-04-05T10:00', amount: '90.00', currency: 'GEL', staff: 's2', service: null },
      { external_id: 'v3', at: '2024-04-05T20:00', amount: '40.50', currency: 'USD', staff: null, service: 'svc2' },
      { external_id: 'v4', at: '2024-05-01T02:15', amount: '120.00', currency: 'GEL', staff: 's1', service: 'svc1' },
    ]);

    const consent = (await db.pool.query(`SELECT c.external_id, channel, status, source FROM consent_changes h JOIN clients c ON c.id = h.client_id WHERE h.organization_id = $1 ORDER BY 1, 2`, [org.id])).rows;
    expect(consent).toEqual([
      { external_id: 'c1', channel: 'sms', status: 'granted', source: 'import:clients.csv' },
      { external_id: 'c2', channel: 'email', status: 'granted', source: 'import:clients.csv' },
      { external_id: 'c2', channel: 'sms', status: 'revoked', source: 'import:clients.csv' },
    ]);
  });

  it('is idempotent: the same files again change nothing, not even row versions', async () => {
    await importCsvFiles(db.pool, org.id, all());
    const snapshot = async () =>
      (
        await db.pool.query(
          `SELECT 'c' || xmin::text || updated_at::text AS v FROM clients WHERE organization_id = $1
           UNION ALL SELECT 'v' || xmin::text FROM visits WHERE organization_id = $1
           UNION ALL SELECT 'p' || xmin::text FROM payment_events WHERE organization_id = $1
           UNION ALL SELECT 's' || xmin::text FROM staff_members WHERE organization_id = $1
           UNION ALL SELECT 'h' || count(*)::text FROM consent_changes WHERE organization_id = $1 ORDER BY 1`,
          [org.id],
        )
      ).rows;
    const before = await snapshot();
    const again = await importCsvFiles(db.pool, org.id, all());
    for (const kind of ['staff', 'services', 'clients', 'visits', 'payments'] as const) {
      expect(again.counts[kind]).toMatchObject({ inserted: 0, updated: 0 });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('updates changed rows only, and leaves columns the file lacks as they were', async () => {
    await importCsvFiles(db.pool, org.id, all());
    const update = files.write('update.csv', 'external_id,name,consent_sms\nc1,ნინო ბერიძე,revoked\nc2,Çağrı Yılmaz,\n');
    const r = await importCsvFiles(db.pool, org.id, { clients: update });
    // c1's consent changed and c2's name did: both rows are updated.
    expect(r.counts.clients).toMatchObject({ received: 2, inserted: 0, updated: 2 });
    const rows = (await db.pool.query(`SELECT external_id, name, phone, consent_sms FROM clients WHERE organization_id = $1 AND external_id IN ('c1','c2') ORDER BY 1`, [org.id])).rows;
    expect(rows).toEqual([
      { external_id: 'c1', name: 'ნინო ბერიძე', phone: '+995555123456', consent_sms: 'revoked' },
      // An empty consent cell states nothing: the earlier "revoked" stays.
      { external_id: 'c2', name: 'Çağrı Yılmaz', phone: '+905321234567', consent_sms: 'revoked' },
    ]);
    const history = (await db.pool.query(`SELECT status, source FROM consent_changes h JOIN clients c ON c.id = h.client_id WHERE c.organization_id = $1 AND c.external_id = 'c1' AND channel = 'sms' ORDER BY h.changed_at`, [org.id])).rows;
    expect(history).toEqual([
      { status: 'granted', source: 'import:clients.csv' },
      { status: 'revoked', source: 'import:update.csv' },
    ]);
  });

  it('is all or nothing: one bad visit leaves every table untouched and names its line and field', async () => {
    const paths = all();
    // Line 3 holds a quoted note spanning two lines, so the bad record starts on physical line 5.
    const bad = files.write(
      'visits-bad.csv',
      'external_id,client_external_id,visited_at,amount,currency,staff_external_id,service_external_id\n' +
        'v1,c1,2024-03-05 14:30,85.00,,s1,svc1\n' +
        'v2,"c1",2024-04-05T10:00:00Z,90,GEL,s2,\n' +
        'v3,c2,2024-04-06,40.5,USD,,svc2\n' +
        'v4,c3,2024-02-30,120,,s1,svc1\n',
    );
    const err = await rejection(importCsvFiles(db.pool, org.id, { ...paths, visits: bad }));
    expect(err.problems).toEqual([{ kind: 'visits', file: 'visits-bad.csv', position: 5, field: 'visited_at', message: '"2024-02-30" is not a day of the calendar' }]);
    expect(err.message).toContain('visits-bad.csv line 5, visited_at');
    for (const table of ['staff_members', 'services', 'clients', 'consent_changes', 'visits', 'payment_events']) {
      expect([table, await count(table)]).toEqual([table, 0]);
    }
  });

  it('counts physical lines across quoted line breaks', async () => {
    const clients = files.write('clients-ml.csv', 'external_id,name,phone\nc1,"Nino\nBeridze",555 12 34 56\nc2,Ali,12\n');
    const err = await rejection(importCsvFiles(db.pool, org.id, { clients }));
    expect(err.problems).toEqual([
      expect.objectContaining({ file: 'clients-ml.csv', position: 4, field: 'phone', message: expect.stringContaining('"12" is not a valid phone number') }),
    ]);
  });

  it('reports unknown references and every bad field in one run', async () => {
    const { staff, clients } = all();
    const visits = files.write(
      'visits-refs.csv',
      'external_id,client_external_id,visited_at,amount,staff_external_id\nv1,c1,2024-01-01,10,s1\nv2,ghost,2024-01-02,10,s1\nv3,c1,2024-01-03,10,s9\nv4,c1,yesterday,10,s1\n',
    );
    const err = await rejection(importCsvFiles(db.pool, org.id, { staff, clients, visits }));
    expect(err.problems.map((p) => [p.position, p.field])).toEqual([
      [3, 'client_external_id'],
      [4, 'staff_external_id'],
      [5, 'visited_at'],
    ]);
    expect(err.problems[0].message).toBe('no client with external_id "ghost" in this organization');
    expect(await count('clients')).toBe(0);
  });

  it('refuses a header with an unknown or missing column before reading rows', async () => {
    const visits = files.write('visits-header.csv', 'external_id,client,visited_at\nv1,c1,2024-01-01\n');
    const err = await rejection(importCsvFiles(db.pool, org.id, { visits }));
    expect(err.problems.map((p) => [p.position, p.field, p.message.split(' (')[0]])).toEqual([
      [1, 'client', 'is not a visits column'],
      [1, 'client_external_id', 'required column is missing'],
      [1, 'amount', 'required column is missing'],
    ]);
  });

  it('refuses a row with the wrong number of fields, and a failed payment without a failure code', async () => {
    const { clients } = all();
    const payments = files.write('payments-bad.csv', 'external_id,client_external_id,occurred_at,status,amount,failure_code\np1,c1,2024-01-01,failed,10,\np2,c1,2024-01-01,succeeded\n');
    const err = await rejection(importCsvFiles(db.pool, org.id, { clients, payments }));
    expect(err.problems.map((p) => [p.position, p.field ?? null])).toEqual([
      [2, 'failure_code'],
      [3, null],
    ]);
    expect(err.problems[1].message).toBe('has 4 fields, the header has 6');
  });

  it('applies rows in file order when an external id repeats, within and across chunks', async () => {
    const { clients } = all();
    const lines = ['external_id,client_external_id,visited_at,amount'];
    for (let i = 1; i <= 10; i++) lines.push(`v${i},c1,2024-01-${String(i).padStart(2, '0')},${i}`);
    lines.push('v2,c2,2024-02-01,200', 'v2,c2,2024-02-02,201', 'v9,c3,2024-02-03,900');
    const visits = files.write('visits-dup.csv', lines.join('\n'));
    const r = await importCsvFiles(db.pool, org.id, { clients, visits }, { chunkRows: 4 });
    expect(r.counts.visits).toMatchObject({ received: 13, inserted: 10 });
    const rows = (await db.pool.query(`SELECT v.external_id, c.external_id AS client, v.amount FROM visits v JOIN clients c ON c.id = v.client_id WHERE v.organization_id = $1 AND v.external_id IN ('v2','v9') ORDER BY 1`, [org.id])).rows;
    expect(rows).toEqual([
      { external_id: 'v2', client: 'c2', amount: '201.00' },
      { external_id: 'v9', client: 'c3', amount: '900.00' },
    ]);
    expect(await count('visits')).toBe(10);
  });

  it('loads a first import in bulk and later ones through upserts, with the same rows either way', async () => {
    // Enough rows to cross the loader's text batches (16K characters) and output buffers (1 MB).
    const n = 30_000;
    const clientLines = ['external_id,name,phone,consent_sms'];
    const visitLines = ['external_id,client_external_id,visited_at,amount'];
    for (let i = 0; i < n; i++) {
      clientLines.push(`c${i},Client ${i} ნინო,,${i % 3 === 0 ? 'yes' : ''}`);
      visitLines.push(`v${i},c${i % 1000},2024-01-${String((i % 28) + 1).padStart(2, '0')}T10:00:00Z,${i % 500}.25`);
    }
    const clients = files.write('bulk-clients.csv', clientLines.join('\n'));
    const visits = files.write('bulk-visits.csv', visitLines.join('\n'));
    const first = await importCsvFiles(db.pool, org.id, { clients, visits });
    expect(first.counts.clients).toMatchObject({ received: n, inserted: n, method: 'bulk' });
    expect(first.counts.visits).toMatchObject({ received: n, inserted: n, method: 'bulk' });
    const stats = async () =>
      (
        await db.pool.query(
          `SELECT (SELECT count(*)::int FROM visits WHERE organization_id = $1) AS visits,
                  (SELECT count(DISTINCT external_id)::int FROM visits WHERE organization_id = $1) AS distinct_visits,
                  (SELECT sum(amount)::text FROM visits WHERE organization_id = $1) AS amount,
                  (SELECT count(*)::int FROM consent_changes WHERE organization_id = $1) AS consent`,
          [org.id],
        )
      ).rows[0];
    const expectedAmount = Array.from({ length: n }, (_, i) => (i % 500) + 0.25).reduce((a, b) => a + b, 0);
    expect(await stats()).toEqual({ visits: n, distinct_visits: n, amount: expectedAmount.toFixed(2), consent: n / 3 });
    // The partition's indexes are back after the bulk load.
    const idx = await db.pool.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = $1`, [`visits_${org.id.replace(/-/g, '')}`]);
    expect(idx.rows[0].n).toBe(3); // external_id, (client_id, visited_at), BRIN on created_at

    const again = await importCsvFiles(db.pool, org.id, { clients, visits });
    expect(again.counts.visits).toMatchObject({ received: n, inserted: 0, updated: 0, method: 'upsert' });
    expect(await stats()).toEqual({ visits: n, distinct_visits: n, amount: expectedAmount.toFixed(2), consent: n / 3 });
  });

  it('keeps organizations apart: the same external ids in two organizations are two clients', async () => {
    const other = await factories(db.pool).organization({ country: 'TR', timezone: 'Europe/Istanbul', currency: 'TRY' });
    const clients = files.write('c.csv', 'external_id,name,phone\nc1,Ayşe,0532 123 45 67\n');
    await importCsvFiles(db.pool, org.id, { clients: files.write('g.csv', 'external_id,name,phone\nc1,Nino,555 12 34 56\n') });
    await importCsvFiles(db.pool, other.id, { clients });
    const rows = (await db.pool.query(`SELECT organization_id, name, phone FROM clients WHERE external_id = 'c1' AND organization_id IN ($1, $2) ORDER BY name`, [org.id, other.id])).rows;
    expect(rows).toEqual([
      { organization_id: other.id, name: 'Ayşe', phone: '+905321234567' },
      { organization_id: org.id, name: 'Nino', phone: '+995555123456' },
    ]);
  });
});
