import { createHash, randomBytes } from 'node:crypto';
import { METHODS } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Pool } from 'pg';
import { createStaffAccount } from '@comeback/accounts';
import { loadConfig } from '@comeback/config';
import { createApiKey } from '@comeback/ingestion';
import { createNestApp } from '@comeback/platform';
import { createTestDatabase, factories, TEST_REDIS_URL, testRedisPrefix, type TestDatabase } from '@comeback/testing';
import { campaignAppOptions } from '../../apps/campaign/src/campaign-app';
import { CAMPAIGN_ENV } from '../../apps/campaign/src/config';
import { DISPATCHER_ENV } from '../../apps/dispatcher/src/config';
import { dispatcherAppOptions } from '../../apps/dispatcher/src/dispatcher-app';
import { LAPSE_DETECTOR_ENV } from '../../apps/lapse-detector/src/config';
import { SweepModule } from '../../apps/lapse-detector/src/sweep/sweep.module';
import { REPORT_ENV } from '../../apps/report/src/config';
import { reportAppOptions } from '../../apps/report/src/report-app';
import { consoleSession, type ConsoleSession } from '../../apps/report/src/testing/console-session';
import { startTestCollector, type TestCollector } from '../../apps/response-collector/src/testing/test-collector';

export const PASSWORD = 'long enough passphrase';
/** The response collector's public address: Twilio signs requests over it. */
export const PUBLIC_BASE_URL = 'https://answers.example.test';

/** The HTTP apps of Comeback, by name, each built exactly as its main.ts builds it. */
export type AppName = 'report' | 'campaign' | 'lapse-detector' | 'dispatcher' | 'response-collector';
export const APP_NAMES: AppName[] = ['report', 'campaign', 'lapse-detector', 'dispatcher', 'response-collector'];

/**
 * One organization with one of every resource a route can name, as the apps write them. Names
 * carry the organization's marker so a response that leaks them is easy to spot.
 */
export interface Tenant {
  id: string;
  marker: string;
  apiKey: string;
  /** Provider tokens its messaging settings name (env variables set by the fixture). */
  twilioToken: string;
  viberToken: string;
  adminEmail: string;
  admin?: ConsoleSession;
  /** A second console account (a viewer): the one "disable / enable" can act on. */
  viewerAccountId: string;
  staffMemberId: string;
  serviceId: string;
  clientId: string;
  /** The client's open (lapsed) episode. */
  episodeId: string;
  /** A returned client's closed episode: the intensive-care review acts on it. */
  returnedEpisodeId: string;
  reasonId: string;
  otherReasonId: string;
  /** Four open candidates: accepting, mapping (twice) and dismissing each consume one. */
  candidateIds: string[];
  campaignId: string;
  /** A sent message (sandbox provider) with its personal link token. */
  messageId: string;
  feedbackToken: string;
  /** A dead message of the campaign (the dead letters' retry acts on it). */
  deadMessageId: string;
  callTaskId: string;
  replyId: string;
  sweepId: string;
}

export interface SecurityApps {
  db: TestDatabase;
  prefix: string;
  apps: Record<AppName, NestExpressApplication>;
  collector: TestCollector;
  close(): Promise<void>;
}

/**
 * Every HTTP app on one test database and one Redis prefix, initialised (not listening: supertest
 * listens on an ephemeral port per request), with the response collector's inbound worker.
 */
export async function startSecurityApps(): Promise<SecurityApps> {
  const db = await createTestDatabase();
  const prefix = testRedisPrefix();
  // The rate limits of sign-ins and failed public requests are set out of reach: these tests make
  // hundreds of refused requests from one address on purpose (the limits have tests of their own).
  const base = {
    DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'error',
    RATE_LIMIT_LOGIN_PER_IP: '100000', RATE_LIMIT_LOGIN_PER_EMAIL: '100000', RATE_LIMIT_PUBLIC_FAILURES_PER_IP: '1000000',
  };
  const built: INestApplication[] = [];
  const build = async (app: NestExpressApplication) => {
    await app.init();
    built.push(app);
    return app;
  };
  const reportConfig = loadConfig('report', REPORT_ENV, { ...base, PUBLIC_FEEDBACK_URL: PUBLIC_BASE_URL });
  const campaignConfig = loadConfig('campaign', CAMPAIGN_ENV, { ...base, PUBLIC_FEEDBACK_URL: PUBLIC_BASE_URL });
  const lapseConfig = loadConfig('lapse-detector', LAPSE_DETECTOR_ENV, base);
  const dispatcherConfig = loadConfig('dispatcher', DISPATCHER_ENV, base);
  const apps = {
    report: await build(await createNestApp({ ...reportAppOptions(reportConfig), config: reportConfig })),
    campaign: await build(await createNestApp({ ...campaignAppOptions(campaignConfig), config: campaignConfig })),
    'lapse-detector': await build(await createNestApp({ app: 'lapse-detector', config: lapseConfig, imports: [SweepModule.forRoot(lapseConfig)] })),
    dispatcher: await build(await createNestApp({ ...dispatcherAppOptions(dispatcherConfig, {}), config: dispatcherConfig })),
  } as Record<AppName, NestExpressApplication>;
  const collector = await startTestCollector({ ...base, PUBLIC_BASE_URL });
  apps['response-collector'] = collector.app;
  return {
    db,
    prefix,
    apps,
    collector,
    async close() {
      await collector.close();
      for (const app of built.reverse()) await app.close();
      await db.drop();
    },
  };
}

/** The routes an app serves, read from its Express router after init: `METHOD /path` (`ALL /path` for a route of every method, `@All`). */
export function listRoutes(app: NestExpressApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string | string[]; methods: Record<string, boolean> } }[] } };
  const routes = new Set<string>();
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    const methods = Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m] && m !== '_all');
    const every = METHODS.every((m) => methods.includes(m.toLowerCase()));
    for (const path of ([] as string[]).concat(layer.route.path)) {
      for (const method of every ? ['all'] : methods) routes.add(`${method.toUpperCase()} ${path}`);
    }
  }
  return [...routes].sort();
}

/** Creates an organization with one of each resource (see Tenant). */
export async function seedTenant(pool: Pool, marker: string): Promise<Tenant> {
  const make = factories(pool);
  const one = async (sql: string, params: unknown[]): Promise<string> => (await pool.query<{ id: string }>(sql, params)).rows[0].id;
  const org = await make.organization({ name: `${marker} Clinic`, defaultLocale: 'en' });
  const twilioToken = `twilio-token-${marker}-${randomBytes(8).toString('hex')}`;
  const viberToken = `viber-token-${marker}-${randomBytes(8).toString('hex')}`;
  // Provider secrets come from the environment; the settings name the variables.
  const envName = marker.toUpperCase();
  process.env[`SECURITY_TWILIO_${envName}`] = twilioToken;
  process.env[`SECURITY_VIBER_${envName}`] = viberToken;
  await pool.query(`UPDATE organizations SET messaging_settings = $2 WHERE id = $1`, [
    org.id,
    {
      allowedHours: { from: '00:00', to: '23:59' },
      providers: {
        sms: { type: 'twilio', accountSid: `AC${'1'.repeat(32)}`, authTokenEnv: `SECURITY_TWILIO_${envName}`, from: '+995322000000' },
        viber: { type: 'viber', authTokenEnv: `SECURITY_VIBER_${envName}`, senderName: marker },
      },
    },
  ]);
  const apiKey = (await createApiKey(pool, org.id, `${marker} key`)).key;
  const adminEmail = `admin@${marker.toLowerCase()}.test`;
  await createStaffAccount(pool, { organizationId: org.id, email: adminEmail, displayName: `${marker} Admin`, role: 'admin', password: PASSWORD });
  const viewer = await createStaffAccount(pool, { organizationId: org.id, email: `viewer@${marker.toLowerCase()}.test`, displayName: `${marker} Viewer`, role: 'viewer', password: PASSWORD });
  const staffMemberId = String(await make.staffMember(org.id, { name: `${marker} Doctor` }));
  const serviceId = String(await make.service(org.id, { name: `${marker} Cleaning` }));
  const clientId = await one(
    `INSERT INTO clients (organization_id, external_id, name, phone, email, viber_id, consent_sms, consent_email, consent_viber)
     VALUES ($1, 'c1', $2, '+995599000101', 'client@example.test', $3, 'granted', 'granted', 'granted') RETURNING id::text`,
    [org.id, `${marker} Client`, `viber-${marker}==`],
  );
  const returnedClientId = await one(`INSERT INTO clients (organization_id, external_id, name) VALUES ($1, 'c2', $2) RETURNING id::text`, [org.id, `${marker} Returned`]);
  const reasonId = await one(`INSERT INTO churn_reasons (organization_id, label) VALUES ($1, $2) RETURNING id::text`, [org.id, `${marker} too expensive`]);
  const otherReasonId = await one(`INSERT INTO churn_reasons (organization_id, label) VALUES ($1, $2) RETURNING id::text`, [org.id, `${marker} moved away`]);
  const candidateIds: string[] = [];
  for (const n of [1, 2, 3, 4]) {
    candidateIds.push(
      await one(`INSERT INTO reason_candidates (organization_id, normalized, sample_text) VALUES ($1, $2, $2) RETURNING id::text`, [org.id, `${marker.toLowerCase()} candidate ${n}`]),
    );
  }
  const episodeId = await one(
    `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, lapsed_at, last_visit_at, left_on, churn_type, method, usual_gap_days, revenue_12m, value_tier, staff_member_id, service_id)
     VALUES ($1, $2, 'lapsed', now(), now(), now() - interval '120 days', current_date - 119, 'passive', 'cadence', 14, 500, 1, $3, $4) RETURNING id::text`,
    [org.id, clientId, staffMemberId, serviceId],
  );
  const returnedEpisodeId = await one(
    `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, lapsed_at, returned_at, last_visit_at, left_on, churn_type, method, revenue_12m)
     VALUES ($1, $2, 'returned', now() - interval '60 days', now() - interval '50 days', now() - interval '5 days', now() - interval '120 days', current_date - 119, 'passive', 'cadence', 300)
     RETURNING id::text`,
    [org.id, returnedClientId],
  );
  // 'ask' is the campaigns'; the two 'spare' ones are there to be deleted (one through the console, one through the API).
  for (const [key, locale] of [['ask', 'en'], ['spare', 'en'], ['spare', 'de']]) {
    await pool.query(`INSERT INTO message_templates (organization_id, key, channel, locale, parts) VALUES ($1, $2, 'sms', $3, $4)`, [
      org.id, key, locale, { text: `Why did you leave ${marker}? {{feedbackUrl}}` },
    ]);
  }
  const campaignId = await one(`INSERT INTO campaigns (organization_id, name, template_key, channels) VALUES ($1, $2, 'ask', '{sms}') RETURNING id::text`, [org.id, `${marker} campaign`]);
  const sentCampaign = await one(
    // Finished, so the campaign app's background work (fan-out, fallback sweep) leaves it alone while routes are probed.
    `INSERT INTO campaigns (organization_id, name, status, template_key, channels, started_at, fanned_out_at, finished_at) VALUES ($1, $2, 'done', 'ask', '{sms}', now(), now(), now()) RETURNING id::text`,
    [org.id, `${marker} sent campaign`],
  );
  await pool.query(`INSERT INTO campaign_recipients (campaign_id, client_id, organization_id, episode_id, control) VALUES ($1, $2, $3, $4, false)`, [sentCampaign, clientId, org.id, episodeId]);
  const feedbackToken = randomBytes(18).toString('base64url');
  const messageId = await one(
    `INSERT INTO messages (organization_id, campaign_id, client_id, channel, status, to_address, locale, content, feedback_token_hash, sent_at, provider, provider_message_id)
     VALUES ($1, $2, $3, 'sms', 'sent', '+995599000101', 'en', $4, $5, now() - interval '1 hour', 'sandbox', $6) RETURNING id::text`,
    [org.id, sentCampaign, clientId, { text: `${marker} asks why` }, createHash('sha256').update(feedbackToken).digest(), `SM${randomBytes(16).toString('hex')}`],
  );
  await pool.query(`INSERT INTO sandbox_messages (organization_id, message_id, channel, to_address, content) VALUES ($1, $2, 'sms', '+995599000101', $3)`, [org.id, messageId, { text: `${marker} asks why` }]);
  const deadMessageId = await one(
    `INSERT INTO messages (organization_id, campaign_id, client_id, channel, status, to_address, locale, content, failed_at, last_error)
     VALUES ($1, $2, $3, 'email', 'dead', 'client@example.test', 'en', $4, now(), 'refused') RETURNING id::text`,
    [org.id, sentCampaign, clientId, { text: `${marker} dead letter` }],
  );
  const callTaskId = await one(
    `INSERT INTO call_tasks (organization_id, client_id, episode_id, cycle, queue, source, value_at_creation) VALUES ($1, $2, $3, date_trunc('month', now())::date, 'retention', 'asked', 500) RETURNING id::text`,
    [org.id, clientId, episodeId],
  );
  const replyId = await one(
    `INSERT INTO replies (organization_id, client_id, message_id, episode_id, channel, from_address, text, kind, received_at, needs_review)
     VALUES ($1, $2, $3, $4, 'sms', '+995599000101', $5, 'free_text', now(), true) RETURNING id::text`,
    [org.id, clientId, messageId, episodeId, `${marker} said something`],
  );
  const sweepId = await one(`INSERT INTO lapse_sweeps (organization_id, kind, trigger, status, as_of) VALUES ($1, 'full', 'on_demand', 'done', current_date) RETURNING id::text`, [org.id]);
  return {
    id: org.id, marker, apiKey, twilioToken, viberToken, adminEmail, viewerAccountId: viewer.id, staffMemberId, serviceId, clientId, episodeId, returnedEpisodeId,
    reasonId, otherReasonId, candidateIds, campaignId, messageId, feedbackToken, deadMessageId, callTaskId, replyId, sweepId,
  };
}

/** Signs in through the console's own sign-in form (login CSRF cookie and token), as a browser does. */
export const signInToConsoleOverHttp = (app: NestExpressApplication, email: string, password = PASSWORD): Promise<ConsoleSession> => consoleSession(app, email, password);

/**
 * A fingerprint of everything an organization owns: for every table with an organization_id (and
 * the organization's row, its reasons' labels, its accounts' sessions and its sweeps' chunks), the
 * row count and an MD5 of the rows in a fixed order. Equal fingerprints: nothing of it changed.
 * `ignore` leaves out tables the caller's own requests touch by design (an API key's last use, a
 * session's last activity) when the fingerprint is of the caller's organization.
 */
export async function tenantFingerprint(pool: Pool, organizationId: string, ignore: string[] = []): Promise<Record<string, string>> {
  const { rows: tables } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
  );
  const queries: [string, string][] = tables.map(({ name }) => [name, `SELECT t::text AS r FROM "${name}" t WHERE t.organization_id = $1`]);
  queries.push(
    ['organizations', `SELECT t::text AS r FROM organizations t WHERE t.id = $1`],
    ['reason_labels', `SELECT t::text AS r FROM reason_labels t JOIN churn_reasons r ON r.id = t.reason_id WHERE r.organization_id = $1`],
    ['staff_sessions', `SELECT t::text AS r FROM staff_sessions t JOIN staff_accounts a ON a.id = t.account_id WHERE a.organization_id = $1`],
    ['lapse_sweep_chunks', `SELECT t::text AS r FROM lapse_sweep_chunks t JOIN lapse_sweeps s ON s.id = t.sweep_id WHERE s.organization_id = $1`],
  );
  const print: Record<string, string> = {};
  for (const [name, sql] of queries) {
    if (ignore.includes(name)) continue;
    const { rows } = await pool.query<{ n: number; sum: string }>(`SELECT count(*)::int AS n, md5(coalesce(string_agg(r, '|' ORDER BY r), '')) AS sum FROM (${sql}) x`, [organizationId]);
    print[name] = `${rows[0].n}:${rows[0].sum}`;
  }
  return print;
}
