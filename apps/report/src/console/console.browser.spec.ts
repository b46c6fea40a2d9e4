import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, Page } from 'playwright-core';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { createNestApp } from '@comeback/platform';
import { createReason, mergeReasons, retireReason } from '@comeback/reasons';
import { createTestDatabase, factories, launchChromium, screenshot, signInToConsole, TEST_REDIS_URL, testRedisPrefix, textOf, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../config';
import { reportAppOptions } from '../report-app';
import { ReportRollupsService } from '../reports/report-rollups.service';

const PASSWORD = 'browser test passphrase';
const DAY = 86_400_000;

jest.setTimeout(120_000);

describe('staff console in headless Chromium', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let browser: Browser;
  let base: string;
  let orgId: string;
  const clients: Record<string, string> = {};
  let tooExpensive: string;

  const shot = screenshot;
  const signIn = (email: string): Promise<Page> => signInToConsole(browser, base, '/console/lost-clients', email, PASSWORD, /\/console\/lost-clients/);

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error', HOST: '127.0.0.1' });
    app = await createNestApp({ ...reportAppOptions(config), config });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

    const make = factories(db.pool);
    orgId = (await make.organization({ name: 'Kutaisi Dental' })).id;
    const doctor = await make.staffMember(orgId, { name: 'Dr Nino Beridze' });
    const service = await make.service(orgId, { name: 'Cleaning' });
    const reason = (await db.pool.query(`INSERT INTO churn_reasons (organization_id, label) VALUES ($1, 'Too expensive') RETURNING id::text`, [orgId])).rows[0].id;
    tooExpensive = reason;
    const now = Date.now();
    const people: [string, string, number, string | null][] = [
      ['ნინო ბერიძე', 'lapsed', 1200, null],
      ['Ayşe Yılmaz', 'lapsed', 800, reason],
      ['Иван Петров', 'at_risk', 400, null],
      ['<script>alert(1)</script>', 'lapsed', 300, null],
    ];
    for (const [name, status, revenue, reasonId] of people) {
      const id = await make.client(orgId, { name, phone: '+995599000111' });
      clients[name] = id;
      const visits = Array.from({ length: 12 }, (_, i) => new Date(now - (400 - i * 14) * DAY));
      await make.visits(orgId, id, visits, revenue / 12, { staffMemberId: doctor, serviceId: service });
      const last = visits[visits.length - 1];
      await db.pool.query(
        `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, lapsed_at, last_visit_at, left_on, churn_type, method, usual_gap_days,
                                     expected_next_visit_at, lifetime_visits, lifetime_revenue, revenue_12m, value_tier, staff_member_id, service_id, reason_id)
         VALUES ($1, $2, $3, now(), CASE WHEN $3 = 'lapsed' THEN now() END, $4, ($4::timestamptz + interval '1 day')::date, 'passive', 'cadence', 14,
                 $4::timestamptz + interval '14 days', 12, $5, $5, 1, $6, $7, $8)`,
        [orgId, id, status, last, revenue, doctor, service, reasonId],
      );
    }
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'marketer@kutaisi.test', displayName: 'Tamar', role: 'marketer', password: PASSWORD });
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'viewer@kutaisi.test', displayName: 'Levan', role: 'viewer', password: PASSWORD });
    await app.get(ReportRollupsService).refresh(orgId);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  it('signs in, filters the lost clients, opens a card and records a reason past the near-duplicate warning', async () => {
    const page = await signIn('marketer@kutaisi.test');
    expect(await textOf(page.locator('#lost-total'))).toBe('4 clients match.');
    // A name with markup is shown as text, never run.
    await page.getByRole('link', { name: '<script>alert(1)</script>' }).waitFor({ state: 'visible' });
    await shot(page, '01-lost-clients');

    await page.getByLabel('Status').selectOption('lapsed');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/status=lapsed/);
    expect(await textOf(page.locator('#lost-total'))).toBe('3 clients match.');
    await page.getByLabel('Reason').selectOption('none');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/reason=none/);
    expect(await textOf(page.locator('#lost-total'))).toBe('2 clients match.');
    await shot(page, '02-lost-clients-filtered');

    await page.getByRole('link', { name: 'ნინო ბერიძე' }).click();
    await page.waitForURL(new RegExp(`/console/clients/${clients['ნინო ბერიძე']}`));
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('ნინო ბერიძე');
    await page.getByText('14 days').waitFor({ state: 'visible' });

    // While typing, the page offers the existing reason (the script asks the server).
    const reasonField = page.getByLabel('Reason', { exact: true });
    await reasonField.fill('expensive');
    expect(await textOf(page.locator('button.near-duplicate'))).toBe('Too expensive');
    await shot(page, '03-card-near-duplicate-hint');
    // Saving anyway: the server warns too, and saves nothing until a choice is made.
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await textOf(page.getByRole('alert'))).toContain('looks like a reason you already have');
    await shot(page, '04-card-near-duplicate-warning');
    await page.getByRole('button', { name: 'Use “Too expensive”' }).click();
    await page.getByText('Saved.').waitFor({ state: 'visible' });
    expect(await textOf(page.locator('.episode strong'))).toBe('Too expensive');
    await shot(page, '05-card-reason-saved');
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM churn_reasons WHERE organization_id = $1`, [orgId]);
    expect(rows[0].n).toBe(1);
    await page.close();
  });

  it('opens every report with its chart and table', async () => {
    const page = await signIn('marketer@kutaisi.test');
    await page.getByRole('link', { name: 'Reports' }).click();
    const names = await page.locator('.report-list a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(names).toHaveLength(7);
    for (const href of names) {
      const response = await page.goto(`${base}${href}`);
      expect(response?.status()).toBe(200);
      await page.locator('table.data').first().waitFor({ state: 'visible' });
      // Each chart was drawn by Chart.js (it attaches itself to the canvas).
      const charts = await page.locator('canvas').evaluateAll((canvases) =>
        canvases.map((c) => Boolean((globalThis as unknown as { Chart: { getChart(canvas: unknown): unknown } }).Chart.getChart(c))),
      );
      expect(charts.every(Boolean)).toBe(true);
      await shot(page, `10-report-${href!.split('/').pop()}`);
    }
    await page.goto(`${base}/console/reports/gone`);
    expect(await textOf(page.locator('.figure .value').first())).toBe('3');
    await page.close();
  });

  it('answers 403 when a viewer opens an admin page, and refuses a form without its CSRF token', async () => {
    const viewer = await signIn('viewer@kutaisi.test');
    expect(await viewer.getByRole('link', { name: 'Accounts' }).count()).toBe(0);
    const response = await viewer.goto(`${base}/console/accounts`);
    expect(response?.status()).toBe(403);
    expect(await textOf(viewer.getByRole('heading', { level: 1 }))).toBe('Not allowed');
    await shot(viewer, '20-viewer-forbidden');
    await viewer.close();

    const page = await signIn('marketer@kutaisi.test');
    await page.goto(`${base}/console/clients/${clients['Иван Петров']}`);
    // A forged form: the same fields, without the token a page of ours carries.
    await page.locator('form.reason-form input[name="_csrf"]').evaluate((input) => input.remove());
    await page.getByLabel('Reason', { exact: true }).fill('Moved away');
    const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Save' }).click()]);
    expect(answer.status()).toBe(403);
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('The form has expired');
    await shot(page, '21-csrf-refused');
    const { rows } = await db.pool.query(`SELECT reason_id FROM churn_episodes WHERE client_id = $1`, [clients['Иван Петров']]);
    expect(rows[0].reason_id).toBeNull();
    await page.close();
  });
  it('offers only live reasons on the card, and the near-duplicate warning works without JavaScript too', async () => {
    // A retired reason, and one merged into "Too expensive" (its words name that reason now).
    const rude = (await createReason(db.pool, { organizationId: orgId, label: 'Rude receptionist' })).reason.id;
    await retireReason(db.pool, { organizationId: orgId, reasonId: rude });
    const pricey = (await createReason(db.pool, { organizationId: orgId, label: 'Pricey' })).reason.id;
    await mergeReasons(db.pool, { organizationId: orgId, fromId: pricey, intoId: tooExpensive });

    const page = await signIn('marketer@kutaisi.test');
    await page.goto(`${base}/console/clients/${clients['<script>alert(1)</script>']}`);
    const options = await page.locator('#reason-list option').evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    expect(options).toEqual(['Too expensive']);
    // The script asks the reason list: the merged reason's words offer the reason it was merged into.
    await page.getByLabel('Reason', { exact: true }).fill('price');
    await page.locator('form.reason-form .hint button').first().waitFor({ state: 'visible' });
    const offered = await page.locator('form.reason-form .hint button').evaluateAll((bs) => bs.map((b) => b.textContent));
    expect(offered).toEqual(['Too expensive']);
    await shot(page, '06-card-live-reasons');
    await page.close();

    // Without JavaScript: the server's warning, then "create it" (the checkbox) saves a new reason.
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    try {
      const plain = await context.newPage();
      await plain.goto(`${base}/console/clients/${clients['<script>alert(1)</script>']}`);
      await plain.getByLabel('E-mail').fill('marketer@kutaisi.test');
      await plain.getByLabel('Password').fill(PASSWORD);
      await plain.getByRole('button', { name: 'Sign in' }).click();
      await plain.waitForURL(new RegExp(`/console/clients/${clients['<script>alert(1)</script>']}`));
      await plain.getByLabel('Reason', { exact: true }).fill('Expensive parking');
      const [warned] = await Promise.all([plain.waitForResponse((r) => r.request().method() === 'POST'), plain.getByRole('button', { name: 'Save' }).click()]);
      expect(warned.status()).toBe(409);
      expect(await textOf(plain.getByRole('alert'))).toContain('looks like a reason you already have');
      await plain.getByLabel('No, “Expensive parking” is a different reason: create it').check();
      await shot(plain, '07-card-no-script-confirm');
      await plain.getByRole('button', { name: 'Save' }).click();
      await plain.getByText('Saved.').waitFor({ state: 'visible' });
      expect(await textOf(plain.locator('.episode strong'))).toBe('Expensive parking');
    } finally {
      await context.close();
    }
    const { rows } = await db.pool.query(`SELECT label FROM churn_reasons WHERE organization_id = $1 AND retired_at IS NULL ORDER BY label`, [orgId]);
    expect(rows.map((r) => r.label)).toEqual(['Expensive parking', 'Too expensive']);
  });
});
