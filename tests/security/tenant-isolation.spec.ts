import { createHmac } from 'node:crypto';
import request from 'supertest';
import twilio from 'twilio';
import {
  APP_NAMES, type AppName, listRoutes, PUBLIC_BASE_URL, seedTenant, type SecurityApps, signInToConsoleOverHttp, startSecurityApps, type Tenant, tenantFingerprint,
} from './security-fixture';

/**
 * Tenant isolation over every route of every HTTP app. The routes are read from each app's
 * router at run time and checked against ROUTES (both ways), so a new route fails this test until
 * it says how to call it. For each route, organization A (its API key, its admin's console
 * session, its provider token) asks for organization B's id or B's resources: the answer must be
 * a refusal (403/404), nothing of B may change (a fingerprint of every B row before and after),
 * and nothing of B may show in the answer. The same request for A's own resource (the control)
 * must get past the lookup, so a refusal is the isolation at work, not a mistyped request.
 */

/** How the route is expected to treat a request that names B's id or resource. */
type Expectation =
  /** Refused: 403 (another organization's id) or 404 (a resource not in the caller's organization). */
  | 'refused'
  /**
   * The id is a filter or a value within the caller's own organization (a lost-clients filter, a
   * dismissal of ticked rows): it matches nothing of B, so any answer but a 5xx, showing nothing of B.
   */
  | 'filtered'
  /**
   * The route names no other organization's anything: it works on the caller's own organization
   * (the session's); called as A it must leave B alone and show nothing of B.
   */
  | 'own-organization'
  /** Answered with exactly this status by design (said at the route), B unchanged and not shown. */
  | { status: number };

interface Variant {
  label: string;
  expect: Expectation;
  /** Sends the request with `own`'s credentials naming `target`'s id or resources. */
  send(own: Tenant, target: Tenant): Promise<request.Response>;
  /** Whether the request for own's resources is a meaningful control (not for own-organization / filtered routes). */
  control?: boolean;
  /** What else must hold once the attack is handled (the worker included); a sentence saying what did not, or null. */
  check?(): Promise<string | null>;
}

/** A route with no organization data behind it, and why. */
interface NoTenantData {
  none: string;
}

type RouteCase = Variant[] | NoTenantData;

describe('tenant isolation over every route (real PostgreSQL and Redis)', () => {
  let env: SecurityApps;
  let a: Tenant;
  let b: Tenant;

  const http = (app: AppName) => request(env.apps[app].getHttpServer());
  const orgPath = (t: Tenant) => `/api/v1/organizations/${t.id}`;
  const api = (app: AppName, method: 'get' | 'post' | 'put' | 'delete', path: string, own: Tenant) => http(app)[method](path).set('Authorization', `Bearer ${own.apiKey}`);
  const pageAs = (own: Tenant, path: string) => http('report').get(path).set('Cookie', own.admin!.cookie);
  const formAs = (own: Tenant, path: string, form: Record<string, string | string[]> = {}) =>
    http('report').post(path).set('Cookie', own.admin!.cookie).type('form').send({ _csrf: own.admin!.csrf, ...form });
  const twilioPost = (path: string, fields: Record<string, string>, token: string) =>
    http('response-collector').post(path).type('form').send(fields).set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(token, `${PUBLIC_BASE_URL}${path}`, fields));
  const sid = (prefix: 'SM' | 'CA', n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;
  let webhookCount = 0;
  /** The provider id of the last webhook sent: its request row says how the worker took it. */
  let lastSid = '';
  const nextSid = (prefix: 'SM' | 'CA') => (lastSid = sid(prefix, ++webhookCount));
  /** Accepted webhooks about B's message must be kept with the reason they wrote nothing, not dropped silently. */
  const keptWithReason = async (): Promise<string | null> => {
    const { rows } = await env.db.pool.query<{ status: string; error: string | null }>(`SELECT status, error FROM inbound_requests WHERE idempotency_key LIKE $1`, [`${lastSid}-%`]);
    return rows.length === 1 && rows[0].status === 'processed' && /no (voice )?message/.test(rows[0].error ?? '') ? null : `request ${lastSid} was not kept with its reason: ${JSON.stringify(rows)}`;
  };

  /** An API route under the organization: A's key with B's organization id in the path. */
  const apiOrg = (app: AppName, method: 'get' | 'post' | 'put' | 'delete', tail: string | ((target: Tenant) => string), body?: object): Variant => ({
    label: `A's API key, B's organization in the path`,
    expect: 'refused',
    control: true,
    send: (own, target) => {
      const r = api(app, method, `${orgPath(target)}${typeof tail === 'string' ? tail : tail(target)}`, own);
      return body ? r.send(body) : r;
    },
  });
  /** An API route naming a resource: A's key and organization, B's resource id. */
  const apiResource = (app: AppName, method: 'get' | 'post', tail: (target: Tenant) => string, body?: (target: Tenant) => object): Variant => ({
    label: `A's API key and organization, B's resource`,
    expect: 'refused',
    control: true,
    send: (own, target) => {
      const r = api(app, method, `${orgPath(own)}${tail(target)}`, own);
      return body ? r.send(body(target)) : r;
    },
  });
  const consoleRefused = (label: string, send: Variant['send']): Variant => ({ label: `A's admin, ${label}`, expect: 'refused', control: true, send });
  const ownOrganization = (send: (own: Tenant) => Promise<request.Response>): Variant[] => [{ label: "A's session, A's organization", expect: 'own-organization', send: (own) => send(own) }];
  const audienceRefused = (label: string, send: Variant['send']): Variant => ({ label: `A's admin, ${label}`, expect: { status: 400 }, control: true, send });
  const filtered = (label: string, send: Variant['send']): Variant => ({ label: `A's admin, ${label}`, expect: 'filtered', send });

  const HEALTH: NoTenantData = { none: 'health checks: no organization data' };
  const health = (app: AppName): Record<string, RouteCase> => ({
    [`${app} GET /metrics`]: { none: 'Prometheus metrics of the process: counts by route and queue, no organization data' },
    [`${app} GET /health`]: HEALTH,
    [`${app} GET /health/live`]: HEALTH,
    [`${app} GET /health/ready`]: HEALTH,
  });

  const REPORTS = ['gone', 'lost-business', 'reasons-by-revenue', 'retention-by-staff', 'average-check', 'churn-types', 'intensive-care'];
  const COLLECTIONS = ['staff', 'services', 'clients', 'visits', 'payment-events'];

  /** How to call every route of every app; the test fails on a route missing here or listed here and gone. */
  const ROUTES: Record<string, RouteCase> = {
    ...Object.fromEntries(APP_NAMES.flatMap((app) => Object.entries(health(app)))),

    // report: the ingestion and reports APIs (API key).
    ...Object.fromEntries(COLLECTIONS.map((c) => [`report POST /api/v1/organizations/:organizationId/${c}`, [apiOrg('report', 'post', `/${c}`, { records: [] })]])),
    ...Object.fromEntries(REPORTS.map((r) => [`report GET /api/v1/organizations/:organizationId/reports/${r}`, [apiOrg('report', 'get', `/reports/${r}`)]])),
    'report POST /api/v1/organizations/:organizationId/report-rollups': [apiOrg('report', 'post', '/report-rollups')],

    // report: the console (session cookie and CSRF token of A's admin).
    'report GET /console': { none: 'a redirect to the lost-clients list' },
    'report GET /console/login': { none: 'the sign-in form: no organization until signed in' },
    'report POST /console/login': { none: 'signing in: the organization comes from the account' },
    'report POST /console/logout': ownOrganization(async (own) => {
      // A session of its own: signing out must not end the one the other probes use.
      const s = await signInToConsoleOverHttp(env.apps.report, own.adminEmail);
      return http('report').post('/console/logout').set('Cookie', s.cookie).type('form').send({ _csrf: s.csrf });
    }),
    'report POST /console/language': ownOrganization((own) => formAs(own, '/console/language', { locale: 'en' })),
    'report GET /console/assets/:file': { none: 'static files of the app (path traversal: bad-input suite)' },
    'report GET /console/lost-clients': [filtered("B's staff member, service and reason as filters", (own, t) => pageAs(own, `/console/lost-clients?staff=${t.staffMemberId}&service=${t.serviceId}&reason=${t.reasonId}`))],
    'report GET /console/lost-clients.json': [filtered("B's staff member as a filter", (own, t) => pageAs(own, `/console/lost-clients.json?staff=${t.staffMemberId}`))],
    'report GET /console/lost-clients.csv': [filtered("B's service as a filter", (own, t) => pageAs(own, `/console/lost-clients.csv?service=${t.serviceId}`))],
    'report POST /console/lost-clients/selection': [
      filtered("B's episode ticked for export", (own, t) => formAs(own, '/console/lost-clients/selection', { action: 'export', episode: t.episodeId })),
      filtered("B's episode ticked for dismissal (matches none of A's: 0 dismissed)", (own, t) => formAs(own, '/console/lost-clients/selection', { action: 'dismiss', episode: t.episodeId })),
    ],
    'report GET /console/clients/:clientId': [consoleRefused("B's client", (own, t) => pageAs(own, `/console/clients/${t.clientId}`))],
    'report GET /console/clients/:clientId/card.json': [consoleRefused("B's client", (own, t) => pageAs(own, `/console/clients/${t.clientId}/card.json`))],
    'report POST /console/clients/:clientId/episodes/:episodeId/reason': [
      consoleRefused("B's client and episode", (own, t) => formAs(own, `/console/clients/${t.clientId}/episodes/${t.episodeId}/reason`, { reason: 'price' })),
      consoleRefused("A's client, B's episode", (own, t) => formAs(own, `/console/clients/${own.clientId}/episodes/${t.episodeId}/reason`, { reason: 'price' })),
      consoleRefused("A's client and episode, B's reason", (own, t) =>
        formAs(own, `/console/clients/${own.clientId}/episodes/${own.episodeId}/reason`, { reason: `${t.marker} too expensive`, useReason: t.reasonId })),
    ],
    'report GET /console/reasons/suggest': [filtered("B's reason label as the query", (own, t) => pageAs(own, `/console/reasons/suggest?q=${encodeURIComponent(`${t.marker} too`)}`))],
    'report GET /console/accounts': ownOrganization((own) => pageAs(own, '/console/accounts')),
    'report POST /console/accounts': ownOrganization((own) =>
      formAs(own, '/console/accounts', { email: `new-${Date.now()}@${own.marker.toLowerCase()}.test`, displayName: 'New', role: 'viewer', password: 'another long passphrase' })),
    'report POST /console/accounts/:accountId/unlock': [consoleRefused("B's account unlocked", (own, t) => formAs(own, `/console/accounts/${t.viewerAccountId}/unlock`))],
    'report GET /console/audit': ownOrganization((own) => pageAs(own, '/console/audit')),
    // The queue dashboard shows every organization's jobs (BullMQ's queues are shared), so only admins of an
    // organization that runs the deployment may open it: with two organizations and
    // QUEUE_DASHBOARD_ORGANIZATIONS unset, that is nobody (queue-dashboard.service.ts). No control: A is refused too.
    'report ALL /console/queues': [{ label: "A's admin, the dashboard's page", expect: 'refused', send: (own) => pageAs(own, '/console/queues') }],
    'report ALL /console/queues/*path': [
      { label: "A's admin, the dashboard's JSON API", expect: 'refused', send: (own) => pageAs(own, '/console/queues/api/queues').set('Accept', 'application/json') },
    ],
    'report POST /console/accounts/:accountId/:action': [consoleRefused("B's account disabled", (own, t) => formAs(own, `/console/accounts/${t.viewerAccountId}/disable`))],
    'report GET /console/reports': ownOrganization((own) => pageAs(own, '/console/reports')),
    'report GET /console/reports/:name': ownOrganization((own) => pageAs(own, '/console/reports/gone')),
    'report GET /console/reports/:name/data.json': ownOrganization((own) => pageAs(own, '/console/reports/intensive-care/data.json')),
    'report GET /console/reports/:name/export.csv': ownOrganization((own) => pageAs(own, '/console/reports/intensive-care/export.csv')),
    'report POST /console/reports/intensive-care/:episodeId/review': [
      consoleRefused("B's returned episode", (own, t) => formAs(own, `/console/reports/intensive-care/${t.returnedEpisodeId}/review`, { note: 'called' })),
    ],
    'report GET /console/campaigns': ownOrganization((own) => pageAs(own, '/console/campaigns')),
    'report GET /console/campaigns/new': [filtered("B's staff member as the audience filter", (own, t) => pageAs(own, `/console/campaigns/new?staff=${t.staffMemberId}`))],
    // Another organization's staff member, service or reason in an audience is bad input (400, naming the field).
    'report POST /console/campaigns': [
      audienceRefused("B's staff member in the audience", (own, t) =>
        formAs(own, '/console/campaigns', { name: 'Probe', templateKey: 'ask', channel1: 'sms', controlPercent: '0', status: 'lapsed', staff: t.staffMemberId })),
    ],
    'report POST /console/campaigns/estimate.json': [
      audienceRefused("B's service in the audience", (own, t) => formAs(own, '/console/campaigns/estimate.json', { templateKey: 'ask', channel1: 'sms', controlPercent: '0', service: t.serviceId })),
    ],
    'report GET /console/campaigns/:id': [consoleRefused("B's campaign", (own, t) => pageAs(own, `/console/campaigns/${t.campaignId}`))],
    'report GET /console/campaigns/:id/progress.json': [consoleRefused("B's campaign", (own, t) => pageAs(own, `/console/campaigns/${t.campaignId}/progress.json`))],
    'report POST /console/campaigns/:id/:action': ['schedule', 'pause', 'resume', 'cancel'].map((action) =>
      consoleRefused(`${action} B's campaign`, (own, t) => formAs(own, `/console/campaigns/${t.campaignId}/${action}`, action === 'schedule' ? { startAt: '2099-01-01T10:00' } : {}))),
    'report GET /console/templates': [filtered("B's client for the preview", (own, t) => pageAs(own, `/console/templates?clientId=${t.clientId}`))],
    'report POST /console/templates': [
      consoleRefused("preview for B's client", (own, t) =>
        formAs(own, '/console/templates', { action: 'preview', key: 'ask', channel: 'sms', locale: 'en', clientId: t.clientId, 'part.text': 'Hi {{client.firstName}}' })),
    ],
    'report POST /console/templates/preview.json': [
      consoleRefused("B's client", (own, t) => formAs(own, '/console/templates/preview.json', { key: 'ask', channel: 'sms', locale: 'en', clientId: t.clientId, 'part.text': 'Hi {{client.firstName}}' })),
    ],
    'report POST /console/templates/delete': ownOrganization((own) => formAs(own, '/console/templates/delete', { key: 'spare', channel: 'sms', locale: 'de' })),
    'report GET /console/sandbox': ownOrganization((own) => pageAs(own, '/console/sandbox')),
    'report POST /console/sandbox/:messageId/reply': [consoleRefused("B's message", (own, t) => formAs(own, `/console/sandbox/${t.messageId}/reply`, { text: 'too expensive' }))],
    'report GET /console/dead-letters': ownOrganization((own) => pageAs(own, '/console/dead-letters')),
    'report POST /console/dead-letters/:messageId/retry': [consoleRefused("B's dead letter", (own, t) => formAs(own, `/console/dead-letters/${t.deadMessageId}/retry`, { action: 'resend' }))],
    'report GET /console/reasons': ownOrganization((own) => pageAs(own, '/console/reasons')),
    'report POST /console/reasons': ownOrganization((own) => formAs(own, '/console/reasons', { label: `${own.marker} new reason` })),
    'report POST /console/reasons/candidates/:id/accept': [consoleRefused("B's candidate", (own, t) => formAs(own, `/console/reasons/candidates/${t.candidateIds[0]}/accept`))],
    'report POST /console/reasons/candidates/:id/map': [
      consoleRefused("B's candidate to A's reason", (own, t) => formAs(own, `/console/reasons/candidates/${t.candidateIds[1]}/map`, { reasonId: own.reasonId })),
      consoleRefused("A's candidate to B's reason", (own, t) => formAs(own, `/console/reasons/candidates/${own.candidateIds[3]}/map`, { reasonId: t.reasonId })),
    ],
    'report POST /console/reasons/candidates/:id/dismiss': [consoleRefused("B's candidate", (own, t) => formAs(own, `/console/reasons/candidates/${t.candidateIds[2]}/dismiss`))],
    'report POST /console/reasons/:id/merge': [
      consoleRefused("B's reason into A's", (own, t) => formAs(own, `/console/reasons/${t.otherReasonId}/merge`, { intoId: own.reasonId, confirm: 'yes' })),
      consoleRefused("A's reason into B's", (own, t) => formAs(own, `/console/reasons/${own.otherReasonId}/merge`, { intoId: t.reasonId, confirm: 'yes' })),
    ],
    'report POST /console/reasons/:id/retire': [consoleRefused("B's reason", (own, t) => formAs(own, `/console/reasons/${t.reasonId}/retire`))],
    'report POST /console/reasons/:id/restore': [consoleRefused("B's reason", (own, t) => formAs(own, `/console/reasons/${t.reasonId}/restore`))],
    'report POST /console/reasons/:id/labels': [consoleRefused("B's reason", (own, t) => formAs(own, `/console/reasons/${t.reasonId}/labels`, { locale: 'de', label: 'zu teuer' }))],
    'report POST /console/reasons/:id/aliases': [consoleRefused("B's reason", (own, t) => formAs(own, `/console/reasons/${t.reasonId}/aliases`, { text: 'pricey' }))],
    'report GET /console/replies': ownOrganization((own) => pageAs(own, '/console/replies?review=0')),
    'report POST /console/replies/:id/reviewed': [consoleRefused("B's reply", (own, t) => formAs(own, `/console/replies/${t.replyId}/reviewed`))],
    'report GET /console/calls': ownOrganization((own) => pageAs(own, '/console/calls?queue=retention')),
    'report POST /console/calls/rebuild': ownOrganization((own) => formAs(own, '/console/calls/rebuild')),
    'report POST /console/calls/settings': ownOrganization((own) => formAs(own, '/console/calls/settings', { topN: '5' })),
    'report GET /console/calls/:id': [consoleRefused("B's call task", (own, t) => pageAs(own, `/console/calls/${t.callTaskId}`))],
    'report POST /console/calls/:id/take': [consoleRefused("B's call task", (own, t) => formAs(own, `/console/calls/${t.callTaskId}/take`))],
    'report POST /console/calls/:id/release': [consoleRefused("B's call task", (own, t) => formAs(own, `/console/calls/${t.callTaskId}/release`))],
    'report POST /console/calls/:id/outcome': [consoleRefused("B's call task", (own, t) => formAs(own, `/console/calls/${t.callTaskId}/outcome`, { outcome: 'no_answer', expectedAttempts: '0' }))],

    // campaign: templates and campaigns API.
    'campaign GET /api/v1/organizations/:organizationId/templates': [apiOrg('campaign', 'get', '/templates')],
    'campaign POST /api/v1/organizations/:organizationId/templates/preview': [
      apiOrg('campaign', 'post', '/templates/preview', { template: { channel: 'sms', locale: 'en', parts: { text: 'Hi' } } }),
      apiResource('campaign', 'post', () => '/templates/preview', (t) => ({ template: { channel: 'sms', locale: 'en', parts: { text: 'Hi {{client.firstName}}' } }, clientId: t.clientId })),
    ],
    'campaign PUT /api/v1/organizations/:organizationId/templates/:key/:channel/:locale': [apiOrg('campaign', 'put', '/templates/ask/sms/en', { parts: { text: 'Hello {{feedbackUrl}}' } })],
    'campaign DELETE /api/v1/organizations/:organizationId/templates/:key/:channel/:locale': [apiOrg('campaign', 'delete', '/templates/spare/sms/en')],
    'campaign POST /api/v1/organizations/:organizationId/campaigns': [
      apiOrg('campaign', 'post', '/campaigns', { name: 'Probe', templateKey: 'ask', channels: ['sms'] }),
      { ...apiResource('campaign', 'post', () => '/campaigns', (t) => ({ name: 'Probe', templateKey: 'ask', channels: ['sms'], audience: { staff: t.staffMemberId, reason: t.reasonId } })), expect: { status: 400 } },
    ],
    'campaign GET /api/v1/organizations/:organizationId/campaigns': [apiOrg('campaign', 'get', '/campaigns')],
    'campaign GET /api/v1/organizations/:organizationId/campaigns/:id': [apiOrg('campaign', 'get', (t) => `/campaigns/${t.campaignId}`), apiResource('campaign', 'get', (t) => `/campaigns/${t.campaignId}`)],
    ...Object.fromEntries(
      ['estimate', 'schedule', 'pause', 'resume', 'cancel'].map((action) => {
        const body = action === 'schedule' ? { at: '2099-01-01T10:00:00Z' } : undefined;
        return [
          `campaign POST /api/v1/organizations/:organizationId/campaigns/:id/${action}`,
          [apiOrg('campaign', 'post', (t) => `/campaigns/${t.campaignId}/${action}`, body), apiResource('campaign', 'post', (t) => `/campaigns/${t.campaignId}/${action}`, body && (() => body))],
        ];
      }),
    ),
    'campaign GET /api/v1/organizations/:organizationId/dead-letters': [apiOrg('campaign', 'get', '/dead-letters')],
    'campaign POST /api/v1/organizations/:organizationId/dead-letters/:messageId/retry': [
      apiOrg('campaign', 'post', (t) => `/dead-letters/${t.deadMessageId}/retry`, { action: 'resend' }),
      apiResource('campaign', 'post', (t) => `/dead-letters/${t.deadMessageId}/retry`, () => ({ action: 'resend' })),
    ],
    'campaign GET /api/v1/organizations/:organizationId/sandbox/messages': [apiOrg('campaign', 'get', '/sandbox/messages')],
    'campaign POST /api/v1/organizations/:organizationId/sandbox/messages/:messageId/reply': [
      apiOrg('campaign', 'post', (t) => `/sandbox/messages/${t.messageId}/reply`, { text: 'too expensive' }),
      apiResource('campaign', 'post', (t) => `/sandbox/messages/${t.messageId}/reply`, () => ({ text: 'too expensive' })),
    ],

    // lapse-detector: on-demand sweeps.
    'lapse-detector POST /api/v1/organizations/:organizationId/lapse-sweeps': [apiOrg('lapse-detector', 'post', '/lapse-sweeps', { full: false })],
    'lapse-detector GET /api/v1/organizations/:organizationId/lapse-sweeps/:sweepId': [
      apiOrg('lapse-detector', 'get', (t) => `/lapse-sweeps/${t.sweepId}`),
      apiResource('lapse-detector', 'get', (t) => `/lapse-sweeps/${t.sweepId}`),
    ],

    // response-collector: public pages (the link token is the only credential) and webhooks (the organization's provider token).
    'response-collector GET /f/:token': { none: 'a personal link: the token is the credential and names no organization (guessed tokens: bad-input suite)' },
    'response-collector POST /f/:token': [
      {
        label: "A's link, B's reason in the answer",
        expect: { status: 400 },
        control: true,
        send: (own, t) => http('response-collector').post(`/f/${own.feedbackToken}`).type('form').send({ reason: t.reasonId, text: '' }),
      },
    ],
    'response-collector GET /u/:token': { none: 'a personal link: the token is the credential and names no organization (guessed tokens: bad-input suite)' },
    'response-collector POST /u/:token': { none: 'a personal link: the token is the credential and names no organization (guessed tokens: bad-input suite)' },
    'response-collector GET /public-assets/:file': { none: 'static files of the app (path traversal: bad-input suite)' },
    'response-collector POST /webhooks/twilio/sms': [
      {
        label: "signed with A's token, sent as B's",
        expect: 'refused',
        control: true,
        send: (own, t) => twilioPost(`/webhooks/twilio/sms?org=${t.id}`, { MessageSid: sid('SM', ++webhookCount), From: '+995599000101', To: '+995322000000', Body: 'STOP' }, own.twilioToken),
      },
    ],
    'response-collector POST /webhooks/twilio/voice': [
      {
        label: "signed with A's token, sent as B's, about B's message",
        expect: 'refused',
        control: true,
        send: (own, t) => twilioPost(`/webhooks/twilio/voice?org=${t.id}&message=${t.messageId}`, { CallSid: sid('CA', ++webhookCount), Digits: '1' }, own.twilioToken),
      },
      {
        // Signed by A's own provider account, so it is taken (the web process answers without the
        // database); the worker looks the message up within A only and writes nothing of B.
        label: "signed with A's token as A's, about B's message (accepted, nothing of B written)",
        expect: { status: 200 },
        send: (own, t) => twilioPost(`/webhooks/twilio/voice?org=${own.id}&message=${t.messageId}`, { CallSid: nextSid('CA'), Digits: '1' }, own.twilioToken),
        check: keptWithReason,
      },
    ],
    'response-collector POST /webhooks/twilio/status': [
      {
        label: "signed with A's token, sent as B's, about B's message",
        expect: 'refused',
        control: true,
        send: (own, t) => twilioPost(`/webhooks/twilio/status?org=${t.id}&message=${t.messageId}`, { MessageSid: sid('SM', ++webhookCount), MessageStatus: 'undelivered' }, own.twilioToken),
      },
      {
        label: "signed with A's token as A's, about B's message (accepted, nothing of B written)",
        expect: { status: 204 },
        send: (own, t) => twilioPost(`/webhooks/twilio/status?org=${own.id}&message=${t.messageId}`, { MessageSid: nextSid('SM'), MessageStatus: 'undelivered' }, own.twilioToken),
        check: keptWithReason,
      },
    ],
    'response-collector POST /webhooks/viber': [
      {
        label: "signed with A's bot token, sent as B's",
        expect: 'refused',
        control: true,
        send: (own, t) => {
          const raw = JSON.stringify({ event: 'unsubscribed', timestamp: Date.now() + ++webhookCount, user_id: `viber-${t.marker}==` });
          return http('response-collector')
            .post(`/webhooks/viber?org=${t.id}`)
            .set('Content-Type', 'application/json')
            .set('X-Viber-Content-Signature', createHmac('sha256', own.viberToken).update(raw).digest('hex'))
            .send(raw);
        },
      },
    ],
  };

  beforeAll(async () => {
    env = await startSecurityApps();
    a = await seedTenant(env.db.pool, 'Alfa');
    b = await seedTenant(env.db.pool, 'Bravo');
    a.admin = await signInToConsoleOverHttp(env.apps.report, a.adminEmail);
  });

  afterAll(async () => {
    await env?.close();
  });

  it('knows how to call every route of every app, and lists no route that is gone', () => {
    const served = APP_NAMES.flatMap((app) => listRoutes(env.apps[app]).map((route) => `${app} ${route}`));
    expect(served.length).toBeGreaterThan(80);
    expect({ unknownToTheSuite: served.filter((r) => !(r in ROUTES)), listedButNotServed: Object.keys(ROUTES).filter((r) => !served.includes(r)) }).toEqual({
      unknownToTheSuite: [],
      listedButNotServed: [],
    });
  });

  // One test per app with routes that take an organization's ids (the dispatcher serves only health and metrics).
  const probed = (app: AppName) => Object.entries(ROUTES).filter(([key, c]) => key.startsWith(`${app} `) && Array.isArray(c)) as [string, Variant[]][];
  for (const app of APP_NAMES.filter((name) => probed(name).length > 0)) {
    it(`${app}: another organization's ids get a refusal, change nothing of it and show nothing of it`, async () => {
      const failures: string[] = [];
      const routes = probed(app);
      for (const [route, variants] of routes) {
        for (const v of variants) {
          const before = await tenantFingerprint(env.db.pool, b.id);
          const res = await v.send(a, b);
          if (app === 'response-collector') await env.collector.settled();
          const after = await tenantFingerprint(env.db.pool, b.id);
          const where = `${route} (${v.label})`;
          const changed = Object.keys(before).filter((table) => before[table] !== after[table]);
          if (changed.length) failures.push(`${where}: changed B's ${changed.join(', ')}`);
          if (res.status >= 500) failures.push(`${where}: ${res.status}`);
          if (v.expect === 'refused' && res.status !== 403 && res.status !== 404) failures.push(`${where}: answered ${res.status}, not 403/404`);
          if (v.expect === 'own-organization' && res.status >= 400) failures.push(`${where}: A's own request answered ${res.status}, so the probe proves nothing`);
          if (typeof v.expect === 'object' && res.status !== v.expect.status) failures.push(`${where}: answered ${res.status}, not ${v.expect.status}`);
          if ((res.text ?? '').includes(b.marker) || (res.text ?? '').includes(b.id)) failures.push(`${where}: the answer shows B's data`);
          const unmet = await v.check?.();
          if (unmet) failures.push(`${where}: ${unmet}`);
          if (v.control) {
            const own = await v.send(a, a);
            if (app === 'response-collector') await env.collector.settled();
            if ([401, 403, 404].includes(own.status) || own.status >= 500) failures.push(`${where}: the control (A's own) answered ${own.status}, so the probe proves nothing`);
          }
        }
      }
      expect(failures).toEqual([]);
    });
  }
});
