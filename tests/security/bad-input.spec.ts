import { createHmac, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import twilio from 'twilio';
import { importCsvFiles, IngestionRejectedError } from '@comeback/ingestion';
import { tempDir } from '@comeback/testing';
import { type AppName, PUBLIC_BASE_URL, seedTenant, type SecurityApps, signInToConsoleOverHttp, startSecurityApps, type Tenant, tenantFingerprint } from './security-fixture';
import { FallbackService } from '../../apps/campaign/src/fan-out/fallback.service';

const SQL_INJECTION = `Robert'); DROP TABLE clients;--`;
const TEMPLATE_INJECTION = `{{constructor.constructor('return process')()}}`;
const SCRIPT = '<script>alert(1)</script>';
const IMG = '<img src=x onerror=alert(2)>';

/**
 * The bad-input suite: every kind of hostile or broken request the apps take gets a clear 4xx
 * saying what is wrong (and where, when there is a where), and changes nothing; hostile text that
 * is valid data is stored as sent and escaped wherever a page shows it.
 */
describe('bad input (real PostgreSQL and Redis)', () => {
  let env: SecurityApps;
  let a: Tenant;
  let b: Tenant;
  const files = tempDir();

  const http = (app: AppName) => request(env.apps[app].getHttpServer());
  const api = (app: AppName, method: 'get' | 'post' | 'put', path: string) => http(app)[method](`/api/v1/organizations/${a.id}${path}`).set('Authorization', `Bearer ${a.apiKey}`);
  const page = (path: string) => http('report').get(path).set('Cookie', a.admin!.cookie);
  const form = (path: string, fields: Record<string, string>) => http('report').post(path).set('Cookie', a.admin!.cookie).type('form').send({ _csrf: a.admin!.csrf, ...fields });
  const inboundRequests = async () => (await env.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbound_requests`)).rows[0].n;

  /**
   * A's rows, but for the bookkeeping of its own key and session (last used, last seen) and the
   * outbox, which the relay empties in the background (an event is written with its effect, which
   * the fingerprint sees).
   */
  const fingerprintA = () => tenantFingerprint(env.db.pool, a.id, ['api_keys', 'staff_sessions', 'outbox_events']);

  /** Runs `work` and checks that nothing of organization A changed (every table, see tenantFingerprint), and no webhook or answer was taken. */
  async function changesNothing(work: () => Promise<void>): Promise<void> {
    // What earlier tests handed to the inbound worker is written first, so that only `work` is judged;
    // so is the campaign app's closing of campaigns an earlier test's reply reopened (its fallback
    // sweep marks them done again, in the background, which once landed in the middle of `work`).
    await env.collector.settled();
    await env.apps.campaign.get(FallbackService).finishCampaigns();
    const before = await fingerprintA();
    const requestsBefore = await inboundRequests();
    await work();
    await env.collector.settled();
    expect(await fingerprintA()).toEqual(before);
    expect(await inboundRequests()).toBe(requestsBefore);
  }

  beforeAll(async () => {
    env = await startSecurityApps();
    a = await seedTenant(env.db.pool, 'Alfa');
    b = await seedTenant(env.db.pool, 'Bravo');
    a.admin = await signInToConsoleOverHttp(env.apps.report, a.adminEmail);
  });

  afterAll(async () => {
    files.remove();
    await env?.close();
  });

  describe('bodies', () => {
    it("refuses a body above each app's limit with 413 saying so, before anything is read or written", async () => {
      await changesNothing(async () => {
        const bigJson = (bytes: number) => JSON.stringify({ records: [{ external_id: 'big', name: 'x'.repeat(bytes) }] });
        const tooLarge = [
          await api('report', 'post', '/clients').set('Content-Type', 'application/json').send(bigJson(21 * 1024 * 1024)),
          await form('/console/reasons', { label: 'x'.repeat(101 * 1024) }),
          await api('campaign', 'put', '/templates/ask/sms/en').set('Content-Type', 'application/json').send(JSON.stringify({ parts: { text: 'x'.repeat(1025 * 1024) } })),
          await api('lapse-detector', 'post', '/lapse-sweeps').set('Content-Type', 'application/json').send(JSON.stringify({ full: true, pad: 'x'.repeat(101 * 1024) })),
          await http('response-collector').post(`/webhooks/viber?org=${a.id}`).set('Content-Type', 'application/json').send(JSON.stringify({ event: 'message', pad: 'x'.repeat(257 * 1024) })),
          await http('response-collector').post(`/webhooks/twilio/sms?org=${a.id}`).type('form').send({ Body: 'x'.repeat(65 * 1024) }),
          await http('response-collector').post(`/f/${a.feedbackToken}`).type('form').send({ text: 'x'.repeat(65 * 1024) }),
        ];
        for (const res of tooLarge) {
          expect(res.status).toBe(413);
          expect(res.text).toMatch(/too large/i);
        }
      });
    });

    it('refuses malformed JSON with 400 saying it is not JSON and where it breaks', async () => {
      await changesNothing(async () => {
        const broken = '{"records": [{"external_id": "c9", "name": }]}';
        const answers = [
          await api('report', 'post', '/clients').set('Content-Type', 'application/json').send(broken),
          await api('campaign', 'post', '/campaigns').set('Content-Type', 'application/json').send('{"name": "x",'),
          await api('lapse-detector', 'post', '/lapse-sweeps').set('Content-Type', 'application/json').send("{'full': true}"),
        ];
        for (const res of answers) {
          expect(res.status).toBe(400);
          // What: not JSON; where: the parser's excerpt around the spot (or its position, or the end).
          expect(res.body.message).toMatch(/is not valid JSON|position \d+|end of JSON/);
        }
      });
    });

    it('refuses bodies that are not UTF-8 (raw bytes in JSON and forms, Latin-1 escapes in forms) with 400 saying so, on Express and on the lean path alike', async () => {
      await changesNothing(async () => {
        // "Renée" in Latin-1: the byte E9 alone, and its escape %E9. The bytes go out as they are
        // (superagent would otherwise write a Buffer as JSON).
        const raw = (body: Buffer) => (req: request.Test) => req.serialize(() => body as unknown as string).send(body as unknown as string);
        const latin1Json = Buffer.concat([Buffer.from('{"records":[{"external_id":"l1","name":"Ren'), Buffer.from([0xe9]), Buffer.from('e"}]}')]);
        const answers = [
          await raw(latin1Json)(api('report', 'post', '/clients').set('Content-Type', 'application/json')),
          await form('/console/reasons', { label: 'placeholder' }).set('Content-Type', 'application/x-www-form-urlencoded').send(`_csrf=${encodeURIComponent(a.admin!.csrf)}&label=Ren%E9e`),
          // The response collector's lean path (a plain form to the SMS webhook and the feedback page) and Express (a Viber JSON body).
          await http('response-collector').post(`/webhooks/twilio/sms?org=${a.id}`).set('Content-Type', 'application/x-www-form-urlencoded').send('Body=Ren%E9e&From=%2B995599000101'),
          await raw(Buffer.from([0x74, 0x65, 0x78, 0x74, 0x3d, 0xe9]))(http('response-collector').post(`/f/${a.feedbackToken}`).set('Content-Type', 'application/x-www-form-urlencoded')),
          await raw(Buffer.concat([Buffer.from('{"event":"message","text":"'), Buffer.from([0xff]), Buffer.from('"}')]))(http('response-collector').post(`/webhooks/viber?org=${a.id}`).set('Content-Type', 'application/json')),
        ];
        for (const res of answers) {
          expect(res.status).toBe(400);
          expect(res.text).toMatch(/not valid UTF-8/);
        }
        // UTF-8 in both forms is taken as usual: the same name, written as UTF-8, is a client.
        const utf8 = await raw(Buffer.from('{"records":[{"external_id":"u1","name":"Renée"}]}'))(api('report', 'post', '/clients').set('Content-Type', 'application/json'));
        expect(utf8.status).toBeLessThan(300);
        await env.db.pool.query(`DELETE FROM clients WHERE organization_id = $1 AND external_id = 'u1'`, [a.id]);
      });
    });

    it('refuses a JSON body that is not the expected shape, naming the field', async () => {
      await changesNothing(async () => {
        const notRecords = await api('report', 'post', '/clients').send({ rows: [] });
        expect(notRecords.status).toBe(400);
        expect(notRecords.body.error).toBe('BODY_INVALID');
        const sweep = await api('lapse-detector', 'post', '/lapse-sweeps').send({ full: 'yes please' });
        expect(sweep.status).toBe(400);
        expect(sweep.body.problems).toEqual([expect.objectContaining({ field: 'full' })]);
        const campaign = await api('campaign', 'post', '/campaigns').send({ name: 'x', templateKey: 'ask', channels: ['fax'] });
        expect(campaign.status).toBe(400);
        expect(JSON.stringify(campaign.body.problems)).toContain('channels');
      });
    });
  });

  describe('CSV imports (`comeback import`, the CSV entry point)', () => {
    const orgRef = () => a.id;

    it('refuses a malformed file naming the file and the line, and imports nothing of any file', async () => {
      const staff = files.write('staff.csv', 'external_id,name\ns-new,Dr New\n');
      // A quoted name that runs over a line break and is followed by text after its closing quote (line 3).
      const clients = files.write('clients.csv', 'external_id,name,phone\nc-new,"Nino\n"unterminated,+995555123456\nc-3,Ana,\n');
      const before = await fingerprintA();
      const err = await importCsvFiles(env.db.pool, orgRef(), { staff, clients }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IngestionRejectedError);
      expect((err as IngestionRejectedError).problems).toEqual([expect.objectContaining({ file: 'clients.csv', position: 3, message: expect.stringContaining('closing quote') })]);
      expect(await fingerprintA()).toEqual(before);
    });

    it('refuses bytes that are not UTF-8 naming their line, instead of storing replacement characters', async () => {
      const clients = join(files.path, 'latin1-clients.csv');
      // "Nino Beridze" then a name saved as Latin-1 (é as the single byte 0xE9) on line 3.
      writeFileSync(clients, Buffer.concat([Buffer.from('external_id,name\nc-a,Nino Beridze\nc-b,Ren'), Buffer.from([0xe9]), Buffer.from('e Dupont\n')]));
      const before = await fingerprintA();
      const err = await importCsvFiles(env.db.pool, orgRef(), { clients }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IngestionRejectedError);
      expect((err as IngestionRejectedError).problems).toEqual([expect.objectContaining({ file: 'latin1-clients.csv', position: 3, message: expect.stringContaining('UTF-8') })]);
      expect(await fingerprintA()).toEqual(before);
    });
  });

  describe('huge and hostile strings', () => {
    it('refuses 100 kB names and texts with a 4xx naming the record, part or field, writing nothing', async () => {
      await changesNothing(async () => {
        const res = await api('report', 'post', '/clients').send({ records: [{ external_id: 'ok-1', name: 'Ana' }, { external_id: 'huge', name: 'n'.repeat(100 * 1024) }] });
        expect(res.status).toBe(422);
        expect(res.body.problems).toEqual([{ index: 1, field: 'name', message: expect.stringContaining('longer than') }]);
        const campaign = await api('campaign', 'post', '/campaigns').send({ name: 'n'.repeat(100 * 1024), templateKey: 'ask', channels: ['sms'] });
        expect(campaign.status).toBe(400);
        expect(campaign.body.problems).toEqual([expect.objectContaining({ field: 'name' })]);
        const template = await api('campaign', 'put', '/templates/ask/sms/en').send({ parts: { text: 't'.repeat(100 * 1024) } });
        expect(template.status).toBe(400);
        expect(template.body.problems).toEqual([expect.objectContaining({ part: 'text', message: expect.stringContaining('at most 1,600') })]);
        // A console form holds at most 100 kB (413 above); a 60 kB reason is within it and refused by its own rule.
        const reason = await form(`/console/clients/${a.clientId}/episodes/${a.episodeId}/reason`, { reason: 'r'.repeat(60 * 1024) });
        expect(reason.status).toBe(400);
        expect(reason.text).toContain('reason');
        expect(reason.text).toContain('at most 200 characters');
      });
    });

    it('refuses U+0000 (which PostgreSQL text cannot hold) in any console form, API body or query with 400 naming the field, writing nothing', async () => {
      const NUL = 'a\u0000b';
      await changesNothing(async () => {
        const answers: [string, request.Response][] = [
          ['name', await api('campaign', 'post', '/campaigns').send({ name: NUL, templateKey: 'ask', channels: ['sms'] })],
          ['text', await api('campaign', 'post', `/sandbox/messages/${a.messageId}/reply`).send({ text: NUL })],
          ['records.0.name', await api('report', 'post', '/clients').send({ records: [{ external_id: 'nul', name: NUL }] })],
          ['note', await form(`/console/clients/${a.clientId}/episodes/${a.episodeId}/reason`, { reason: 'price', note: NUL })],
          ['label', await form('/console/reasons', { label: NUL })],
          ['text', await form(`/console/reasons/${a.reasonId}/aliases`, { text: NUL })],
          ['label', await form(`/console/reasons/${a.reasonId}/labels`, { locale: 'de', label: NUL })],
          ['displayName', await form('/console/accounts', { email: 'nul@alfa.test', displayName: NUL, role: 'viewer', password: 'long enough passphrase 2' })],
          ['name', await form('/console/campaigns', { name: NUL, templateKey: 'ask', channel1: 'sms', controlPercent: '0' })],
          ['text', await form(`/console/sandbox/${a.messageId}/reply`, { text: NUL })],
          ['note', await form(`/console/reports/intensive-care/${a.returnedEpisodeId}/review`, { note: NUL })],
          ['clientWords', await form(`/console/calls/${a.callTaskId}/outcome`, { outcome: 'reached', reason: 'price', clientWords: NUL, expectedAttempts: '0' })],
          ['q', await page(`/console/reasons/suggest?q=${encodeURIComponent(NUL)}`)],
        ];
        for (const [field, res] of answers) {
          expect([field, res.status]).toEqual([field, 400]);
          expect(res.text).toContain(`${field}: contains U+0000`);
        }
      });
    });

    it('keeps a text or Viber reply carrying U+0000 (as U+FFFD) instead of losing it to a worker that can never write it', async () => {
      const path = `/webhooks/twilio/sms?org=${a.id}`;
      const fields = { MessageSid: `SM${'e'.repeat(32)}`, From: '+995599000101', To: '+995322000000', Body: 'too\u0000expensive' };
      await http('response-collector').post(path).type('form').send(fields).set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(a.twilioToken, `${PUBLIC_BASE_URL}${path}`, fields)).expect(200);
      const raw = JSON.stringify({ event: 'message', timestamp: 5, message_token: 4242, sender: { id: 'viber-Alfa==' }, message: { type: 'text', text: 'moved\u0000away' } });
      await http('response-collector').post(`/webhooks/viber?org=${a.id}`).set('Content-Type', 'application/json')
        .set('X-Viber-Content-Signature', createHmac('sha256', a.viberToken).update(raw).digest('hex')).send(raw).expect(200);
      await env.collector.settled();
      const { rows } = await env.db.pool.query(`SELECT channel, text FROM replies WHERE organization_id = $1 AND text IN ('too\uFFFDexpensive', 'moved\uFFFDaway') ORDER BY channel`, [a.id]);
      expect(rows).toEqual([{ channel: 'sms', text: 'too\uFFFDexpensive' }, { channel: 'viber', text: 'moved\uFFFDaway' }]);
    });

    it('stores SQL in names verbatim (as data, never as SQL) and refuses it where an id or a period is expected', async () => {
      const stored = await api('report', 'post', '/clients').send({ records: [{ external_id: `x' OR '1'='1`, name: SQL_INJECTION }] });
      expect(stored.status).toBe(200);
      const { rows } = await env.db.pool.query(`SELECT name FROM clients WHERE organization_id = $1 AND external_id = $2`, [a.id, `x' OR '1'='1`]);
      expect(rows).toEqual([{ name: SQL_INJECTION }]);
      expect((await env.db.pool.query(`SELECT count(*)::int AS n FROM clients WHERE organization_id = $1`, [a.id])).rows[0].n).toBeGreaterThan(1);
      await changesNothing(async () => {
        const filter = await page(`/console/lost-clients.json?staff=${encodeURIComponent('1; DROP TABLE clients;--')}`);
        expect(filter.status).toBe(400);
        expect(filter.body).toMatchObject({ field: 'staff' });
        const period = await api('report', 'get', `/reports/gone?period=${encodeURIComponent("2026' OR '1'='1")}`);
        expect(period.status).toBe(400);
        expect(period.body).toMatchObject({ field: 'period' });
        const sweep = await api('lapse-detector', 'get', `/lapse-sweeps/${encodeURIComponent('1 OR 1=1')}`);
        expect(sweep.status).toBe(404);
      });
    });

    it('refuses template injection in the template editor (API and console) with the problem at its part, and saves nothing', async () => {
      await changesNothing(async () => {
        const viaApi = await api('campaign', 'put', '/templates/ask/sms/en').send({ parts: { text: `Hi ${TEMPLATE_INJECTION}` } });
        expect(viaApi.status).toBe(400);
        expect(viaApi.body.error).toBe('INVALID_TEMPLATE');
        expect(viaApi.body.problems[0]).toMatchObject({ part: 'text', line: 1 });
        const lookup = await api('campaign', 'put', '/templates/ask/sms/en').send({ parts: { text: `{{#with client}}{{lookup this "constructor"}}{{/with}}` } });
        expect(lookup.status).toBe(400);
        const viaConsole = await form('/console/templates', { action: 'save', key: 'ask', channel: 'sms', locale: 'en', 'part.text': `Hi ${TEMPLATE_INJECTION} ${SCRIPT}` });
        expect(viaConsole.status).toBe(400);
        // The editor shows the template back as typed, escaped.
        expect(viaConsole.text).not.toContain(SCRIPT);
        expect(viaConsole.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      });
    });

    it('renders a client named like a template or a script as text: never evaluated, always escaped', async () => {
      const name = `${TEMPLATE_INJECTION} ${SCRIPT}${IMG}`;
      const saved = await api('report', 'post', '/clients').send({ records: [{ external_id: 'hostile', name, phone: '+995555123457' }] });
      expect(saved.status).toBe(200);
      const client = (await env.db.pool.query<{ id: string; name: string }>(`SELECT id::text, name FROM clients WHERE organization_id = $1 AND external_id = 'hostile'`, [a.id])).rows[0];
      expect(client.name).toBe(name);
      await env.db.pool.query(
        `INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, lapsed_at, last_visit_at, left_on, churn_type, method, revenue_12m)
         VALUES ($1, $2, 'lapsed', now(), now(), now() - interval '100 days', current_date - 99, 'passive', 'cadence', 900)`,
        [a.id, client.id],
      );
      const preview = await api('campaign', 'post', '/templates/preview').send({ template: { channel: 'sms', locale: 'en', parts: { text: 'Hi {{client.name}}' } }, clientId: client.id });
      expect(preview.status).toBe(200);
      expect(JSON.stringify(preview.body)).toContain(JSON.stringify(`Hi ${name}`).slice(1, -1));
      for (const path of ['/console/lost-clients', `/console/clients/${client.id}`, `/console/templates?clientId=${client.id}`]) {
        const html = (await page(path).expect(200)).text;
        expect(html).not.toContain(SCRIPT);
        expect(html).not.toContain(IMG);
        expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;');
      }
    });

    it('keeps replies with HTML as the client wrote them (a text, a feedback answer) and escapes them in the replies inbox', async () => {
      const sms = `${IMG} too expensive`;
      const answer = `${SCRIPT} rude staff`;
      const path = `/webhooks/twilio/sms?org=${a.id}`;
      const fields = { MessageSid: `SM${'d'.repeat(32)}`, AccountSid: `AC${'1'.repeat(32)}`, From: '+995599000101', To: '+995322000000', Body: sms };
      await http('response-collector').post(path).type('form').send(fields).set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(a.twilioToken, `${PUBLIC_BASE_URL}${path}`, fields)).expect(200);
      await http('response-collector').post(`/f/${a.feedbackToken}`).type('form').send({ reason: '', text: answer }).expect(200);
      await env.collector.settled();
      const { rows } = await env.db.pool.query<{ text: string }>(`SELECT text FROM replies WHERE organization_id = $1 AND text IN ($2, $3) ORDER BY text`, [a.id, sms, answer]);
      expect(rows.map((r) => r.text).sort()).toEqual([sms, answer].sort());
      const html = (await page('/console/replies').expect(200)).text;
      expect(html).not.toContain(IMG);
      expect(html).not.toContain(SCRIPT);
      expect(html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt; too expensive');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; rude staff');
    });

    it('answers repeated and bracketed query parameters with a 4xx naming the parameter, never a 500', async () => {
      await changesNothing(async () => {
        for (const [path, field] of [
          ['/console/lost-clients.json?staff=1&staff=2', 'staff'],
          ['/console/lost-clients.json?status=lapsed&status=at_risk', 'status'],
          ['/console/lost-clients.json?sort=value&sort=overdue', 'sort'],
          ['/console/reports/gone/data.json?period=2026&period=2025', 'period'],
        ] as const) {
          const res = await page(path);
          expect([path, res.status]).toEqual([path, 400]);
          expect(res.body).toMatchObject({ field });
        }
        for (const path of ['/console/calls?queue=retention&queue=managers', '/console/replies?channel=sms&channel=viber', '/console/templates?key=a&key=b', '/console/audit?kind=export&kind=consent', '/console/reasons/suggest?q=a&q=b']) {
          const res = await page(path);
          expect([path, res.status < 500]).toEqual([path, true]);
        }
        const api1 = await api('report', 'get', '/reports/gone?period=2026&period=2025');
        expect(api1.status).toBe(400);
        expect(api1.body).toMatchObject({ field: 'period' });
      });
    });

    it('escapes hostile reason labels and names in the reason list, the call card and the reports (tables and chart data alike)', async () => {
      const label = `</script><script>alert(3)</script>`;
      await env.db.pool.query(`UPDATE churn_reasons SET label = $2 WHERE id = $1`, [a.otherReasonId, label]);
      await env.db.pool.query(`UPDATE churn_episodes SET reason_id = $2, churn_type = 'voluntary' WHERE id = $1`, [a.episodeId, a.otherReasonId]);
      await env.db.pool.query(`UPDATE clients SET name = $2 WHERE id = $1`, [a.clientId, `Eve ${IMG}`]);
      for (const path of ['/console/reasons', `/console/calls/${a.callTaskId}`, '/console/reports/reasons-by-revenue', `/console/clients/${a.clientId}`]) {
        const html = (await page(path).expect(200)).text;
        expect([path, html.includes('<script>alert(3)'), html.includes(IMG)]).toEqual([path, false, false]);
      }
      // The same labels in the figures a chart script reads: JSON whose < cannot end the script element.
      const report = (await page('/console/reports/reasons-by-revenue').expect(200)).text;
      expect(report).toContain('\\u003c/script\\u003e\\u003cscript\\u003ealert(3)');
      expect((await page(`/console/calls/${a.callTaskId}`)).text).toContain('Eve &lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;');
    });

    it("escapes the organization's name and reason labels on the public feedback page", async () => {
      await env.db.pool.query(`UPDATE organizations SET name = $2 WHERE id = $1`, [b.id, `Bravo ${SCRIPT}`]);
      await env.db.pool.query(`UPDATE churn_reasons SET label = $2, usage_count = 5 WHERE id = $1`, [b.reasonId, `Too ${IMG} expensive`]);
      const html = (await http('response-collector').get(`/f/${b.feedbackToken}`).expect(200)).text;
      expect(html).not.toContain(SCRIPT);
      expect(html).not.toContain(IMG);
      expect(html).toContain('Bravo &lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('Too &lt;img src&#x3D;x onerror&#x3D;alert(2)&gt; expensive');
    });
  });

  describe('path traversal', () => {
    it('serves only the files of its own asset maps: any path with .. or an encoded slash is 404 and shows no file', async () => {
      const attempts: [AppName, string][] = [
        ['report', '/console/assets/..%2f..%2fconsole.module.ts'],
        ['report', '/console/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json'],
        ['report', '/console/assets/..%5c..%5cconsole.module.ts'],
        ['report', '/console/assets/....%2f%2f....%2f%2fpackage.json'],
        ['report', '/console/assets/%252e%252e%252fpackage.json'],
        ['response-collector', '/public-assets/..%2ffeedback.controller.ts'],
        ['response-collector', '/public-assets/..%2f..%2f..%2f..%2f..%2fpackage.json'],
        ['response-collector', '/public-assets/%2fetc%2fpasswd'],
      ];
      for (const [app, path] of attempts) {
        const res = await http(app).get(path);
        expect([path, res.status]).toEqual([path, 404]);
        expect(res.text).not.toMatch(/"dependencies"|@Controller|root:x:0/);
      }
      const report = await page('/console/reports/..%2f..%2fpackage.json');
      expect(report.status).toBe(404);
      const csv = await page('/console/reports/..%2f..%2fetc%2fpasswd/export.csv');
      expect(csv.status).toBe(404);
      expect(csv.headers['content-disposition']).toBeUndefined();
    });

    it('answers a path with broken percent-encoding (%FF, a cut sequence) with a 4xx, never a 500', async () => {
      const paths: [AppName, string][] = [
        ['report', '/console/assets/%FF.css'],
        ['report', '/console/clients/%E0%A4%A'],
        ['campaign', `/api/v1/organizations/${a.id}/campaigns/%C0%AF`],
        ['response-collector', '/f/%FF%FE'],
        ['response-collector', '/u/%'],
        ['response-collector', '/public-assets/%E2%82'],
      ];
      for (const [app, path] of paths) {
        const res = await http(app).get(path).set('Cookie', a.admin!.cookie).set('Authorization', `Bearer ${a.apiKey}`);
        expect([path, res.status >= 400 && res.status < 500]).toEqual([path, true]);
      }
    });

    it('refuses a template key that is a path with 400 naming the key', async () => {
      await changesNothing(async () => {
        const res = await api('campaign', 'put', `/templates/${encodeURIComponent('../../etc')}/sms/en`).send({ parts: { text: 'Hi' } });
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body.problems)).toContain('key');
      });
    });
  });

  describe('webhook signatures', () => {
    const twilioPost = (path: string, fields: Record<string, string>, token: string) =>
      http('response-collector').post(path).type('form').send(fields).set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(token, `${PUBLIC_BASE_URL}${path}`, fields));
    const callSid = `CA${'a'.repeat(32)}`;
    const messageSid = `SM${'b'.repeat(32)}`;

    it("refuses forged voice and status callbacks, a status replayed with a changed body, and another organization's genuine signature", async () => {
      await changesNothing(async () => {
        const voice = `/webhooks/twilio/voice?org=${a.id}&message=${a.messageId}`;
        const status = `/webhooks/twilio/status?org=${a.id}&message=${a.messageId}`;
        const fields = { MessageSid: messageSid, MessageStatus: 'delivered' };
        await twilioPost(voice, { CallSid: callSid, Digits: '1' }, 'a-forged-token').expect(403);
        await twilioPost(status, fields, 'a-forged-token').expect(403);
        await http('response-collector').post(status).type('form').send(fields).expect(403);
        // A captured genuine callback replayed with another status: the signature covers the body.
        const genuine = twilio.getExpectedTwilioSignature(a.twilioToken, `${PUBLIC_BASE_URL}${status}`, fields);
        await http('response-collector').post(status).type('form').send({ ...fields, MessageStatus: 'failed' }).set('X-Twilio-Signature', genuine).expect(403);
        // ... or replayed against another message of the same organization: the signature covers the URL.
        await http('response-collector').post(status.replace(a.messageId, a.deadMessageId)).type('form').send(fields).set('X-Twilio-Signature', genuine).expect(403);
        // Organization B's genuine signature (B's real auth token) on a request about A.
        await twilioPost(status, fields, b.twilioToken).expect(403);
        await twilioPost(voice, { CallSid: callSid, Digits: '1' }, b.twilioToken).expect(403);
        const raw = JSON.stringify({ event: 'unsubscribed', timestamp: 1700000000000, user_id: 'viber-Alfa==' });
        await http('response-collector').post(`/webhooks/viber?org=${a.id}`).set('Content-Type', 'application/json')
          .set('X-Viber-Content-Signature', createHmac('sha256', b.viberToken).update(raw).digest('hex')).send(raw).expect(403);
      });
    });

    it('takes a genuine status callback replayed unchanged once', async () => {
      const status = `/webhooks/twilio/status?org=${a.id}&message=${a.messageId}`;
      const fields = { MessageSid: `SM${'c'.repeat(32)}`, MessageStatus: 'delivered' };
      await twilioPost(status, fields, a.twilioToken).expect(204);
      await twilioPost(status, fields, a.twilioToken).expect(204);
      await env.collector.settled();
      const { rows } = await env.db.pool.query(`SELECT status FROM inbound_requests WHERE source = 'twilio-status' AND idempotency_key = $1`, [`${fields.MessageSid}-delivered`]);
      expect(rows).toEqual([{ status: 'processed' }]);
      expect((await env.db.pool.query(`SELECT status FROM messages WHERE id = $1`, [a.messageId])).rows[0].status).toBe('delivered');
    });
  });

  describe('wrong types and repeated fields', () => {
    it('answers API bodies of the wrong JSON type or shape (arrays, null, operators, prototype keys) with 4xx, writing nothing', async () => {
      await changesNothing(async () => {
        const routes: [AppName, 'post' | 'put', string][] = [
          ['report', 'post', '/clients'], ['report', 'post', '/visits'],
          ['campaign', 'post', '/templates/preview'], ['campaign', 'put', '/templates/ask/sms/en'], ['campaign', 'post', '/campaigns'],
          ['campaign', 'post', `/campaigns/${a.campaignId}/schedule`], ['campaign', 'post', `/dead-letters/${a.deadMessageId}/retry`], ['campaign', 'post', `/sandbox/messages/${a.messageId}/reply`],
          ['lapse-detector', 'post', '/lapse-sweeps'],
        ];
        const bodies = [
          '[]', 'null', '"text"', '123', '{"records": {"0": {}}}',
          '{"name": {"$gt": 1}, "text": ["a", "b"], "parts": "x", "template": [], "at": {"a": 1}, "records": [null, 1, "x", []], "full": null, "action": {"x": 1}}',
          '{"__proto__": {"admin": true}, "constructor": {"prototype": {"polluted": 1}}}',
        ];
        for (const [app, method, path] of routes) {
          for (const body of bodies) {
            const res = await api(app, method, path).set('Content-Type', 'application/json').send(body);
            expect([path, body, res.status >= 400 && res.status < 500]).toEqual([path, body, true]);
          }
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });
    });

    it('answers console forms whose fields come twice with a 4xx or as if sent once, never a 500', async () => {
      const forms: [string, Record<string, string[]>][] = [
        [`/console/clients/${a.clientId}/episodes/${a.episodeId}/reason`, { reason: ['a', 'b'], note: ['x', 'y'], leftOn: ['2026-01-01', 'x'], useReason: ['1', '2'] }],
        ['/console/reasons', { label: ['a', 'b'], locale: ['en', 'de'] }],
        [`/console/reasons/candidates/${a.candidateIds[0]}/accept`, { label: ['a', 'b'] }],
        [`/console/reasons/candidates/${a.candidateIds[1]}/map`, { reasonId: [a.reasonId, a.otherReasonId] }],
        [`/console/reasons/${a.reasonId}/merge`, { intoId: [a.otherReasonId, a.reasonId], confirm: ['yes', 'yes'] }],
        [`/console/reasons/${a.reasonId}/labels`, { locale: ['de', 'fr'], label: ['a', 'b'] }],
        [`/console/reasons/${a.reasonId}/aliases`, { text: ['a', 'b'] }],
        [`/console/replies/${a.replyId}/reviewed`, { returnTo: ['/console/replies?x=1', '/console/replies?y'] }],
        ['/console/accounts', { email: ['a@b.test', 'c@d.test'], displayName: ['x', 'y'], role: ['viewer', 'admin'], password: ['long enough passphrase', 'x'] }],
        ['/console/campaigns', { name: ['a', 'b'], templateKey: ['ask', 'x'], channel1: ['sms', 'email'], controlPercent: ['1', '2'], tier: ['1', '2'] }],
        ['/console/campaigns/estimate.json', { templateKey: ['ask', 'x'], channel1: ['sms', 'email'], staff: ['1', '2'] }],
        [`/console/campaigns/${a.campaignId}/schedule`, { startAt: ['2099-01-01T10:00', 'x'] }],
        ['/console/templates', { action: ['save', 'preview'], key: ['ask', 'b'], channel: ['sms', 'email'], locale: ['en', 'de'], 'part.text': ['a', 'b'] }],
        ['/console/templates/preview.json', { key: ['ask'], channel: ['sms'], locale: ['en'], 'part.text': ['a', 'b'] }],
        [`/console/sandbox/${a.messageId}/reply`, { text: ['a', 'b'] }],
        [`/console/dead-letters/${a.deadMessageId}/retry`, { action: ['resend', 'mark-sent'] }],
        ['/console/lost-clients/selection', { action: ['export', 'dismiss'], episode: [a.episodeId, a.episodeId], staff: ['1', '2'] }],
        [`/console/reports/intensive-care/${a.returnedEpisodeId}/review`, { note: ['a', 'b'] }],
        ['/console/calls/settings', { topN: ['1', '2'] }],
        [`/console/calls/${a.callTaskId}/outcome`, { outcome: ['reached', 'no_answer'], reason: ['a', 'b'], clientWords: ['a', 'b'], callBackAt: ['x', 'y'], expectedAttempts: ['0', '1'] }],
        ['/console/language', { locale: ['en', 'ru'], next: ['/console/x', '/y'] }],
      ];
      for (const [path, fields] of forms) {
        const res = await form(path, fields as unknown as Record<string, string>);
        expect([path, res.status < 500]).toEqual([path, true]);
      }
      for (const [path, fields] of [[`/f/${a.feedbackToken}`, { reason: ['1', '2'], text: ['a', 'b'], rating: ['1', '2'] }], [`/u/${a.feedbackToken}`, { 'List-Unsubscribe': ['One-Click', 'x'] }]] as const) {
        const res = await http('response-collector').post(path).type('form').send(fields as unknown as Record<string, string>);
        expect([path, res.status < 500]).toEqual([path, true]);
      }
    });
  });

  describe('guessed personal links', () => {
    it('answers random tokens of the right shape, and malformed ones, with the same 404 page as any unknown link, changing nothing', async () => {
      await changesNothing(async () => {
        const unknown = (await http('response-collector').get(`/f/${randomBytes(18).toString('base64url')}`).expect(404)).text;
        expect(unknown).not.toMatch(/Alfa|Bravo/);
        const guesses = [...Array.from({ length: 12 }, () => randomBytes(18).toString('base64url')), 'x', 'A'.repeat(200), encodeURIComponent('../../etc/passwd'), encodeURIComponent(`' OR 1=1--`)];
        for (const token of guesses) {
          for (const res of [
            await http('response-collector').get(`/f/${token}`),
            await http('response-collector').post(`/f/${token}`).type('form').send({ reason: a.reasonId, text: 'guess' }),
            await http('response-collector').get(`/u/${token}`),
            await http('response-collector').post(`/u/${token}`).type('form').send({}),
            await http('response-collector').post(`/u/${token}`).type('form').send({ 'List-Unsubscribe': 'One-Click' }),
          ]) {
            expect([token, res.status]).toEqual([token, 404]);
            expect(res.text).toBe(unknown);
          }
        }
      });
    });
  });
});
