import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../config';
import { reportAppOptions } from '../report-app';
import { consoleSession, cookiesOf, csrfOf, type ConsoleSession } from '../testing/console-session';

const PASSWORD = 'long enough passphrase';

describe('staff console over HTTP (real PostgreSQL)', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let orgId: string;
  let otherOrgId: string;
  const ids: Record<string, { client: string; episode: string }> = {};
  let doctor: string;
  let nurse: string;
  let cleaning: string;
  const sessions: Record<string, ConsoleSession> = {};
  const http = () => request(app.getHttpServer());
  const signIn = (email: string, password = PASSWORD): Promise<ConsoleSession> => consoleSession(app, email, password);

  /** An open (or closed) episode for a new client of the organization, as the sweep would write it. */
  async function lostClient(
    org: string,
    name: string,
    o: { status?: string; revenue?: number; tier?: number; type?: string; staff?: string | null; service?: string | null; daysOverdue?: number; detectedDaysAgo?: number } = {},
  ) {
    const make = factories(db.pool);
    const client = await make.client(org, { name, phone: '+995555000000' });
    const { rows } = await db.pool.query(
      `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, lapsed_at, last_visit_at, left_on, churn_type, method, usual_gap_days,
                                   expected_next_visit_at, lifetime_visits, lifetime_revenue, revenue_12m, value_tier, staff_member_id, service_id)
       VALUES ($1, $2, $3, now() - make_interval(days => $4), CASE WHEN $3 = 'lapsed' THEN now() END, now() - interval '60 days', (now() - interval '59 days')::date,
               $5, 'cadence', 14, now() - make_interval(days => $6), 10, $7, $7, $8, $9, $10)
       RETURNING id::text`,
      [org, client, o.status ?? 'lapsed', o.detectedDaysAgo ?? 1, o.type ?? 'passive', o.daysOverdue ?? 30, o.revenue ?? 100, o.tier ?? 3, o.staff ?? null, o.service ?? null],
    );
    ids[name] = { client, episode: rows[0].id };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error' });
    app = await createNestApp({ ...reportAppOptions(config), config });
    await app.init();
    const make = factories(db.pool);
    orgId = (await make.organization({ name: 'Clinic A' })).id;
    otherOrgId = (await make.organization({ name: 'Clinic B' })).id;
    doctor = await make.staffMember(orgId, { name: 'Dr Beridze' });
    nurse = await make.staffMember(orgId, { name: 'Nurse Kapanadze' });
    cleaning = await make.service(orgId, { name: 'Cleaning' });
    await lostClient(orgId, 'Ana', { revenue: 900, tier: 1, staff: doctor, service: cleaning, daysOverdue: 10 });
    await lostClient(orgId, 'Bela', { revenue: 500, tier: 2, staff: nurse, daysOverdue: 50, type: 'involuntary' });
    await lostClient(orgId, 'Cira', { status: 'at_risk', revenue: 300, tier: 2, staff: doctor, daysOverdue: 5, detectedDaysAgo: 20 });
    await lostClient(orgId, '=HYPERLINK("http://evil")', { revenue: 200, tier: 3, daysOverdue: 70 });
    await lostClient(orgId, 'Dato', { revenue: 100, tier: 3, staff: doctor, daysOverdue: 20 });
    await lostClient(orgId, 'Eka', { status: 'returned', revenue: 800, tier: 1 });
    await lostClient(otherOrgId, 'Other clinic client', { revenue: 1000, tier: 1 });
    for (const role of ['admin', 'marketer', 'caller', 'viewer']) {
      await createStaffAccount(db.pool, { organizationId: orgId, email: `${role}@a.test`, displayName: `The ${role}`, role, password: PASSWORD });
    }
    await createStaffAccount(db.pool, { organizationId: otherOrgId, email: 'admin@b.test', displayName: 'B admin', role: 'admin', password: PASSWORD });
    for (const role of ['admin', 'marketer', 'caller', 'viewer']) sessions[role] = await signIn(`${role}@a.test`);
  });

  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  describe('signing in', () => {
    it('sends a visitor without a session to the sign-in page, and a script gets 401', async () => {
      const page = await http().get('/console/lost-clients?status=lapsed').expect(303);
      expect(page.headers.location).toBe('/console/login?next=%2Fconsole%2Flost-clients%3Fstatus%3Dlapsed');
      await http().get('/console/lost-clients.json').expect(401);
      await http().get('/console/lost-clients').set('Cookie', 'cb_session=forged-or-expired-value-0000000000000000000').expect(303);
    });

    it('sets an HttpOnly, SameSite session cookie scoped to the console, and says the same for every failure', async () => {
      const form = await http().get('/console/login').expect(200);
      const loginCookie = cookiesOf(form).find((c) => c.startsWith('cb_login_csrf='))!.split(';')[0];
      const ok = await http().post('/console/login').set('Cookie', loginCookie).type('form').send({ email: 'ADMIN@a.test', password: PASSWORD, _csrf: csrfOf(form.text) });
      const cookie = cookiesOf(ok).find((c) => c.startsWith('cb_session='))!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Path=\/console/);
      const wrong = await http().post('/console/login').set('Cookie', loginCookie).type('form').send({ email: 'admin@a.test', password: 'wrong passphrase!', _csrf: csrfOf(form.text) });
      const unknown = await http().post('/console/login').set('Cookie', loginCookie).type('form').send({ email: 'nobody@a.test', password: PASSWORD, _csrf: csrfOf(form.text) });
      expect([wrong.status, unknown.status]).toEqual([401, 401]);
      expect(wrong.text).toContain('The e-mail or password is not right');
      expect(unknown.text).toContain('The e-mail or password is not right');
      expect(cookiesOf(wrong).some((c) => c.startsWith('cb_session='))).toBe(false);
    });

    it('refuses a sign-in form posted without its token (login CSRF)', async () => {
      const res = await http().post('/console/login').type('form').send({ email: 'admin@a.test', password: PASSWORD, _csrf: 'x' });
      expect(res.status).toBe(403);
      expect(cookiesOf(res).some((c) => c.startsWith('cb_session='))).toBe(false);
    });

    it('only goes back to console pages after signing in (no open redirect)', async () => {
      const form = await http().get('/console/login?next=https://evil.example/').expect(200);
      expect(form.text).toContain('name="next" value="/console/lost-clients"');
    });

    it('ends the session on sign-out', async () => {
      const s = await signIn('marketer@a.test');
      await http().post('/console/logout').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf }).expect(303);
      await http().get('/console/lost-clients').set('Cookie', s.cookie).expect(303);
    });
  });

  describe('roles and CSRF, enforced by the server', () => {
    it('answers 403 to a viewer on admin pages, exports and edits', async () => {
      const v = sessions.viewer;
      await http().get('/console/accounts').set('Cookie', v.cookie).expect(403);
      await http().get('/console/lost-clients.csv').set('Cookie', v.cookie).expect(403);
      const edit = await http()
        .post(`/console/clients/${ids.Ana.client}/episodes/${ids.Ana.episode}/reason`)
        .set('Cookie', v.cookie)
        .type('form')
        .send({ _csrf: v.csrf, reason: 'Moved away' });
      expect(edit.status).toBe(403);
      expect(edit.text).toContain('Not allowed');
      await http().get('/console/lost-clients').set('Cookie', v.cookie).expect(200);
      await http().get('/console/accounts').set('Cookie', sessions.caller.cookie).expect(403);
      await http().get('/console/accounts').set('Cookie', sessions.admin.cookie).expect(200);
    });

    it('refuses a form without the CSRF token, or with another session\'s, and changes nothing', async () => {
      const url = `/console/clients/${ids.Ana.client}/episodes/${ids.Ana.episode}/reason`;
      const none = await http().post(url).set('Cookie', sessions.admin.cookie).type('form').send({ reason: 'Moved away' });
      expect(none.status).toBe(403);
      expect(none.text).toContain('The form has expired');
      const foreign = await http().post(url).set('Cookie', sessions.admin.cookie).type('form').send({ reason: 'Moved away', _csrf: sessions.marketer.csrf });
      expect(foreign.status).toBe(403);
      const { rows } = await db.pool.query(`SELECT reason_id FROM churn_episodes WHERE id = $1`, [ids.Ana.episode]);
      expect(rows[0].reason_id).toBeNull();
    });

    it('sends security headers on console pages', async () => {
      const res = await http().get('/console/lost-clients').set('Cookie', sessions.viewer.cookie).expect(200);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cache-control']).toBe('no-store');
    });
  });

  describe('lost-clients list', () => {
    const names = (body: { rows: { name: string }[] }) => body.rows.map((r) => r.name);
    const list = (query: string, who = 'viewer') => http().get(`/console/lost-clients.json?${query}`).set('Cookie', sessions[who].cookie);

    it('lists only open episodes of the signed-in organization, most valuable first', async () => {
      const res = await list('').expect(200);
      expect(names(res.body)).toEqual(['Ana', 'Bela', 'Cira', '=HYPERLINK("http://evil")', 'Dato']);
      expect(res.body.total).toBe(5);
      expect(res.body.rows[0]).toMatchObject({ status: 'lapsed', valueTier: 1, revenue12m: 900, staffMember: 'Dr Beridze', service: 'Cleaning', daysOverdue: 10 });
    });

    it('filters by status, churn type, value tier, staff member, service, reason and detection date', async () => {
      expect(names((await list('status=at_risk')).body)).toEqual(['Cira']);
      expect(names((await list('churnType=involuntary')).body)).toEqual(['Bela']);
      expect(names((await list('tier=2')).body)).toEqual(['Bela', 'Cira']);
      expect(names((await list(`staff=${doctor}`)).body)).toEqual(['Ana', 'Cira', 'Dato']);
      expect(names((await list(`service=${cleaning}`)).body)).toEqual(['Ana']);
      const tenDaysAgo = new Date(Date.now() - 10 * 86400_000).toISOString().slice(0, 10);
      expect(names((await list(`detectedTo=${tenDaysAgo}`)).body)).toEqual(['Cira']);
      expect((await list('reason=none')).body.total).toBe(5);
      expect(names((await list('status=lapsed&staff=' + doctor + '&tier=1')).body)).toEqual(['Ana']);
    });

    it('sorts by days overdue and pages by keyset without skipping or repeating anyone', async () => {
      expect(names((await list('sort=overdue')).body)).toEqual(['=HYPERLINK("http://evil")', 'Bela', 'Dato', 'Ana', 'Cira']);
      for (const sort of ['value', 'overdue', 'detected']) {
        const seen: string[] = [];
        let after = '';
        for (let guard = 0; guard < 10; guard++) {
          const res = await list(`sort=${sort}&limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`).expect(200);
          seen.push(...names(res.body));
          if (!res.body.next) break;
          after = res.body.next;
        }
        expect(seen).toEqual(names((await list(`sort=${sort}&limit=50`)).body));
      }
    });

    it('names the field of a bad filter (400) and refuses a forged page position', async () => {
      const bad = await list('tier=7');
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error: 'INVALID_INPUT', field: 'tier' });
      expect((await list('detectedFrom=2026-02-30')).body.field).toBe('detectedFrom');
      expect((await list('after=bm90LWEtY3Vyc29y')).body.field).toBe('after');
      const page = await http().get('/console/lost-clients?staff=abc').set('Cookie', sessions.viewer.cookie);
      expect(page.status).toBe(400);
      expect(page.text).toContain('staff: must be an id');
    });

    it('renders the page with filters, totals and links to the cards', async () => {
      const res = await http().get('/console/lost-clients?status=lapsed').set('Cookie', sessions.marketer.cookie).expect(200);
      expect(res.text).toContain('4 clients match.');
      expect(res.text).toContain(`href="/console/clients/${ids.Ana.client}"`);
      expect(res.text).not.toContain('Other clinic client');
      // Names are escaped, never markup.
      expect(res.text).toContain('&#x3D;HYPERLINK(&quot;http://evil&quot;)');
    });

    it('exports every matching row as CSV, with formula-like names neutralised', async () => {
      const res = await http().get('/console/lost-clients.csv?status=lapsed').set('Cookie', sessions.marketer.cookie).buffer(true).parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks).toString('utf8')));
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('text/csv');
      const lines = (res.body as string).replace(/^\uFEFF/, '').trim().split('\r\n');
      expect(lines[0].split(',').slice(0, 4)).toEqual(['episode_id', 'client_id', 'name', 'phone']);
      expect(lines).toHaveLength(5);
      expect(lines.find((l) => l.includes('HYPERLINK'))).toContain(`"'=HYPERLINK(""http://evil"")"`);
    });

    it('exports or dismisses ticked rows, and never another organization\'s', async () => {
      const m = sessions.marketer;
      const res = await http()
        .post('/console/lost-clients/selection')
        .set('Cookie', m.cookie)
        .type('form')
        .send(`_csrf=${encodeURIComponent(m.csrf)}&action=dismiss&episode=${ids.Dato.episode}&episode=${ids['Other clinic client'].episode}`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toContain('done=1');
      const { rows } = await db.pool.query(`SELECT id::text, status FROM churn_episodes WHERE id = ANY($1::bigint[]) ORDER BY id`, [[ids.Dato.episode, ids['Other clinic client'].episode]]);
      expect(rows.map((r) => r.status)).toEqual(['dismissed', 'lapsed']);
      const viewerDismiss = await http()
        .post('/console/lost-clients/selection')
        .set('Cookie', sessions.viewer.cookie)
        .type('form')
        .send({ _csrf: sessions.viewer.csrf, action: 'dismiss', episode: ids.Ana.episode });
      expect(viewerDismiss.status).toBe(403);
    });
  });

  describe('client card', () => {
    const reasonUrl = (name: string) => `/console/clients/${ids[name].client}/episodes/${ids[name].episode}/reason`;
    const post = (name: string, fields: Record<string, string>, who = 'caller') =>
      http().post(reasonUrl(name)).set('Cookie', sessions[who].cookie).type('form').send({ _csrf: sessions[who].csrf, ...fields });

    it('shows contact, consent, the episode with the numbers behind it, and nothing of other organizations', async () => {
      const res = await http().get(`/console/clients/${ids.Bela.client}`).set('Cookie', sessions.viewer.cookie).expect(200);
      expect(res.text).toContain('+995555000000');
      expect(res.text).toContain('14 days');
      expect(res.text).toContain('Involuntary');
      // A viewer sees no reason form.
      expect(res.text).not.toContain('class="reason-form"');
      await http().get(`/console/clients/${ids['Other clinic client'].client}`).set('Cookie', sessions.viewer.cookie).expect(404);
      await http().get('/console/clients/not-a-number').set('Cookie', sessions.viewer.cookie).expect(404);
      const json = await http().get(`/console/clients/${ids.Bela.client}/card.json`).set('Cookie', sessions.viewer.cookie).expect(200);
      expect(json.body.episodes[0]).toMatchObject({ id: ids.Bela.episode, usualGapDays: 14, churnType: 'involuntary', daysOverdue: 50 });
    });

    it('says a reason was the client\'s own answer, and on which channel, when no one on staff recorded it', async () => {
      await db.pool.query(`UPDATE churn_episodes SET reason_note = 'ძვირია', reason_channel = 'sms', reason_set_at = now(), reason_set_by = NULL WHERE id = $1`, [ids.Bela.episode]);
      const res = await http().get(`/console/clients/${ids.Bela.client}`).set('Cookie', sessions.viewer.cookie).expect(200);
      expect(res.text).toContain('the client&#x27;s own answer (by text)');
      expect(res.text).not.toContain('recorded by ,');
      await db.pool.query(`UPDATE churn_episodes SET reason_note = NULL, reason_channel = NULL, reason_set_at = NULL WHERE id = $1`, [ids.Bela.episode]);
    });

    it('records a reason and date of leaving; a passive episode becomes voluntary; the timeline says so', async () => {
      const res = await post('Ana', { reason: '  Too   expensive ', note: 'Prices went up twice', leftOn: '2026-01-15' });
      expect(res.status).toBe(303);
      const { rows } = await db.pool.query(
        `SELECT r.label, e.reason_note, e.left_on::text, e.churn_type, a.email FROM churn_episodes e JOIN churn_reasons r ON r.id = e.reason_id
           JOIN staff_accounts a ON a.id = e.reason_set_by WHERE e.id = $1`,
        [ids.Ana.episode],
      );
      expect(rows[0]).toEqual({ label: 'Too expensive', reason_note: 'Prices went up twice', left_on: '2026-01-15', churn_type: 'voluntary', email: 'caller@a.test' });
      const card = await http().get(`/console/clients/${ids.Ana.client}`).set('Cookie', sessions.viewer.cookie);
      expect(card.text).toContain('Reason recorded: Too expensive.');
    });

    it('warns on a near-duplicate reason and saves nothing until staff choose', async () => {
      const warned = await post('Bela', { reason: 'expensive' });
      expect(warned.status).toBe(409);
      expect(warned.text).toContain('looks like a reason you already have');
      const existing = (await db.pool.query(`SELECT id::text FROM churn_reasons WHERE organization_id = $1 AND label = 'Too expensive'`, [orgId])).rows[0].id;
      expect(warned.text).toContain(`name="useReason" value="${existing}"`);
      expect(warned.text).toContain('Use “Too expensive”');
      expect((await db.pool.query(`SELECT reason_id FROM churn_episodes WHERE id = $1`, [ids.Bela.episode])).rows[0].reason_id).toBeNull();
      // "Use the existing one" (the button sends its id): the episode gets the existing reason, no new one is made.
      await post('Bela', { reason: 'expensive', useReason: existing }).expect(303);
      const reasons = await db.pool.query(`SELECT label FROM churn_reasons WHERE organization_id = $1 ORDER BY label`, [orgId]);
      expect(reasons.rows.map((r) => r.label)).toEqual(['Too expensive']);
      // Same reason written differently is simply the same reason.
      await post('Cira', { reason: 'TOO EXPENSIVE!' }).expect(303);
      // Confirmed as different: created.
      await post('=HYPERLINK("http://evil")', { reason: 'expensive parking', confirmNew: '1' }).expect(303);
      const after = await db.pool.query(`SELECT label FROM churn_reasons WHERE organization_id = $1 ORDER BY label`, [orgId]);
      expect(after.rows.map((r) => r.label)).toEqual(['Too expensive', 'expensive parking']);
      expect((await http().get('/console/lost-clients.json?reason=none').set('Cookie', sessions.viewer.cookie)).body.total).toBe(0);
    });

    it('suggests existing reasons while typing, with the near-duplicate flagged', async () => {
      const res = await http().get('/console/reasons/suggest?q=expens').set('Cookie', sessions.caller.cookie).set('Accept', 'application/json').expect(200);
      expect(res.body.suggestions.map((s: { label: string }) => s.label)).toEqual(['Too expensive', 'expensive parking']);
      const near = await http().get('/console/reasons/suggest?q=too%20expensiv').set('Cookie', sessions.caller.cookie).expect(200);
      expect(near.body.nearDuplicates[0].label).toBe('Too expensive');
    });

    it('rejects a date of leaving in the future, an empty reason, and another organization\'s episode', async () => {
      const future = await post('Bela', { reason: 'Moved away', leftOn: '2099-01-01' });
      expect(future.status).toBe(400);
      expect(future.text).toContain('leftOn: must not be in the future');
      expect((await post('Bela', { reason: '   ' })).status).toBe(400);
      const foreign = await http()
        .post(`/console/clients/${ids['Other clinic client'].client}/episodes/${ids['Other clinic client'].episode}/reason`)
        .set('Cookie', sessions.admin.cookie)
        .type('form')
        .send({ _csrf: sessions.admin.csrf, reason: 'Moved away' });
      expect(foreign.status).toBe(404);
      // An episode of this organization under another client's URL is not found either.
      const mismatched = await http()
        .post(`/console/clients/${ids.Ana.client}/episodes/${ids.Bela.episode}/reason`)
        .set('Cookie', sessions.admin.cookie)
        .type('form')
        .send({ _csrf: sessions.admin.csrf, reason: 'Moved away' });
      expect(mismatched.status).toBe(404);
    });
  });

  describe('accounts', () => {
    it('lets an admin create and disable accounts of their own organization only', async () => {
      const a = sessions.admin;
      const bad = await http().post('/console/accounts').set('Cookie', a.cookie).type('form').send({ _csrf: a.csrf, email: 'x', displayName: 'X', role: 'owner', password: 'short' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('must be at least 12 characters');
      await http()
        .post('/console/accounts')
        .set('Cookie', a.cookie)
        .type('form')
        .send({ _csrf: a.csrf, email: 'new.viewer@a.test', displayName: 'ახალი', role: 'viewer', password: PASSWORD })
        .expect(303);
      const created = await signIn('new.viewer@a.test');
      const { rows } = await db.pool.query(`SELECT id, organization_id FROM staff_accounts WHERE email = 'new.viewer@a.test'`);
      expect(rows[0].organization_id).toBe(orgId);
      await http().post(`/console/accounts/${rows[0].id}/disable`).set('Cookie', a.cookie).type('form').send({ _csrf: a.csrf }).expect(303);
      await http().get('/console/lost-clients').set('Cookie', created.cookie).expect(303);
      const other = await db.pool.query(`SELECT id FROM staff_accounts WHERE email = 'admin@b.test'`);
      await http().post(`/console/accounts/${other.rows[0].id}/disable`).set('Cookie', a.cookie).type('form').send({ _csrf: a.csrf }).expect(404);
    });
  });

  describe('languages', () => {
    it('speaks the browser\'s language when there is a catalog for it, and English otherwise', async () => {
      const ru = await http().get('/console/lost-clients').set('Cookie', sessions.viewer.cookie).set('Accept-Language', 'ru-RU,ru;q=0.9').expect(200);
      expect(ru.text).toContain('<html lang="ru">');
      expect(ru.text).toContain('Ушедшие клиенты');
      const lo = await http().get('/console/lost-clients').set('Cookie', sessions.viewer.cookie).set('Accept-Language', 'lo').expect(200);
      expect(lo.text).toContain('Lost clients');
    });

    it('tells a Russian-speaking admin what is wrong with a reason form, naming the field, in Russian; a script still gets the English detail', async () => {
      const post = (path: string, form: Record<string, string>, accept = 'text/html') =>
        http().post(path).set('Cookie', sessions.admin.cookie).set('Accept-Language', 'ru').set('Accept', accept).type('form').send({ _csrf: sessions.admin.csrf, ...form });
      const before = (await db.pool.query(`SELECT count(*)::int AS n FROM churn_reasons WHERE organization_id = $1`, [orgId])).rows[0].n;
      const empty = await post('/console/reasons', { label: '   ' }).expect(400);
      expect(empty.text).toContain('<html lang="ru">');
      expect(empty.text).toContain('Название: обязательное поле');
      expect(empty.text).not.toContain('label: required');
      const long = await post('/console/reasons', { label: 'x'.repeat(201) }).expect(400);
      expect(long.text).toContain('Название: не более 200 символов');
      const alias = await post('/console/reasons/1/aliases', { text: '' }).expect(400);
      expect(alias.text).toContain('Синоним: обязательное поле');
      const merge = await post('/console/reasons/1/merge', { confirm: 'yes', intoId: 'что-то' }).expect(400);
      expect(merge.text).toContain('Объединить с: выберите из списка');
      const script = await post('/console/reasons', { label: '' }, 'application/json').expect(400);
      expect(script.body).toEqual({ error: 'INVALID_INPUT', message: 'label: required', field: 'label' });
      expect((await db.pool.query(`SELECT count(*)::int AS n FROM churn_reasons WHERE organization_id = $1`, [orgId])).rows[0].n).toBe(before);
    });
  });

  it("offers in the lost-clients reason filter the current reasons, then the retired ones, never one merged into another", async () => {
    const reason = async (label: string) =>
      (await db.pool.query<{ id: string }>(`INSERT INTO churn_reasons (organization_id, label) VALUES ($1, $2) RETURNING id::text`, [orgId, label])).rows[0].id;
    const current = await reason('Filter: moved away');
    const retired = await reason('Filter: a parking problem');
    const merged = await reason('Filter: too pricey');
    await db.pool.query(`UPDATE churn_reasons SET retired_at = now() WHERE id = $1`, [retired]);
    await db.pool.query(`UPDATE churn_reasons SET merged_into_id = $2, retired_at = now() WHERE id = $1`, [merged, current]);
    const page = await http().get('/console/lost-clients').set('Cookie', sessions.admin.cookie).expect(200);
    const select = /<select[^>]*name="reason"[^>]*>([\s\S]*?)<\/select>/.exec(page.text)?.[1] ?? '';
    const offered = [...select.matchAll(/<option value="(\d+)"/g)].map((m) => m[1]);
    expect(offered).toContain(current);
    expect(offered).toContain(retired);
    expect(offered).not.toContain(merged);
    expect(offered.indexOf(current)).toBeLessThan(offered.indexOf(retired));
  });
});
