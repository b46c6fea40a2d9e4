import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Browser, Page } from 'playwright-core';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { createNestApp } from '@comeback/platform';
import { createReason, recordReasonText } from '@comeback/reasons';
import { createTestDatabase, factories, launchChromium, screenshot, signInToConsole, TEST_REDIS_URL, testRedisPrefix, textOf, type TestDatabase } from '@comeback/testing';
import { REPORT_ENV } from '../../apps/report/src/config';
import { reportAppOptions } from '../../apps/report/src/report-app';

const PASSWORD = 'browser test passphrase';
const DAY = 86_400_000;
/** Shares no word with any reason below, so the matcher files it as a candidate. */
const UNMATCHED = 'hamileyim doktor yasakladı';

jest.setTimeout(120_000);

/**
 * The reason list and the replies inbox as staff use them (report app, real PostgreSQL, headless
 * Chromium): map a candidate (the same words then match), a refused duplicate (409 page), merge two
 * reasons (episodes move), retire one; filter the inbox and mark a reply reviewed; a viewer reads
 * both pages without any form.
 */
describe('reason pages in headless Chromium', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let browser: Browser;
  let base: string;
  let orgId: string;
  const reason: Record<string, string> = {};
  let candidateId: string;
  const reply: Record<string, string> = {};

  const signIn = (email: string, start: string): Promise<Page> => signInToConsole(browser, base, start, email, PASSWORD, new RegExp(start.replace(/\//g, '\\/')));
  const count = async (sql: string, params: unknown[]): Promise<number> => (await db.pool.query<{ n: number }>(sql, params)).rows[0].n;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig('report', REPORT_ENV, { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix(), LOG_LEVEL: 'error', HOST: '127.0.0.1' });
    app = (await createNestApp({ ...reportAppOptions(config), config })) as NestExpressApplication;
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

    const make = factories(db.pool);
    orgId = (await make.organization({ name: 'Tbilisi Smile', timezone: 'Asia/Tbilisi' })).id;
    for (const label of ['Too expensive', 'Prices went up', 'Expecting a baby', 'No parking']) {
      reason[label] = (await createReason(db.pool, { organizationId: orgId, label, locale: 'en' })).reason.id;
    }
    const recorded = await recordReasonText(db.pool, { organizationId: orgId, text: UNMATCHED });
    expect(recorded.reasonId).toBeNull();
    candidateId = recorded.candidateId as string;

    const nino = await make.client(orgId, { name: 'Nino <b>Beridze</b>', phone: '+995599000201' });
    const ayse = await make.client(orgId, { name: 'Ayşe Yılmaz', phone: '+995599000202' });
    // Two episodes with the reason that will be merged away.
    for (const client of [nino, ayse]) {
      await db.pool.query(
        `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, lapsed_at, last_visit_at, left_on, churn_type, method, revenue_12m, value_tier, reason_id)
         VALUES ($1, $2, 'lapsed', now(), now(), $3, ($3::timestamptz + interval '1 day')::date, 'voluntary', 'cadence', 500, 1, $4)`,
        [orgId, client, new Date(Date.now() - 120 * DAY), reason['Prices went up']],
      );
    }
    const insertReply = async (key: string, row: { client: string | null; from?: string; channel: string; kind: string; text: string; reasonId?: string; candidateId?: string; matchedBy?: string; score?: number; review: boolean; minutesAgo: number }): Promise<void> => {
      const { rows } = await db.pool.query<{ id: string }>(
        `INSERT INTO replies (organization_id, client_id, channel, from_address, text, kind, reason_id, candidate_id, matched_by, match_score, received_at, needs_review)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() - make_interval(mins => $11), $12) RETURNING id::text`,
        [orgId, row.client, row.channel, row.from ?? null, row.text, row.kind, row.reasonId ?? null, row.candidateId ?? null, row.matchedBy ?? null, row.score ?? null, row.minutesAgo, row.review],
      );
      reply[key] = rows[0].id;
    };
    await insertReply('matched', { client: nino, channel: 'sms', kind: 'free_text', text: 'too expensive now', reasonId: reason['Too expensive'], matchedBy: 'fuzzy', score: 0.81, review: false, minutesAgo: 30 });
    await insertReply('stranger', { client: null, from: '+995599999999', channel: 'sms', kind: 'unknown_sender', text: '<script>alert("who")</script>', review: true, minutesAgo: 20 });
    await insertReply('candidate', { client: ayse, channel: 'viber', kind: 'free_text', text: UNMATCHED, candidateId, review: true, minutesAgo: 10 });

    await createStaffAccount(db.pool, { organizationId: orgId, email: 'marketer@smile.test', displayName: 'Tamar', role: 'marketer', password: PASSWORD });
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'viewer@smile.test', displayName: 'Levan', role: 'viewer', password: PASSWORD });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.drop();
  });

  it('maps a candidate (its words then match), refuses a duplicate with a 409 page, merges two reasons and retires one', async () => {
    const page = await signIn('marketer@smile.test', '/console/reasons');
    expect(await textOf(page.locator(`#c-${candidateId}`))).toContain(UNMATCHED);
    await screenshot(page, '50-reasons');

    // Accepting the candidate under an existing reason's name is refused: 409, the problem shown, nothing changed.
    await page.locator(`#c-${candidateId}`).getByLabel('New reason').fill('too  EXPENSIVE');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/candidates/${candidateId}/accept`)), page.locator(`#c-${candidateId}`).getByRole('button', { name: 'Accept as new reason' }).click()]);
    expect(refused.status()).toBe(409);
    expect(await textOf(page.locator('.problem'))).toContain('already names a reason');
    await screenshot(page, '50-reasons-duplicate');
    await page.getByRole('link', { name: 'Back to the reasons' }).click();

    await page.locator(`#c-${candidateId}`).getByLabel('Map to').selectOption(reason['Expecting a baby']);
    await page.locator(`#c-${candidateId}`).getByRole('button', { name: 'Map', exact: true }).click();
    await page.getByText('The candidate was mapped').waitFor({ state: 'visible' });
    expect(await page.locator(`#c-${candidateId}`).count()).toBe(0);
    expect(await textOf(page.locator(`#r-${reason['Expecting a baby']}`))).toContain('learned');
    const again = await recordReasonText(db.pool, { organizationId: orgId, text: UNMATCHED });
    expect({ reasonId: again.reasonId, matchedBy: again.matchedBy }).toEqual({ reasonId: reason['Expecting a baby'], matchedBy: 'alias' });

    // Merge "Prices went up" into "Too expensive": the box must be ticked, then the episodes move.
    const from = page.locator(`#r-${reason['Prices went up']}`);
    await from.getByLabel('Merge into').selectOption(reason['Too expensive']);
    await from.getByRole('checkbox').check();
    await from.getByRole('button', { name: 'Merge' }).click();
    await page.getByText('The reasons were merged').waitFor({ state: 'visible' });
    expect(await count(`SELECT count(*)::int AS n FROM churn_episodes WHERE organization_id = $1 AND reason_id = $2`, [orgId, reason['Too expensive']])).toBe(2);
    expect(await count(`SELECT count(*)::int AS n FROM churn_episodes WHERE organization_id = $1 AND reason_id = $2`, [orgId, reason['Prices went up']])).toBe(0);
    expect(await textOf(page.locator(`#r-${reason['Prices went up']} .reason-status`))).toBe('merged into Too expensive');

    await page.getByRole('button', { name: 'Retire No parking' }).click();
    await page.getByText('The reason was retired').waitFor({ state: 'visible' });
    expect(await textOf(page.locator(`#r-${reason['No parking']} .reason-status`))).toBe('retired');
    expect(await count(`SELECT count(*)::int AS n FROM churn_reasons WHERE id = $1 AND retired_at IS NOT NULL`, [reason['No parking']])).toBe(1);
    await screenshot(page, '50-reasons-after');
    await page.close();
  });

  it('lists replies needing review, filters by channel, and marks one reviewed', async () => {
    const page = await signIn('marketer@smile.test', '/console/replies');
    // Needs review only, by default: the unknown sender (escaped, with the number) and the candidate reply.
    expect(await page.locator('#replies tbody tr').count()).toBe(2);
    expect(await textOf(page.locator(`#p-${reply.stranger}`))).toContain('<script>alert("who")</script>');
    expect(await textOf(page.locator(`#p-${reply.stranger}`))).toContain('unknown sender +995599999999');
    expect(await page.locator(`#p-${reply.candidate} a[href^="/console/clients/"]`).count()).toBe(1);
    await screenshot(page, '51-replies');

    await page.getByLabel('Channel').selectOption('viber');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/channel=viber/);
    expect(await page.locator('#replies tbody tr').count()).toBe(1);
    await page.locator(`#p-${reply.candidate}`).getByRole('button', { name: 'Mark reviewed' }).click();
    await page.getByText('The reply was marked as reviewed.').waitFor({ state: 'visible' });
    expect(page.url()).toMatch(/channel=viber/);
    expect(await page.locator('#replies tbody tr').count()).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM replies WHERE id = $1 AND NOT needs_review`, [reply.candidate])).toBe(1);

    // Everything, any channel: the matched reply shows its reason and how it was matched.
    await page.getByLabel('Needs review only').uncheck();
    await page.getByLabel('Channel').selectOption('');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/shown=1&channel=$/);
    expect(await page.locator('#replies tbody tr').count()).toBe(3);
    expect(await textOf(page.locator(`#p-${reply.matched}`))).toContain('Too expensive');
    expect(await textOf(page.locator(`#p-${reply.matched}`))).toContain('similar words · 0.81');
    await screenshot(page, '51-replies-all');
    await page.close();
  });

  it('refuses an unconfirmed merge (400), another organization\'s reason (404) and a malformed id (400), changing nothing', async () => {
    const page = await signIn('marketer@smile.test', '/console/reasons');
    const csrf = await page.locator('#new-reason input[name="_csrf"]').inputValue();
    const other = (await factories(db.pool).organization({ name: 'Elsewhere' })).id;
    const foreign = (await createReason(db.pool, { organizationId: other, label: 'Foreign reason' })).reason.id;
    const post = (path: string, form: Record<string, string>) => page.request.post(`${base}${path}`, { form: { _csrf: csrf, ...form }, maxRedirects: 0 });

    const unconfirmed = await post(`/console/reasons/${reason['Expecting a baby']}/merge`, { intoId: reason['Too expensive'] });
    expect(unconfirmed.status()).toBe(400);
    expect(await unconfirmed.text()).toContain('Tick the box to confirm the merge');
    expect((await post(`/console/reasons/${foreign}/retire`, {})).status()).toBe(404);
    expect((await post(`/console/reasons/${reason['Expecting a baby']}/merge`, { intoId: foreign, confirm: 'yes' })).status()).toBe(404);
    expect((await post(`/console/reasons/1%27%20OR%201=1/retire`, {})).status()).toBe(400);
    expect(await count(`SELECT count(*)::int AS n FROM churn_reasons WHERE organization_id = ANY($1::uuid[]) AND (retired_at IS NOT NULL OR merged_into_id IS NOT NULL)`, [[orgId, other]])).toBe(2);
    await page.close();
  });

  it('shows a viewer both pages without any form', async () => {
    const page = await signIn('viewer@smile.test', '/console/reasons');
    expect(await page.locator('#reasons tbody tr').count()).toBe(4);
    expect(await page.locator('main form[method="post"], #reasons form, #new-reason').count()).toBe(0);
    await page.getByRole('link', { name: 'Replies', exact: true }).click();
    await page.waitForURL(/\/console\/replies/);
    expect(await page.locator('#replies tbody tr').count()).toBe(1);
    expect(await page.locator('#replies form').count()).toBe(0);
    await screenshot(page, '51-replies-viewer');
    // The server refuses a viewer's change whatever the page shows.
    const csrf = (await page.locator('input[name="_csrf"]').count()) ? await page.locator('input[name="_csrf"]').first().inputValue() : '';
    const refused = await page.request.post(`${base}/console/reasons/${reason['Too expensive']}/retire`, { form: { _csrf: csrf }, maxRedirects: 0 });
    expect(refused.status()).toBe(403);
    expect(await count(`SELECT count(*)::int AS n FROM churn_reasons WHERE id = $1 AND retired_at IS NULL`, [reason['Too expensive']])).toBe(1);
    await page.close();
  });

  it('pages the inbox by time: 200 replies a page, the next page from where the last ended, none twice', async () => {
    // 230 replies in one second apart, some at the very same microsecond (the id breaks the tie).
    await db.pool.query(
      `INSERT INTO replies (organization_id, channel, from_address, text, kind, received_at, needs_review)
       SELECT $1, 'email', 'paged@example.test', 'paged reply ' || g, 'unknown_sender', now() - interval '1 day' - make_interval(secs => g / 2), true
         FROM generate_series(1, 230) g`,
      [orgId],
    );
    const page = await signIn('viewer@smile.test', '/console/replies');
    await page.goto(`${base}/console/replies?shown=1&channel=email`);
    const seen: string[] = [];
    seen.push(...(await page.locator('#replies tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-reply') as string))));
    expect(seen).toHaveLength(200);
    await page.locator('#older-replies').click();
    await page.waitForURL(/after=/);
    seen.push(...(await page.locator('#replies tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-reply') as string))));
    expect(await page.locator('#older-replies').count()).toBe(0);
    expect(seen).toHaveLength(230);
    expect(new Set(seen).size).toBe(230);
    // A cursor that is not ours starts from the newest instead of failing.
    await page.goto(`${base}/console/replies?shown=1&channel=email&after=bm90LWEtY3Vyc29y`);
    expect(await page.locator('#replies tbody tr').count()).toBe(200);
    await page.close();
  });
});
