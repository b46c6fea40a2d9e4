import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, Page } from 'playwright-core';
import { createStaffAccount } from '@comeback/accounts';
import { generateCallList } from '@comeback/call-list';
import { loadConfig } from '@comeback/config';
import { createNestApp } from '@comeback/platform';
import { createReason } from '@comeback/reasons';
import { createTestDatabase, factories, launchChromium, screenshot, signInToConsole, TEST_REDIS_URL, testRedisPrefix, textOf, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../../apps/report/src/config';
import { reportAppOptions } from '../../apps/report/src/report-app';

const PASSWORD = 'browser test passphrase';
const DAY = 86_400_000;

jest.setTimeout(120_000);

/**
 * The call list as its users work it (report app, real PostgreSQL, headless Chromium): a manager
 * (marketer) works the managers' queue in value order: a call card with the client's own answer
 * and the five-part script, taking the call, a field refused by name with what was typed kept, a
 * near-duplicate reason resolved to the existing one, the outcome on the client card; call back
 * later. A caller works the retention team's queue ("do not call" revokes calls consent) and is
 * refused the managers' calls; a viewer reads without forms; an admin raises N and tops up.
 */
describe('call list in headless Chromium', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let browser: Browser;
  let base: string;
  let orgId: string;
  const client: Record<string, string> = {};
  const episode: Record<string, string> = {};
  let priceReason: string;

  const signIn = (email: string, start: string): Promise<Page> => signInToConsole(browser, base, start, email, PASSWORD, new RegExp(start.replace(/\//g, '\\/').replace(/\?/g, '\\?')));
  const taskOf = async (name: string): Promise<string> =>
    (await db.pool.query<{ id: string }>(`SELECT t.id::text FROM call_tasks t WHERE t.organization_id = $1 AND t.client_id = $2`, [orgId, client[name]])).rows[0].id;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error', HOST: '127.0.0.1' });
    app = (await createNestApp({ ...reportAppOptions(config), config })) as NestExpressApplication;
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

    const make = factories(db.pool);
    orgId = (await make.organization({ name: 'Tbilisi Smile', timezone: 'Asia/Tbilisi' })).id;
    await db.pool.query(`UPDATE organizations SET call_list_top_n = 2 WHERE id = $1`, [orgId]);
    priceReason = (await createReason(db.pool, { organizationId: orgId, label: 'Too expensive', locale: 'en' })).reason.id;
    const lost = async (name: string, revenue: number, o: { phone?: string; smsRevoked?: boolean } = {}) => {
      client[name] = await make.client(orgId, { name, phone: o.phone ?? `+99559900${String(revenue).padStart(4, '0')}` });
      if (o.smsRevoked) await db.pool.query(`UPDATE clients SET consent_sms = 'revoked' WHERE organization_id = $1 AND id = $2`, [orgId, client[name]]);
      await make.visits(orgId, client[name], [new Date(Date.now() - 120 * DAY)], revenue);
      episode[name] = (
        await db.pool.query<{ id: string }>(
          `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, lapsed_at, last_visit_at, method, revenue_12m, value_tier)
           VALUES ($1, $2, 'lapsed', now() - interval '10 days', now() - interval '10 days', now() - interval '120 days', 'cadence', $3, 1) RETURNING id::text`,
          [orgId, client[name], revenue],
        )
      ).rows[0].id;
    };
    await lost('Nino <b>Beridze</b>', 2400);
    await lost('نور الهدى', 1800);
    await lost('Ayşe Yılmaz', 300, { smsRevoked: true });
    await lost('Giorgi Low', 100);
    // Nino answered the feedback page before the call.
    await db.pool.query(
      `INSERT INTO replies (organization_id, client_id, episode_id, channel, text, kind, reason_id, received_at)
       VALUES ($1, $2, $3, 'sms', 'ძალიან ძვირია', 'free_text', $4, now() - interval '2 days')`,
      [orgId, client['Nino <b>Beridze</b>'], episode['Nino <b>Beridze</b>'], priceReason],
    );
    await generateCallList(db.pool, orgId);

    await createStaffAccount(db.pool, { organizationId: orgId, email: 'manager@smile.test', displayName: 'Salome', role: 'marketer', password: PASSWORD });
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'caller@smile.test', displayName: 'Irakli', role: 'caller', password: PASSWORD });
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'viewer@smile.test', displayName: 'Levan', role: 'viewer', password: PASSWORD });
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'admin@smile.test', displayName: 'Tamar', role: 'admin', password: PASSWORD });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  /** A POST as the signed-in page would send it (with the session's CSRF token), to check the server's refusal itself. */
  const postAs = async (page: Page, path: string, form: Record<string, string>) => {
    const token = (await page.locator('input[name=_csrf]').first().getAttribute('value')) as string;
    return page.request.post(`${base}${path}`, { form: { _csrf: token, ...form }, maxRedirects: 0 });
  };

  it('a manager works a call from the managers’ queue to the client card', async () => {
    const page = await signIn('manager@smile.test', '/console/calls');
    // The two most valuable, most valuable first; names are text, never markup.
    const rows = page.locator('#call-tasks tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await textOf(rows.nth(0))).toContain('Nino <b>Beridze</b>');
    expect(await textOf(rows.nth(1))).toContain('نور الهدى');
    expect(await page.locator('#call-tasks b').count()).toBe(0);
    await screenshot(page, '60-call-list');

    await rows.nth(0).getByRole('link', { name: 'Nino <b>Beridze</b>' }).click();
    await page.waitForURL(/\/console\/calls\/\d+$/);
    expect(await textOf(page.locator('#client-answers'))).toContain('Too expensive');
    const script = await textOf(page.locator('#call-script'));
    for (const part of ['Apologise', 'Listen', 'Diagnose and confirm', 'Offer help now', 'Offer to come back']) expect(script).toContain(part);
    expect(script).toContain('Hello, Nino <b>Beridze</b>. This is Salome from Tbilisi Smile.');
    expect(script).toContain('They already told us: “Too expensive”');

    await page.getByRole('button', { name: "I'll call" }).click();
    await page.getByText('You are calling this client.').waitFor();

    // "No answer" with a reason typed: refused by field, nothing saved, the typing kept.
    await page.getByLabel('No answer').check();
    await page.getByLabel('Reason they confirmed').fill('Too expensiv');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/outcome')), page.getByRole('button', { name: 'Record the call' }).click()]);
    expect(refused.status()).toBe(400);
    expect(await textOf(page.locator('#call-problems'))).toContain('can only be recorded when you reached the client');
    expect(await page.getByLabel('Reason they confirmed').inputValue()).toBe('Too expensiv');

    // Reached, with the typo: the near-duplicate warning offers the existing reason.
    await page.getByLabel('Reached the client').check();
    await page.getByLabel('In their words').fill('ფასები გაიზარდა, ვერ ვიხდი');
    await page.getByLabel('Offer made').fill('10% off the next cleaning');
    await page.getByLabel('Agreed to come back').check();
    const [warned] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/outcome')), page.getByRole('button', { name: 'Record the call' }).click()]);
    expect(warned.status()).toBe(409);
    await screenshot(page, '60-call-near-duplicate');
    await page.getByRole('button', { name: 'Use “Too expensive”' }).click();
    await page.locator('#call-saved').waitFor();
    expect(await textOf(page.locator('#earlier-calls'))).toContain('10% off the next cleaning');
    await screenshot(page, '60-call-card');

    const taskId = await taskOf('Nino <b>Beridze</b>');
    const saved = (await db.pool.query(`SELECT status, agreed_to_return, reason_id::text, offer_made, attempts, assigned_to IS NOT NULL AS taken FROM call_tasks WHERE id = $1`, [taskId])).rows[0];
    expect(saved).toEqual({ status: 'done', agreed_to_return: true, reason_id: priceReason, offer_made: '10% off the next cleaning', attempts: 1, taken: true });
    expect((await db.pool.query(`SELECT reason_id::text FROM churn_episodes WHERE id = $1`, [episode['Nino <b>Beridze</b>']])).rows[0].reason_id).toBe(priceReason);

    // The client card shows the call on its timeline.
    await page.getByRole('link', { name: 'Open the full client card' }).click();
    await page.waitForURL(/\/console\/clients\/\d+/);
    expect(await textOf(page.locator('.timeline'))).toContain('Called: the client agreed to come back.');

    // The next call: call back tomorrow. It stays on the list with its time.
    await page.goto(`${base}/console/calls/${await taskOf('نور الهدى')}`);
    await page.getByLabel('Call back later').check();
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tbilisi' }).format(new Date(Date.now() + DAY));
    await page.getByLabel('Call back at').fill(`${tomorrow}T11:30`);
    await page.getByRole('button', { name: 'Record the call' }).click();
    await page.locator('#call-saved').waitFor();
    await page.goto(`${base}/console/calls`);
    const remaining = page.locator('#call-tasks tbody tr');
    expect(await remaining.count()).toBe(1);
    expect(await textOf(remaining.nth(0))).toContain('Call back');
    await page.goto(`${base}/console/calls?queue=managers&view=done`);
    expect(await textOf(page.locator('#call-tasks'))).toContain('agreed to come back');
    await page.context().close();
  });

  it('a caller works the retention team’s queue and is refused the managers’ calls; a viewer reads without forms; an admin raises N', async () => {
    const caller = await signIn('caller@smile.test', '/console/calls?queue=retention');
    const retention = await textOf(caller.locator('#call-tasks'));
    expect(retention).toContain('Ayşe Yılmaz');
    expect(retention).toContain('No way to write');
    expect(retention).not.toContain('Giorgi Low');

    // The managers' calls: readable, no form, and a POST with a valid token is still refused.
    const managersTask = await taskOf('نور الهدى');
    await caller.goto(`${base}/console/calls/${managersTask}`);
    expect(await caller.locator('#outcome-form').count()).toBe(0);
    expect(await caller.getByRole('button', { name: "I'll call" }).count()).toBe(0);
    const refused = await postAs(caller, `/console/calls/${managersTask}/outcome`, { outcome: 'no_answer' });
    expect(refused.status()).toBe(403);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM call_outcomes WHERE task_id = $1`, [managersTask])).rows[0].n).toBe(1);

    // Ayşe asks not to be called again: the task closes and calls consent is revoked, with its history.
    await caller.goto(`${base}/console/calls/${await taskOf('Ayşe Yılmaz')}`);
    await caller.getByLabel('Asked not to be called again').check();
    await caller.getByRole('button', { name: 'Record the call' }).click();
    await caller.locator('#call-saved').waitFor();
    expect(await caller.locator('#outcome-form').count()).toBe(0);
    const consent = await db.pool.query(
      `SELECT c.consent_voice, (SELECT source FROM consent_changes h WHERE h.organization_id = c.organization_id AND h.client_id = c.id AND h.channel = 'voice') AS source
         FROM clients c WHERE c.organization_id = $1 AND c.id = $2`,
      [orgId, client['Ayşe Yılmaz']],
    );
    expect(consent.rows[0]).toEqual({ consent_voice: 'revoked', source: 'call-list' });
    await caller.goto(`${base}/console/calls?queue=retention&view=closed`);
    expect(await textOf(caller.locator('#call-tasks'))).toContain('Ayşe Yılmaz');
    await caller.context().close();

    const viewer = await signIn('viewer@smile.test', '/console/calls');
    await viewer.locator('#call-tasks a').first().click();
    await viewer.waitForURL(/\/console\/calls\/\d+$/);
    expect(await viewer.locator('#outcome-form').count()).toBe(0);
    expect(await viewer.getByRole('button', { name: "I'll call" }).count()).toBe(0);
    expect((await postAs(viewer, '/console/calls/rebuild', {})).status()).toBe(403);
    await viewer.context().close();

    // Three for managers: the next one a person may ring is Giorgi (Ayşe refused calls).
    const admin = await signIn('admin@smile.test', '/console/calls');
    await admin.getByLabel('Clients for managers each cycle').fill('3');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('Saved.').waitFor();
    await admin.getByRole('button', { name: 'Top up the list now' }).click();
    await admin.getByText('List topped up: 1 added for managers').waitFor();
    expect(await textOf(admin.locator('#call-tasks'))).toContain('Giorgi Low');
    await screenshot(admin, '60-call-list-admin');
    await admin.context().close();
  });

  it('tells a Russian-speaking manager what is wrong with the outcome form, field by field, in Russian', async () => {
    const page = await signIn('manager@smile.test', '/console/calls');
    await page.context().addCookies([{ name: 'cb_lang', value: 'ru', url: base }]);
    await page.goto(`${base}/console/calls/${await taskOf('Giorgi Low')}`);
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');

    // Nothing chosen: refused next to "what happened" and in the list at the top, in Russian.
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/outcome')), page.getByRole('button', { name: 'Записать звонок' }).click()]);
    expect(await textOf(page.locator('#call-problems'))).toContain('Что получилось: выберите, чем закончился звонок');
    expect(await textOf(page.locator('#f-outcome .problem'))).toBe('выберите, чем закончился звонок');

    // "Call back" without a time: refused at the time field, what was typed kept.
    await page.locator('input[name=outcome][value=call_back]').check();
    await page.locator('#f-note').fill('перезвонить вечером');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/outcome')), page.getByRole('button', { name: 'Записать звонок' }).click()]);
    expect(refused.status()).toBe(400);
    expect(await textOf(page.locator('#call-problems'))).toContain('Перезвонить: укажите, когда перезвонить');
    expect(await page.locator('#f-note').inputValue()).toBe('перезвонить вечером');
    const body = await refused.text();
    expect(body).not.toContain('say when to call back');
    expect(body).not.toContain('choose what happened');
    await page.context().close();

    // The list's own setting, refused with its field named, in Russian.
    const admin = await signIn('admin@smile.test', '/console/calls');
    await admin.context().addCookies([{ name: 'cb_lang', value: 'ru', url: base }]);
    await admin.goto(`${base}/console/calls`);
    const topN = await postAs(admin, '/console/calls/settings', { topN: 'много' });
    expect(topN.status()).toBe(400);
    expect(await topN.text()).toContain('Клиентов для руководителей: целое число от 0 до 500');
    await admin.context().close();
  });
});
