import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isValidPhoneNumber, parsePhoneNumber } from 'libphonenumber-js';
import { generateDemoData, type DemoDataResult } from './index';
import { readStrictCsvObjects } from './strict-csv.reader';

const UNTIL = new Date('2026-01-01T00:00:00Z');
const CLIENTS = 2000;
const DAY_MS = 86_400_000;

type Row = Record<string, string>;
interface ReadBack {
  headers: Record<string, string[]>;
  staff: Row[];
  services: Row[];
  clients: Row[];
  visits: Row[];
  payments: Row[];
}

async function readBack(result: DemoDataResult): Promise<ReadBack> {
  const read = async (path: string) => readStrictCsvObjects(await readFile(path, 'utf8'));
  const [staff, services, clients, visits, payments] = await Promise.all(
    [result.files.staff, result.files.services, result.files.clients, result.files.visits, result.files.payments].map(read),
  );
  return {
    headers: { staff: staff.header, services: services.header, clients: clients.header, visits: visits.header, payments: payments.header },
    staff: staff.records,
    services: services.records,
    clients: clients.records,
    visits: visits.records,
    payments: payments.records,
  };
}

async function hashFiles(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir)).sort();
  const hashes: Record<string, string> = {};
  for (const name of names) hashes[name] = createHash('sha256').update(await readFile(join(dir, name))).digest('hex');
  return hashes;
}

function groupBy(rows: Row[], key: string): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const group = groups.get(row[key]);
    if (group) group.push(row);
    else groups.set(row[key], [row]);
  }
  return groups;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

describe('generateDemoData', () => {
  let root: string;
  let result: DemoDataResult;
  let data: ReadBack;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'demo-data-'));
    result = await generateDemoData({ clients: CLIENTS, seed: 42, until: UNTIL, outDir: join(root, 'a') });
    data = await readBack(result);
  });
  afterAll(async () => rm(root, { recursive: true, force: true }));

  describe('determinism', () => {
    it('writes byte-identical files for the same seed and until, other files for another seed', async () => {
      await generateDemoData({ clients: CLIENTS, seed: 42, until: UNTIL, outDir: join(root, 'b') });
      await generateDemoData({ clients: CLIENTS, seed: 7, until: UNTIL, outDir: join(root, 'c') });
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((d) => hashFiles(join(root, d))));
      expect(Object.keys(a)).toEqual(['clients.csv', 'payments.csv', 'services.csv', 'staff.csv', 'visits.csv']);
      expect(b).toEqual(a);
      for (const file of ['clients.csv', 'visits.csv', 'payments.csv', 'staff.csv']) expect(c[file]).not.toBe(a[file]);
    });

    it('derives each client from (seed, client index) alone: a smaller run is a prefix of a larger one', async () => {
      // 300 and 2,000 clients both get the minimum staff of 8, so the rosters are the same.
      const small = await generateDemoData({ clients: 300, seed: 42, until: UNTIL, outDir: join(root, 'small') });
      for (const file of ['clients', 'visits', 'payments'] as const) {
        const smallText = await readFile(small.files[file], 'utf8');
        const largeText = await readFile(result.files[file], 'utf8');
        expect(smallText.length).toBeGreaterThan(100);
        expect(largeText.startsWith(smallText)).toBe(true);
      }
    });

    it('counts what it wrote', () => {
      expect(result.counts).toEqual({
        staff: data.staff.length,
        services: data.services.length,
        clients: CLIENTS,
        visits: data.visits.length,
        payments: data.payments.length,
      });
    });
  });

  describe('file format', () => {
    it('has the agreed headers', () => {
      expect(data.headers).toEqual({
        staff: ['external_id', 'name', 'role'],
        services: ['external_id', 'name', 'category'],
        clients: ['external_id', 'name', 'phone', 'email', 'viber_id', 'locale', 'timezone', 'consent_sms', 'consent_email', 'consent_viber', 'consent_voice'],
        visits: ['external_id', 'client_external_id', 'visited_at', 'amount', 'currency', 'staff_external_id', 'service_external_id'],
        payments: ['external_id', 'client_external_id', 'occurred_at', 'status', 'amount', 'currency', 'failure_code'],
      });
    });

    it('quotes fields holding commas and quotes (read back intact by the strict reader)', () => {
      expect(data.services.some((s) => s.name.includes(','))).toBe(true);
      expect(data.clients.some((c) => c.name.includes(','))).toBe(true);
    });

    it('numbers ids in sequence with the agreed shapes', () => {
      expect(data.clients.map((c) => c.external_id)).toEqual(Array.from({ length: CLIENTS }, (_, i) => `c${String(i + 1).padStart(7, '0')}`));
      expect(data.visits.every((v, i) => v.external_id === `v${String(i + 1).padStart(9, '0')}`)).toBe(true);
      expect(data.payments.every((p, i) => p.external_id === `p${String(i + 1).padStart(9, '0')}`)).toBe(true);
      expect(data.staff.every((s, i) => s.external_id === `s${String(i + 1).padStart(3, '0')}`)).toBe(true);
      expect(data.services.map((s) => s.external_id)).toEqual(Array.from({ length: 12 }, (_, i) => `svc${String(i + 1).padStart(2, '0')}`));
    });
  });

  describe('staff and services', () => {
    it('has a small team in the five roles and a dozen services', () => {
      expect(data.staff.length).toBeGreaterThanOrEqual(6);
      expect(data.staff.length).toBeLessThanOrEqual(14);
      expect(new Set(data.staff.map((s) => s.role))).toEqual(new Set(['doctor', 'dentist', 'hygienist', 'therapist', 'nurse']));
      expect(data.services.map((s) => s.name)).toEqual(expect.arrayContaining(['Check-up', 'Dental cleaning', 'X-ray', 'Vaccination']));
    });
  });

  describe('clients', () => {
    it('has valid phone numbers only, some written the Georgian national way, ~5% missing, none shared', () => {
      const phones = data.clients.map((c) => c.phone).filter(Boolean);
      const invalid = phones.filter((phone) => !isValidPhoneNumber(phone, 'GE'));
      expect(invalid).toEqual([]);
      const national = phones.filter((p) => !p.startsWith('+'));
      expect(national.length).toBeGreaterThan(50);
      expect(national.every((p) => /^\d{3} \d{2} \d{2} \d{2}$/.test(p))).toBe(true);
      const missing = (CLIENTS - phones.length) / CLIENTS;
      expect(missing).toBeGreaterThan(0.02);
      expect(missing).toBeLessThan(0.09);
      const normalised = phones.map((p) => parsePhoneNumber(p, 'GE').number);
      expect(new Set(normalised).size).toBe(normalised.length);
      const countries = new Set(phones.map((p) => parsePhoneNumber(p, 'GE').country));
      expect(countries).toEqual(new Set(['GE', 'GB', 'RU', 'TR', 'IN', 'BD', 'LA']));
    });

    it('has NFKC-normalised names in several languages and their scripts, locales matching', () => {
      expect(data.clients.filter((c) => c.name !== c.name.normalize('NFKC'))).toEqual([]);
      const locales = new Set(data.clients.map((c) => c.locale));
      expect(locales.size).toBeGreaterThanOrEqual(6);
      const scriptOf: Record<string, RegExp> = {
        ka: /\p{Script=Georgian}/u,
        gu: /\p{Script=Gujarati}/u,
        bn: /\p{Script=Bengali}/u,
        lo: /\p{Script=Lao}/u,
        ru: /\p{Script=Cyrillic}/u,
        en: /^[\p{Script=Latin}' ,"-]+$/u,
        tr: /^[\p{Script=Latin} ,]+$/u,
      };
      for (const [language, script] of Object.entries(scriptOf)) {
        const speakers = data.clients.filter((c) => c.locale.split('-')[0] === language);
        expect(speakers.length).toBeGreaterThan(30);
        expect(speakers.filter((c) => !script.test(c.name))).toEqual([]);
      }
      expect(data.clients.some((c) => /[çğışöü]/u.test(c.name))).toBe(true);
      const share = (language: string) => data.clients.filter((c) => c.locale.startsWith(language)).length / CLIENTS;
      expect(share('ka') + share('en') + share('ru') + share('tr')).toBeGreaterThan(0.7);
      expect(data.clients.some((c) => c.locale === 'en-GB')).toBe(true);
    });

    it('has example-domain emails for ~70%, opaque viber ids for ~25%, zones matching, consents in range', () => {
      const withEmail = data.clients.filter((c) => c.email);
      expect(withEmail.length / CLIENTS).toBeGreaterThan(0.62);
      expect(withEmail.length / CLIENTS).toBeLessThan(0.78);
      expect(withEmail.filter((c) => !new RegExp(`^${c.external_id}@example\\.(com|org|net)$`).test(c.email))).toEqual([]);
      const withViber = data.clients.filter((c) => c.viber_id);
      expect(withViber.length / CLIENTS).toBeGreaterThan(0.19);
      expect(withViber.length / CLIENTS).toBeLessThan(0.31);
      expect(withViber.every((c) => /^[A-Za-z0-9+/]{22}==$/.test(c.viber_id))).toBe(true);
      expect(new Set(withViber.map((c) => c.viber_id)).size).toBe(withViber.length);

      const zones = new Set(data.clients.map((c) => c.timezone));
      expect(zones).toEqual(new Set(['', 'Asia/Tbilisi', 'Europe/Istanbul', 'Europe/Moscow', 'Europe/London', 'Asia/Kolkata', 'Asia/Dhaka', 'Asia/Vientiane']));
      const emptyZone = data.clients.filter((c) => !c.timezone).length / CLIENTS;
      expect(emptyZone).toBeGreaterThan(0.24);
      expect(emptyZone).toBeLessThan(0.36);
      // A Georgian speaker lives in Georgia.
      expect(data.clients.filter((c) => c.locale.startsWith('ka') && c.timezone && c.timezone !== 'Asia/Tbilisi')).toEqual([]);

      const consentColumns = ['consent_sms', 'consent_email', 'consent_viber', 'consent_voice'];
      for (const column of consentColumns) expect(new Set(data.clients.map((c) => c[column])).size).toBeGreaterThanOrEqual(2);
      expect(data.clients.filter((c) => consentColumns.some((k) => !['granted', 'revoked', ''].includes(c[k])))).toEqual([]);
      const withPhone = data.clients.filter((c) => c.phone);
      expect(withPhone.filter((c) => c.consent_sms === 'granted').length / withPhone.length).toBeGreaterThan(0.75);
      expect(data.clients.some((c) => c.consent_sms === 'revoked')).toBe(true);
      expect(data.clients.filter((c) => !c.viber_id && c.consent_viber)).toEqual([]);
    });
  });

  describe('visits', () => {
    it('are well-formed, reference existing rows, ascend per client and end before until', () => {
      const clientIds = new Set(data.clients.map((c) => c.external_id));
      const staffIds = new Set(data.staff.map((s) => s.external_id));
      const serviceIds = new Set(data.services.map((s) => s.external_id));
      const problems: string[] = [];
      let previous = { client: '', at: '' };
      for (const v of data.visits) {
        if (!clientIds.has(v.client_external_id) || !staffIds.has(v.staff_external_id) || !serviceIds.has(v.service_external_id)) problems.push(`${v.external_id}: dangling reference`);
        if (!/^\d{4}-\d{2}-\d{2}T\d{2}:(00|15|30|45):00Z$/.test(v.visited_at)) problems.push(`${v.external_id}: bad time ${v.visited_at}`);
        if (!/^\d+\.\d{2}$/.test(v.amount) || Number(v.amount) <= 0 || v.currency !== 'GEL') problems.push(`${v.external_id}: bad amount`);
        if (Date.parse(v.visited_at) > UNTIL.getTime()) problems.push(`${v.external_id}: after until`);
        // Clinic hours 08:00-20:00 in Tbilisi (UTC+4).
        const hour = Number(v.visited_at.slice(11, 13));
        if (hour < 4 || hour >= 16) problems.push(`${v.external_id}: outside opening hours`);
        if (v.client_external_id === previous.client && v.visited_at <= previous.at) problems.push(`${v.external_id}: not after the previous visit`);
        previous = { client: v.client_external_id, at: v.visited_at };
      }
      expect(problems).toEqual([]);
      // One block per client: the ascending check above saw each client's whole history.
      const blocks = data.visits.filter((v, i) => i === 0 || v.client_external_id !== data.visits[i - 1].client_external_id).length;
      expect(blocks).toBe(new Set(data.visits.map((v) => v.client_external_id)).size);
      expect(Math.max(...data.visits.map((v) => Date.parse(v.visited_at)))).toBeGreaterThan(UNTIL.getTime() - 3 * DAY_MS);
      expect(Math.min(...data.visits.map((v) => Date.parse(v.visited_at)))).toBeLessThan(UNTIL.getTime() - 1400 * DAY_MS);
    });

    it('average about 20 per client, every client having at least one', () => {
      const average = data.visits.length / CLIENTS;
      expect(average).toBeGreaterThanOrEqual(15);
      expect(average).toBeLessThanOrEqual(25);
      expect(new Set(data.visits.map((v) => v.client_external_id)).size).toBe(CLIENTS);
    });

    it('price by service and by staff member, and rise ~8% mid-history', () => {
      const amounts = (rows: Row[]) => rows.map((v) => Number(v.amount));
      const checkups = data.visits.filter((v) => v.service_external_id === 'svc01');
      const byStaff = [...groupBy(checkups, 'staff_external_id').values()].filter((rows) => rows.length > 30).map((rows) => median(amounts(rows)));
      expect(Math.max(...byStaff) / Math.min(...byStaff)).toBeGreaterThan(1.1);
      const rootCanal = median(amounts(data.visits.filter((v) => v.service_external_id === 'svc10')));
      expect(rootCanal).toBeGreaterThan(3 * median(amounts(checkups)));
      // Same staff member and service, first year against last year.
      const [busiest] = [...groupBy(checkups, 'staff_external_id').values()].sort((a, b) => b.length - a.length);
      const early = busiest.filter((v) => v.visited_at < '2023-01-01');
      const late = busiest.filter((v) => v.visited_at >= '2025-01-01');
      const rise = median(amounts(late)) / median(amounts(early));
      expect(rise).toBeGreaterThan(1.03);
      expect(rise).toBeLessThan(1.14);
    });
  });

  describe('behaviour mix', () => {
    const lastVisitByClient = () => {
      const last = new Map<string, number>();
      for (const v of data.visits) last.set(v.client_external_id, Date.parse(v.visited_at));
      return last;
    };

    it('has one-time clients, weekly regulars and sudden stoppers', () => {
      const visitsByClient = groupBy(data.visits, 'client_external_id');
      const times = [...visitsByClient.values()].map((rows) => rows.map((v) => Date.parse(v.visited_at)));
      const once = times.filter((t) => t.length === 1).length;
      expect(once / CLIENTS).toBeGreaterThan(0.1);
      const medianGapDays = (t: number[]) => median(t.slice(1).map((x, i) => (x - t[i]) / DAY_MS));
      expect(times.filter((t) => t.length >= 8 && medianGapDays(t) <= 8).length).toBeGreaterThan(60);
      const suddenStops = times.filter((t) => t.length >= 8 && UNTIL.getTime() - t[t.length - 1] > 3 * medianGapDays(t) * DAY_MS);
      expect(suddenStops.length).toBeGreaterThan(100);
      const cap = Math.max(...times.map((t) => t.length));
      expect(cap).toBeGreaterThan(100);
      expect(cap).toBeLessThanOrEqual(256);
    });

    it('has payments only for ~15% of clients, failure_code exactly when failed, a cancellation only as the last event', () => {
      const payers = new Set(data.payments.map((p) => p.client_external_id));
      expect(payers.size / CLIENTS).toBeGreaterThan(0.1);
      expect(payers.size / CLIENTS).toBeLessThan(0.2);
      const codes = ['card_expired', 'insufficient_funds', 'card_declined', 'authentication_required'];
      const bad = data.payments.filter((p) =>
        p.status === 'failed' ? !codes.includes(p.failure_code) : !['succeeded', 'cancelled'].includes(p.status) || p.failure_code !== '',
      );
      expect(bad).toEqual([]);
      for (const [, rows] of groupBy(data.payments, 'client_external_id')) {
        const cancelled = rows.findIndex((p) => p.status === 'cancelled');
        if (cancelled >= 0) expect(cancelled).toBe(rows.length - 1);
      }
      expect(data.payments.some((p) => p.status === 'cancelled')).toBe(true);
      expect(data.payments.filter((p) => !/^\d+\.\d{2}$/.test(p.amount) || p.currency !== 'GEL' || Date.parse(p.occurred_at) > UNTIL.getTime())).toEqual([]);
      expect(data.payments.some((p) => p.status === 'failed')).toBe(true);
    });

    it('has members lost to failed payments: 1-3 declines at the end, no visit after them', () => {
      const lastVisit = lastVisitByClient();
      let involuntary = 0;
      for (const [client, rows] of groupBy(data.payments, 'client_external_id')) {
        const times = rows.map((p) => p.occurred_at);
        expect([...times].sort()).toEqual(times); // charges in time order
        let trailingFailures = 0;
        while (trailingFailures < rows.length && rows[rows.length - 1 - trailingFailures].status === 'failed') trailingFailures++;
        if (trailingFailures === 0) continue;
        involuntary++;
        expect(trailingFailures).toBeLessThanOrEqual(3);
        const firstFailure = Date.parse(rows[rows.length - trailingFailures].occurred_at);
        expect(lastVisit.get(client)).toBeLessThan(firstFailure);
      }
      expect(involuntary / CLIENTS).toBeGreaterThan(0.04);
      expect(involuntary / CLIENTS).toBeLessThan(0.1);
    });

    it('charges members monthly while they keep coming', () => {
      const [client, rows] = [...groupBy(data.payments, 'client_external_id')].sort((a, b) => b[1].length - a[1].length)[0];
      const succeeded = rows.filter((p) => p.status === 'succeeded').map((p) => Date.parse(p.occurred_at));
      const gaps = succeeded.slice(1).map((t, i) => (t - succeeded[i]) / DAY_MS);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(28);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(33);
      expect(lastVisitByClient().get(client)).toBeGreaterThan(Date.parse(rows[0].occurred_at));
    });
  });

  describe('options', () => {
    it('rejects out-of-range sizes and unknown countries', async () => {
      const outDir = join(root, 'rejected');
      await expect(generateDemoData({ clients: 0, outDir })).rejects.toThrow(RangeError);
      await expect(generateDemoData({ clients: 1_000_001, outDir })).rejects.toThrow(RangeError);
      await expect(generateDemoData({ clients: 10, outDir, country: 'XX' })).rejects.toThrow(/country/);
      await expect(generateDemoData({ clients: 10, outDir, until: new Date('nope') })).rejects.toThrow(/until/);
    });

    it('writes national numbers of the organization\'s own country when it is another', async () => {
      const turkish = await generateDemoData({ clients: 500, until: UNTIL, outDir: join(root, 'tr'), country: 'TR' });
      const { records } = readStrictCsvObjects(await readFile(turkish.files.clients, 'utf8'));
      const national = records.map((c) => c.phone).filter((p) => p && !p.startsWith('+'));
      expect(national.length).toBeGreaterThan(5);
      expect(national.filter((p) => !isValidPhoneNumber(p, 'TR') || parsePhoneNumber(p, 'TR').country !== 'TR')).toEqual([]);
    });
  });
});
