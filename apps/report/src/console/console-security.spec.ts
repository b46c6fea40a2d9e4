import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { createApiKey } from '@comeback/ingestion';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../config';
import { reportAppOptions } from '../report-app';
import { consoleSession, cookiesOf, postSignIn, type ConsoleSession } from '../testing/console-session';

const PASSWORD = 'long enough passphrase';

/**
 * The console's hardening over HTTP (real PostgreSQL and Redis): secure headers, the sign-in rate
 * limits and account lockout, cookie flags, the accounts page's locks, and the audit log.
 */
describe('console security over HTTP', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let orgId: string;
  let otherOrgId: string;
  const http = () => request(app.getHttpServer());

  /** One sign-in attempt from `ip` (X-Forwarded-For, trusted: TRUST_PROXY=1). */
  const attempt = (email: string, password: string, ip = '198.51.100.1', target = app): Promise<request.Response> => postSignIn(target, email, password, { ip });
  const signIn = (email: string, ip = '198.51.100.200'): Promise<ConsoleSession> => consoleSession(app, email, PASSWORD, { ip });

  const accountRow = async (email: string) =>
    (await db.pool.query(`SELECT id, failed_logins, lockouts, locked_until FROM staff_accounts WHERE email = $1`, [email])).rows[0];
  const sessionsOf = async (email: string) =>
    (await db.pool.query(`SELECT count(*)::int AS n FROM staff_sessions s JOIN staff_accounts a ON a.id = s.account_id WHERE a.email = $1`, [email])).rows[0].n;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('report', REPORT_ENV, {
      DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error',
      TRUST_PROXY: '1', RATE_LIMIT_LOGIN_PER_IP: '8', RATE_LIMIT_LOGIN_PER_EMAIL: '6', LOGIN_LOCKOUT_THRESHOLD: '3', LOGIN_LOCKOUT_MAX_MINUTES: '10',
    });
    app = await createNestApp({ ...reportAppOptions(config), config });
    await app.init();
    const make = factories(db.pool);
    orgId = (await make.organization({ name: 'Clinic A' })).id;
    otherOrgId = (await make.organization({ name: 'Clinic B' })).id;
    for (const [email, role, org] of [
      ['admin@a.ge', 'admin', orgId], ['viewer@a.ge', 'viewer', orgId], ['marketer@a.ge', 'marketer', orgId], ['locked@a.ge', 'caller', orgId],
      ['limited@a.ge', 'caller', orgId], ['admin@b.ge', 'admin', otherOrgId],
    ] as const) {
      await createStaffAccount(db.pool, { organizationId: org, email, displayName: email, role, password: PASSWORD });
    }
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('sends helmet\'s headers on every answer, and keeps the console\'s own policy on its pages', async () => {
    const health = await http().get('/health/live');
    expect(health.headers).toMatchObject({
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    });
    expect(health.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(health.headers['x-powered-by']).toBeUndefined();
    const login = await http().get('/console/login');
    expect(login.headers['content-security-policy']).toContain("form-action 'self'");
    expect(login.headers['content-security-policy']).toContain("script-src 'self'");
    expect(login.headers['referrer-policy']).toBe('same-origin');
    expect(login.headers['cache-control']).toBe('no-store');
    expect(login.headers['strict-transport-security']).toBeDefined();
  });

  it('marks the session cookie HttpOnly, SameSite=Lax, Path=/console, and not Secure over plain http', async () => {
    const res = await attempt('viewer@a.ge', PASSWORD, '198.51.100.50');
    const cookie = cookiesOf(res).find((c) => c.startsWith('cb_session='))!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Path=\/console(;|$)/);
    expect(cookie).not.toMatch(/; Secure/);
  });

  it('marks it Secure when the console is served over https (CONSOLE_PUBLIC_URL), and in production without one', async () => {
    for (const env of [{ CONSOLE_PUBLIC_URL: 'https://console.clinic.example' }, { NODE_ENV: 'production' }]) {
      const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error', ...env });
      const secureApp = await createNestApp({ ...reportAppOptions(config), config });
      await secureApp.init();
      try {
        const res = await attempt('viewer@a.ge', PASSWORD, '198.51.100.51', secureApp);
        expect(res.status).toBe(303);
        for (const name of ['cb_session=', 'cb_login_csrf=']) {
          expect(cookiesOf(res).find((c) => c.startsWith(name))).toMatch(/; Secure/);
        }
      } finally {
        await secureApp.close();
      }
    }
  });

  it('locks an account after wrong passwords, answering exactly as for an unknown e-mail', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await attempt('locked@a.ge', 'wrong passphrase 1', `203.0.113.${i + 1}`)).status);
    expect(statuses).toEqual([401, 401, 401]);
    const row = await accountRow('locked@a.ge');
    expect(row.lockouts).toBe(1);
    expect(row.locked_until.getTime()).toBeGreaterThan(Date.now() + 50_000);
    const locked = await attempt('locked@a.ge', PASSWORD, '203.0.113.9');
    const unknown = await attempt('nobody@a.ge', PASSWORD, '203.0.113.10');
    expect(locked.status).toBe(401);
    expect(unknown.status).toBe(401);
    const problem = (html: string) => /<p class="problem" role="alert">([^<]*)<\/p>/.exec(html)?.[1];
    expect(problem(locked.text)).toBeTruthy();
    expect(problem(locked.text)).toBe(problem(unknown.text));
    expect(await sessionsOf('locked@a.ge')).toBe(0);
  });

  it('shows the lock on the accounts page, and an admin clears it; then the account signs in again', async () => {
    const admin = await signIn('admin@a.ge');
    const page = await http().get('/console/accounts').set('Cookie', admin.cookie).expect(200);
    const { id } = await accountRow('locked@a.ge');
    expect(page.text).toContain(`/console/accounts/${id}/unlock`);
    expect(page.text).toMatch(/locked until/);
    // Another organization's admin cannot clear it (404, nothing changed); a viewer is refused (403).
    const otherAdmin = await signIn('admin@b.ge');
    await http().post(`/console/accounts/${id}/unlock`).set('Cookie', otherAdmin.cookie).type('form').send({ _csrf: otherAdmin.csrf }).expect(404);
    const viewer = await signIn('viewer@a.ge');
    await http().post(`/console/accounts/${id}/unlock`).set('Cookie', viewer.cookie).type('form').send({ _csrf: viewer.csrf }).expect(403);
    await http().post(`/console/accounts/${id}/unlock`).set('Cookie', admin.cookie).type('form').send({}).expect(403);
    expect((await accountRow('locked@a.ge')).lockouts).toBe(1);
    await http().post(`/console/accounts/${id}/unlock`).set('Cookie', admin.cookie).type('form').send({ _csrf: admin.csrf }).expect(303);
    expect(await accountRow('locked@a.ge')).toMatchObject({ failed_logins: 0, lockouts: 0, locked_until: null });
    expect((await attempt('locked@a.ge', PASSWORD, '203.0.113.11')).status).toBe(303);
  });

  it('refuses sign-ins from an address over its failures with 429 and Retry-After, before checking anything', async () => {
    const ip = '192.0.2.77';
    for (let i = 0; i < 8; i++) expect((await attempt(`guess${i}@a.ge`, 'wrong passphrase 1', ip)).status).toBe(401);
    const refused = await attempt('limited@a.ge', PASSWORD, ip);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.text).toContain('Too many failed sign-ins');
    // Nothing happened: no session, the account's failures untouched, even with the right password.
    expect(await sessionsOf('limited@a.ge')).toBe(0);
    expect((await accountRow('limited@a.ge')).failed_logins).toBe(0);
    // Another address is not affected.
    expect((await attempt('limited@a.ge', PASSWORD, '192.0.2.78')).status).toBe(303);
  });

  it('refuses sign-ins for an e-mail over its failures from any address, known account or not, alike', async () => {
    const answers: Record<string, number[]> = {};
    for (const email of ['marketer@a.ge', 'ghost@a.ge']) {
      answers[email] = [];
      // The lockout (3) would stop the known account first: clear it between rounds so the per-e-mail limit (6) is what answers.
      for (let i = 0; i < 7; i++) {
        if (i % 3 === 0) await db.pool.query(`UPDATE staff_accounts SET failed_logins = 0, locked_until = NULL WHERE email = $1`, [email]);
        answers[email].push((await attempt(email, 'wrong passphrase 1', `198.18.${i}.${email.length}`)).status);
      }
    }
    expect(answers['marketer@a.ge']).toEqual([401, 401, 401, 401, 401, 401, 429]);
    expect(answers['ghost@a.ge']).toEqual(answers['marketer@a.ge']);
    await db.pool.query(`UPDATE staff_accounts SET failed_logins = 0, locked_until = NULL WHERE email = 'marketer@a.ge'`);
    const refused = await attempt('marketer@a.ge', PASSWORD, '198.18.99.1');
    expect(refused.status).toBe(429);
    expect(await sessionsOf('marketer@a.ge')).toBe(0);
  });

  describe('audit log', () => {
    let admin: ConsoleSession;
    let clientId: string;
    beforeAll(async () => {
      await db.pool.query(`UPDATE staff_accounts SET failed_logins = 0, lockouts = 0, locked_until = NULL`);
      admin = await signIn('admin@a.ge');
      const make = factories(db.pool);
      clientId = await make.client(orgId, { name: 'Consent Client', phone: '+995555000111' });
      const other = await make.client(otherOrgId, { name: 'Other Org Client' });
      await db.pool.query(
        `INSERT INTO consent_changes (organization_id, client_id, channel, status, source, changed_at) VALUES
           ($1, $2, 'sms', 'granted', 'import:clients.csv', now() - interval '2 hours'),
           ($1, $2, 'sms', 'revoked', 'unsubscribe-link', now() - interval '1 minute'),
           ($3, $4, 'email', 'revoked', 'other-org-source', now())`,
        [orgId, clientId, otherOrgId, other],
      );
    });

    it('records every export with who, what and from where, before it is sent', async () => {
      await http().get('/console/lost-clients.csv?status=lapsed').set('Cookie', admin.cookie).set('X-Forwarded-For', '198.51.100.200').expect(200);
      await http()
        .post('/console/lost-clients/selection')
        .set('Cookie', admin.cookie)
        .type('form')
        .send({ _csrf: admin.csrf, action: 'export', all: '1' })
        .expect(201);
      const report = await http().get('/console/reports/gone/export.csv?period=2026').set('Cookie', admin.cookie);
      expect(report.status).toBe(200);
      const { rows } = await db.pool.query(
        `SELECT a.action, a.actor, a.ip, a.details, s.email FROM audit_log a LEFT JOIN staff_accounts s ON s.id = a.account_id WHERE a.organization_id = $1 ORDER BY a.id`,
        [orgId],
      );
      expect(rows.map((r) => r.action)).toEqual(['lost-clients.csv', 'lost-clients.csv', 'report.gone.csv']);
      expect(rows.every((r) => r.actor === 'admin@a.ge' && r.email === 'admin@a.ge')).toBe(true);
      expect(rows[0].ip).toBe('198.51.100.200');
      expect(rows[0].details).toMatchObject({ filters: { status: 'lapsed' }, rows: 'all matching' });
      expect(rows[2].details).toMatchObject({ from: '2026-01-01', to: '2026-12-31' });
    });

    it('records each report read through the API as an export by its key; a refused request records nothing', async () => {
      const key = await createApiKey(db.pool, orgId, 'bi tool');
      const before = (await db.pool.query(`SELECT count(*)::int AS n FROM audit_log`)).rows[0].n;
      await http().get(`/api/v1/organizations/${orgId}/reports/gone?period=2026-13`).set('Authorization', `Bearer ${key.key}`).expect(400);
      await http().get(`/api/v1/organizations/${otherOrgId}/reports/gone?period=2026`).set('Authorization', `Bearer ${key.key}`).expect(403);
      expect((await db.pool.query(`SELECT count(*)::int AS n FROM audit_log`)).rows[0].n).toBe(before);
      await http().get(`/api/v1/organizations/${orgId}/reports/gone?period=2026`).set('Authorization', `Bearer ${key.key}`).expect(200);
      const { rows } = await db.pool.query(`SELECT organization_id, action, actor, account_id, details FROM audit_log ORDER BY id DESC LIMIT 1`);
      expect(rows[0]).toEqual({ organization_id: orgId, action: 'api:reports/gone', actor: `api-key:${key.id}`, account_id: null, details: { query: { period: '2026' } } });
      // Kept out of the page's expectations below.
      await db.pool.query(`DELETE FROM audit_log WHERE actor LIKE 'api-key:%'`);
    });

    it('lists exports and consent changes newest first for admins only, filtered by kind, other organizations never', async () => {
      const page = await http().get('/console/audit').set('Cookie', admin.cookie).expect(200);
      const kinds = [...page.text.matchAll(/<tr data-kind="(\w+)">/g)].map((m) => m[1]);
      expect(kinds).toEqual(['export', 'export', 'export', 'consent', 'consent']);
      expect(page.text).toContain('report.gone.csv');
      expect(page.text).toContain('unsubscribe-link');
      expect(page.text).toContain(`/console/clients/${clientId}`);
      expect(page.text).not.toContain('other-org-source');
      const consent = await http().get('/console/audit?kind=consent').set('Cookie', admin.cookie).expect(200);
      expect([...consent.text.matchAll(/<tr data-kind="(\w+)">/g)].map((m) => m[1])).toEqual(['consent', 'consent']);
      expect(consent.text.indexOf('unsubscribe-link')).toBeLessThan(consent.text.indexOf('import:clients.csv'));
      const exports = await http().get('/console/audit?kind=export').set('Cookie', admin.cookie).expect(200);
      expect([...exports.text.matchAll(/<tr data-kind="(\w+)">/g)].map((m) => m[1])).toEqual(['export', 'export', 'export']);
      const viewer = await signIn('viewer@a.ge');
      await http().get('/console/audit').set('Cookie', viewer.cookie).expect(403);
      await http().get('/console/audit?kind=everything').set('Cookie', admin.cookie).expect(400);
      await http().get('/console/audit?before=not-a-cursor').set('Cookie', admin.cookie).expect(400);
      const badTime = Buffer.from(JSON.stringify(['2026-13-45 99:00:00+00', 'a00000000000000000001'])).toString('base64url');
      await http().get(`/console/audit?before=${badTime}`).set('Cookie', admin.cookie).expect(400);
    });

    it('pages with a keyset cursor: no entry twice, none skipped, even when new ones arrive meanwhile', async () => {
      // 230 more exports at the same instant (ties broken by id), then page through while more arrive.
      await db.pool.query(
        `INSERT INTO audit_log (organization_id, occurred_at, kind, action, actor, details)
         SELECT $1, now() - interval '30 seconds', 'export', 'bulk-' || g, 'script', '{}' FROM generate_series(1, 230) g`,
        [orgId],
      );
      const seen: string[] = [];
      let href: string | null = '/console/audit?kind=export';
      let pages = 0;
      while (href) {
        const res = await http().get(href).set('Cookie', admin.cookie).expect(200);
        seen.push(...[...res.text.matchAll(/<tr data-kind="export">\s*<td>[^<]*<\/td><td>[^<]*<\/td><td>[^<]*<\/td>\s*<td>([^<]*)<\/td>/g)].map((m) => m[1]));
        const next = /<a href="([^"]+)" rel="next">/.exec(res.text);
        href = next ? next[1].replace(/&#x3D;/g, '=').replace(/&amp;/g, '&') : null;
        if (pages > 10) throw new Error(`paging does not end: ${href}`);
        if (pages++ === 0) await db.pool.query(`INSERT INTO audit_log (organization_id, kind, action, actor) VALUES ($1, 'export', 'arrived-later', 'script')`, [orgId]);
      }
      expect(pages).toBe(3);
      const expected = await db.pool.query(
        `SELECT action FROM audit_log WHERE organization_id = $1 AND action <> 'arrived-later' ORDER BY occurred_at DESC, id DESC`,
        [orgId],
      );
      expect(expected.rows).toHaveLength(233);
      expect(seen).toEqual(expected.rows.map((r) => r.action));
      expect(seen.slice(0, 3)).toEqual(['report.gone.csv', 'lost-clients.csv', 'lost-clients.csv']);
      expect(seen.slice(3, 6)).toEqual(['bulk-230', 'bulk-229', 'bulk-228']);
    });
  });
});
