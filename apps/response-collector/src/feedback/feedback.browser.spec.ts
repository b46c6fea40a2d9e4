import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestDatabase, factories, launchChromium, screenshot, testRedisPrefix, textOf, type TestDatabase } from '@comeback/testing';
import { startTestCollector, type TestCollector } from '../testing/test-collector';
import { linkedMessage, reason } from './testing/personal-link.fixture';

jest.setTimeout(120_000);

/** The little of the browser's DOM these checks use (the project compiles without the DOM library). */
interface Dom {
  getComputedStyle(element: unknown): { direction: string };
  document: { createRange(): { selectNodeContents(node: unknown): void; getBoundingClientRect(): { left: number; right: number } } };
}

/**
 * The feedback page as a client sees it on a phone, in headless Chromium with JavaScript off (the
 * page must work as plain HTML): Arabic laid out right to left, Georgian, each answered and thanked
 * in its language, the unsubscribe page and the page of a dead link. Any console error (a CSP
 * violation, a missing stylesheet) fails the test. Screenshots: artifacts/screenshots/40-feedback-*.png.
 */
describe('feedback page in headless Chromium', () => {
  let db: TestDatabase;
  let collector: TestCollector;
  let app: NestExpressApplication;
  let browser: Browser;
  let context: BrowserContext;
  let base: string;
  let orgId: string;
  const reasons: Record<string, string> = {};
  const consoleErrors: string[] = [];
  let lastStatus: number | undefined;

  const open = async (path: string): Promise<Page> => {
    const page = await context.newPage();
    // Chromium logs every 4xx page it loads; the 400 of a refused form is meant. A CSP violation
    // or a stylesheet that did not load is not.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('response', (r) => {
      if (r.request().resourceType() !== 'document' && r.status() >= 400) consoleErrors.push(`${r.status()} ${r.url()}`);
    });
    const response = await page.goto(`${base}${path}`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'none'");
    lastStatus = response?.status();
    return page;
  };
  /** Where an element is on the page, horizontally. */
  const box = async (page: Page, selector: string) => {
    const b = await page.locator(selector).first().boundingBox();
    if (!b) throw new Error(`${selector} is not visible`);
    return { left: b.x, right: b.x + b.width };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    collector = await startTestCollector({ DATABASE_URL: db.url, REDIS_PREFIX: testRedisPrefix(), HOST: '127.0.0.1' });
    app = collector.app;
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    orgId = (await factories(db.pool).organization({ name: 'ქუთაისის სტომატოლოგია', defaultLocale: 'ka', timezone: 'Asia/Tbilisi' })).id;
    reasons.price = await reason(db.pool, orgId, 'Too expensive', { usage: 30, labels: { ka: 'ძალიან ძვირია', ar: 'الأسعار مرتفعة جداً' } });
    reasons.moved = await reason(db.pool, orgId, 'Moved away', { usage: 20, labels: { ka: 'საცხოვრებლად გადავედი', ar: 'انتقلت إلى مدينة أخرى' } });
    reasons.wait = await reason(db.pool, orgId, 'Waited too long', { usage: 10, labels: { ka: 'დიდხანს ველოდე', ar: 'الانتظار كان طويلاً' } });
    reasons.doctor = await reason(db.pool, orgId, 'My doctor left', { usage: 5, labels: { ka: 'ჩემი ექიმი წავიდა', ar: 'طبيبي غادر العيادة' } });
    browser = await launchChromium();
    // A phone, and no JavaScript: everything must work as plain HTML forms.
    context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, javaScriptEnabled: false });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await collector?.close();
    await db?.drop();
  });

  afterEach(() => {
    expect(consoleErrors.splice(0)).toEqual([]);
  });

  it('shows an Arabic client the page right to left, takes the answer and thanks them in Arabic', async () => {
    const m = await linkedMessage(db.pool, orgId, { clientLocale: 'ar', messageLocale: 'ka', channel: 'viber' });
    const page = await open(`/f/${m.token}`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('html').getAttribute('lang')).toBe('ar');
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('لماذا توقفت عن زيارتنا؟');
    expect(await textOf(page.locator('.org'))).toBe('ქუთაისის სტომატოლოგია');
    expect(await page.locator('body').evaluate((body) => (globalThis as unknown as Dom).getComputedStyle(body).direction)).toBe('rtl');
    // Right to left: the heading starts at the right edge, and each radio button sits right of its label.
    const card = await box(page, 'main');
    // Where the heading's text is (the h1 box spans the card either way).
    const heading = await page.locator('h1').evaluate((h) => {
      const range = (globalThis as unknown as Dom).document.createRange();
      range.selectNodeContents(h);
      const r = range.getBoundingClientRect();
      return { left: r.left, right: r.right };
    });
    expect(card.right - heading.right).toBeLessThan(40);
    expect(heading.left - card.left).toBeGreaterThan(40);
    const radio = await box(page, `input[name="reason"][value="${reasons.price}"]`);
    const label = await box(page, `label:has(input[value="${reasons.price}"]) bdi`);
    expect(radio.left).toBeGreaterThan(label.right);
    await screenshot(page, '40-feedback-ar');

    await page.getByLabel('الأسعار مرتفعة جداً').check();
    await page.getByLabel('بكلماتك الخاصة (اختياري)').fill('الأسعار ارتفعت كثيراً هذا العام');
    await page.getByLabel('نعم، يمكنكم الاتصال بي').check();
    await page.getByLabel('وقت مناسب للاتصال (اختياري)').fill('بعد الساعة 6 مساءً');
    await page.getByLabel('4', { exact: true }).check();
    await Promise.all([page.waitForURL(`${base}/f/${m.token}`), page.getByRole('button', { name: 'إرسال' }).click()]);
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('شكراً لك');
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await textOf(page.locator('.call-note'))).toBe('سنتصل بك. الوقت المفضّل لديك: \u2068بعد الساعة 6 مساءً\u2069.');
    await screenshot(page, '40-feedback-ar-thanks');
    await page.close();

    // Thanked at once; the inbound worker writes the answer.
    await collector.settled();
    const { rows } = await db.pool.query(`SELECT reason_id::text, free_text, call_me, call_time, rating FROM feedback_responses WHERE message_id = $1`, [m.messageId]);
    expect(rows).toEqual([{ reason_id: reasons.price, free_text: 'الأسعار ارتفعت كثيراً هذا العام', call_me: true, call_time: 'بعد الساعة 6 مساءً', rating: 4 }]);
    const episode = (await db.pool.query(`SELECT reason_id::text, reason_channel FROM churn_episodes WHERE id = $1`, [m.episodeId])).rows[0];
    expect(episode).toEqual({ reason_id: reasons.price, reason_channel: 'feedback' });
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM call_tasks WHERE client_id = $1 AND source = 'asked'`, [m.clientId])).rows[0].n).toBe(1);
  });

  it('shows a Georgian client the page left to right, shows a problem at its field, then takes and updates the answer', async () => {
    const m = await linkedMessage(db.pool, orgId, { clientLocale: 'ka-GE', messageLocale: 'ka', channel: 'sms' });
    const page = await open(`/f/${m.token}`);
    expect(await page.locator('html').getAttribute('dir')).toBe('ltr');
    expect(await page.locator('html').getAttribute('lang')).toBe('ka');
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('რატომ შეწყვიტეთ ჩვენთან მოსვლა?');
    const radio = await box(page, `input[name="reason"][value="${reasons.moved}"]`);
    const label = await box(page, `label:has(input[value="${reasons.moved}"]) bdi`);
    expect(radio.right).toBeLessThan(label.left);
    expect(await page.locator('input[name="reason"]').count()).toBe(5); // four reasons and "something else"
    await screenshot(page, '40-feedback-ka');

    // Nothing chosen or written: the form comes back with the problem, nothing saved.
    await page.getByRole('button', { name: 'გაგზავნა' }).click();
    await page.getByRole('alert').waitFor();
    expect(await textOf(page.getByRole('alert'))).toContain('გთხოვთ, აირჩიოთ მიზეზი, დაწეროთ რამდენიმე სიტყვა ან მოგვცეთ დარეკვის უფლება.');
    await screenshot(page, '40-feedback-ka-problem');

    await page.getByLabel('საცხოვრებლად გადავედი').check();
    await page.getByLabel('თქვენი სიტყვებით (არასავალდებულო)').fill('ბათუმში გადავედი, მაგრამ ექიმი ძალიან მომწონდა');
    await page.getByLabel('5', { exact: true }).check();
    await page.getByRole('button', { name: 'გაგზავნა' }).click();
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('გმადლობთ');
    expect(await page.locator('.call-note').count()).toBe(0);
    await screenshot(page, '40-feedback-ka-thanks');

    // Opening the link again (once the worker wrote it) shows the answer, to change it; the change replaces it.
    await collector.settled();
    await page.goto(`${base}/f/${m.token}`);
    expect(await textOf(page.locator('.note').first())).toMatch(/^თქვენ უკვე გვიპასუხეთ/);
    expect(await page.getByLabel('საცხოვრებლად გადავედი').isChecked()).toBe(true);
    await page.getByLabel('დიდხანს ველოდე').check();
    await page.getByLabel('შეფასების გარეშე').check();
    await screenshot(page, '40-feedback-ka-change');
    await page.getByRole('button', { name: 'გაგზავნა' }).click();
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('გმადლობთ');
    await page.close();
    await collector.settled();
    const { rows } = await db.pool.query(`SELECT reason_id::text, free_text, rating FROM feedback_responses WHERE message_id = $1`, [m.messageId]);
    expect(rows).toEqual([{ reason_id: reasons.wait, free_text: 'ბათუმში გადავედი, მაგრამ ექიმი ძალიან მომწონდა', rating: null }]);
  });

  it('unsubscribes with one button, and shows a dead link\'s page in every language without naming anyone', async () => {
    const m = await linkedMessage(db.pool, orgId, { clientLocale: 'ar', channel: 'email' });
    const page = await open(`/u/${m.token}`);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('هل تريد إيقاف رسائل البريد الإلكتروني منّا؟');
    await screenshot(page, '40-feedback-unsubscribe');
    await page.getByRole('button', { name: 'نعم، أوقفوها' }).click();
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('تم إلغاء اشتراكك');
    await screenshot(page, '40-feedback-unsubscribed');
    expect((await db.pool.query(`SELECT consent_email FROM clients WHERE organization_id = $1 AND id = $2`, [orgId, m.clientId])).rows[0].consent_email).toBe('revoked');
    // Its link to the feedback page of the same message works (relative link).
    await page.getByRole('link', { name: 'أجب عن سؤال قصير' }).click();
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('لماذا توقفت عن زيارتنا؟');
    await page.close();

    const gone = await open('/f/this-link-does-not-exist-at-all');
    expect(lastStatus).toBe(404);
    expect(await gone.locator('section.gone').count()).toBeGreaterThanOrEqual(4);
    expect(await gone.locator('section.gone[lang="ar"]').getAttribute('dir')).toBe('rtl');
    expect(await gone.locator('.org').count()).toBe(0);
    await screenshot(gone, '40-feedback-link-gone');
    await gone.close();
  });
});
