import { mkdir } from 'node:fs/promises';
import { resolve, join } from 'node:path';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { ClientHistoryPlanner, HISTORY_DAYS, type ClientHistory, type HistoryWindow } from './client-history.planner';
import { csvField } from '@comeback/csv';
import { CsvFileWriter } from './csv-file.writer';
import { buildStaff, DEMO_SERVICES, SERVICES_BY_ROLE, type DemoStaffMember, type RoleServices } from './demo-catalog';
import { DEMO_PHONE_COUNTRIES, LANGUAGE_PROFILES, STANDARD_UTC_OFFSET_MINUTES, timezoneOfCountry } from './demo-languages';
import { composeName } from './demo-names';
import { DemoPhoneBook } from './demo-phones';
import type { DemoDataOptions, DemoDataResult } from './demo-data.types';
import { cumulative, pickWeighted, SeededRandom } from './seeded-random';
import { ClinicSlots, DayTexts, MS_PER_DAY, timeOfDayText } from './utc-timestamps';

export const MAX_DEMO_CLIENTS = 1_000_000;
const DEFAULT_SEED = 42;
const DEFAULT_COUNTRY = 'GE';
const CURRENCY = 'GEL';

/** Stream keys: each purpose draws from its own stream, so adding draws to one never shifts another. */
const CLIENT_STREAM = 1;

const CLIENT_HEADER = ['external_id', 'name', 'phone', 'email', 'viber_id', 'locale', 'timezone', 'consent_sms', 'consent_email', 'consent_viber', 'consent_voice'];
const VISIT_HEADER = ['external_id', 'client_external_id', 'visited_at', 'amount', 'currency', 'staff_external_id', 'service_external_id'];
const PAYMENT_HEADER = ['external_id', 'client_external_id', 'occurred_at', 'status', 'amount', 'currency', 'failure_code'];

const LANGUAGE_WEIGHTS = cumulative(LANGUAGE_PROFILES.map((p) => p.weight));
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'];
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Opening hours in local minutes: 08:00 to 20:00, appointments every quarter hour. */
const OPENING_MINUTE = 8 * 60;
const CLOSING_MINUTE = 20 * 60;
/** Monthly plan fees in tetri (before the price increase). */
const PLAN_FEES_CENTS = [4500, 7900, 12900];
const DAYS_PER_MONTH = 30.4375;
const PRICE_INCREASE = 1.08;
/** Share of ordinary monthly charges declined once, then retried with success two days later. */
const TRANSIENT_DECLINE_RATE = 0.03;
const FAILURE_CODES = ['card_expired', 'insufficient_funds', 'card_declined', 'authentication_required'];
/** Involuntary churn: expired cards and empty accounts dominate. */
const FINAL_FAILURE_WEIGHTS = cumulative([45, 35, 15, 5]);
/** Retry schedule of a declined charge, in days after the first attempt. */
const RETRY_OFFSETS_DAYS = [0, 3, 7];

interface ResolvedOptions {
  clients: number;
  seed: number;
  untilMs: number;
  outDir: string;
  country: CountryCode;
}

/**
 * Writes a deterministic, realistic multi-year clinic history as five CSV files (staff, services,
 * clients, visits, payments). Memory stays constant whatever the size: clients, visits and payments
 * are produced in one pass over the clients and streamed out in ~1 MB chunks.
 */
export async function generateDemoData(options: DemoDataOptions): Promise<DemoDataResult> {
  const resolved = resolveOptions(options);
  await mkdir(resolved.outDir, { recursive: true });
  return new DemoDataGenerator(resolved).run();
}

function resolveOptions(options: DemoDataOptions): ResolvedOptions {
  const { clients, outDir } = options;
  if (!Number.isInteger(clients) || clients < 1 || clients > MAX_DEMO_CLIENTS) {
    throw new RangeError(`clients must be an integer from 1 to ${MAX_DEMO_CLIENTS}, got ${clients}`);
  }
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const untilMs = options.until ? options.until.getTime() : Math.floor(Date.now() / MS_PER_DAY) * MS_PER_DAY;
  if (!Number.isFinite(untilMs)) throw new RangeError('until must be a valid date');
  if (!outDir) throw new RangeError('outDir is required');
  const country = (options.country ?? DEFAULT_COUNTRY).toUpperCase();
  if (!isSupportedCountry(country)) throw new RangeError(`country must be an ISO 3166-1 alpha-2 code libphonenumber-js knows, got ${options.country}`);
  return { clients, seed, untilMs, outDir: resolve(outDir), country };
}

class DemoDataGenerator {
  /** Visits and payments fall on UTC days before this one, so none is after `until`. */
  private readonly endUtcDay: number;
  /** Local clinic days: [firstDay, endDay). */
  private readonly window: HistoryWindow;
  private readonly slots: ClinicSlots;
  private readonly dayTexts: DayTexts;
  /** "HH:MM:00Z" for each quarter hour of the UTC day (payment times). */
  private readonly quarterHourTexts: readonly string[];
  private readonly priceIncreaseDay: number;
  private readonly staff: readonly DemoStaffMember[];
  /** Price in tetri of service s by staff member t at index t * services + s, before and after the increase. */
  private readonly pricesBefore: Float64Array;
  private readonly pricesAfter: Float64Array;
  private readonly phoneBook: DemoPhoneBook;
  private readonly planner: ClientHistoryPlanner;
  private visitSequence = 0;
  private paymentSequence = 0;

  constructor(private readonly options: ResolvedOptions) {
    this.endUtcDay = Math.floor(options.untilMs / MS_PER_DAY);
    this.slots = new ClinicSlots(OPENING_MINUTE, CLOSING_MINUTE, STANDARD_UTC_OFFSET_MINUTES[options.country] ?? 0);
    // West of UTC the late slots fall on the next UTC day: stop one local day earlier.
    const endDay = this.endUtcDay - this.slots.maxDayShift;
    this.window = { firstDay: endDay - HISTORY_DAYS, endDay };
    this.dayTexts = new DayTexts(this.window.firstDay - 2, HISTORY_DAYS + 6);
    this.quarterHourTexts = Array.from({ length: 96 }, (_, i) => timeOfDayText(i * 15));
    this.priceIncreaseDay = firstOfMonth(this.window.firstDay + Math.floor(HISTORY_DAYS / 2));
    this.staff = buildStaff(options.seed, options.clients, this.window.firstDay, this.window.endDay);
    const serviceCount = DEMO_SERVICES.length;
    this.pricesBefore = new Float64Array(this.staff.length * serviceCount);
    this.pricesAfter = new Float64Array(this.staff.length * serviceCount);
    this.staff.forEach((member, t) =>
      DEMO_SERVICES.forEach((service, s) => {
        this.pricesBefore[t * serviceCount + s] = service.basePriceCents * member.priceMultiplier;
        this.pricesAfter[t * serviceCount + s] = service.basePriceCents * member.priceMultiplier * PRICE_INCREASE;
      }),
    );
    this.phoneBook = new DemoPhoneBook(options.seed);
    this.phoneBook.prepare([...DEMO_PHONE_COUNTRIES, options.country]);
    this.planner = new ClientHistoryPlanner(this.window);
  }

  async run(): Promise<DemoDataResult> {
    const dir = this.options.outDir;
    const files = {
      staff: join(dir, 'staff.csv'),
      services: join(dir, 'services.csv'),
      clients: join(dir, 'clients.csv'),
      visits: join(dir, 'visits.csv'),
      payments: join(dir, 'payments.csv'),
    };
    await this.writeStaff(files.staff);
    await this.writeServices(files.services);

    const clients = new CsvFileWriter(files.clients, CLIENT_HEADER);
    const visits = new CsvFileWriter(files.visits, VISIT_HEADER);
    const payments = new CsvFileWriter(files.payments, PAYMENT_HEADER);
    const writers = [clients, visits, payments];
    try {
      for (let index = 0; index < this.options.clients; index++) {
        this.writeClient(index, clients, visits, payments);
        if (clients.needsFlush) await clients.flush();
        if (visits.needsFlush) await visits.flush();
        if (payments.needsFlush) await payments.flush();
      }
      for (const writer of writers) await writer.close();
    } catch (error) {
      for (const writer of writers) writer.destroy();
      throw error;
    }
    return {
      files,
      counts: {
        staff: this.staff.length,
        services: DEMO_SERVICES.length,
        clients: clients.rowCount,
        visits: visits.rowCount,
        payments: payments.rowCount,
      },
    };
  }

  private async writeStaff(path: string): Promise<void> {
    const writer = new CsvFileWriter(path, ['external_id', 'name', 'role']);
    for (const member of this.staff) writer.appendLine(`${member.externalId},${csvField(member.name)},${member.role}\n`);
    await writer.close();
  }

  private async writeServices(path: string): Promise<void> {
    const writer = new CsvFileWriter(path, ['external_id', 'name', 'category']);
    for (const service of DEMO_SERVICES) writer.appendLine(`${service.externalId},${csvField(service.name)},${csvField(service.category)}\n`);
    await writer.close();
  }

  /** One client: their row, then their visits and payments, all from the client's own random stream. */
  private writeClient(index: number, clients: CsvFileWriter, visits: CsvFileWriter, payments: CsvFileWriter): void {
    const random = SeededRandom.derive(this.options.seed, CLIENT_STREAM, index);
    const clientId = `c${String(index + 1).padStart(7, '0')}`;
    clients.appendLine(this.clientLine(index, clientId, random));

    const staffCount = this.staff.length;
    const home = random.int(staffCount);
    const second = random.chance(0.3) ? random.int(staffCount) : -1;
    const homeMember = this.staff[home];
    const homeLeaves = homeMember.lastDay < this.window.endDay - 1 ? homeMember.lastDay : null;
    const history = this.planner.plan(random, homeLeaves);
    this.writeVisits(clientId, home, second, history, random, visits);
    if (history.onPlan) this.writePayments(clientId, history, random, payments);
  }

  private clientLine(index: number, clientId: string, random: SeededRandom): string {
    const profile = LANGUAGE_PROFILES[pickWeighted(random, LANGUAGE_WEIGHTS)];
    const name = csvField(composeName(profile.language, random));
    const orgCountry = this.options.country;
    // Foreign-language clients often live in the clinic's country and have a local number.
    const residence = profile.language !== 'ka' && random.chance(0.2) ? orgCountry : profile.phoneCountry;

    let phone = '';
    if (random.chance(0.95)) {
      phone = residence === orgCountry && random.chance(0.2) ? this.phoneBook.nationalFor(residence, index) : this.phoneBook.e164For(residence, index);
    }
    const email = random.chance(0.7) ? `${clientId}@${EMAIL_DOMAINS[random.int(EMAIL_DOMAINS.length)]}` : '';
    let viberId = '';
    if (random.chance(0.25)) {
      // Viber ids are opaque base64 strings: 16 random bytes -> 21 characters, one carrying the
      // last byte's top 2 bits (so only A, Q, g or w), then "==".
      for (let i = 0; i < 21; i++) viberId += BASE64_ALPHABET[random.int(64)];
      viberId += `${BASE64_ALPHABET[random.int(4) * 16]}==`;
    }
    const locale = random.chance(0.3) ? profile.regionalLocale : profile.language;
    // Empty means "the organization's timezone", as it is for most records in a real export.
    const timezone = random.chance(0.3) ? '' : timezoneOfCountry(residence) ?? '';

    const consentSms = phone ? consent(random, 0.85, 0.05) : consent(random, 0, 0.01);
    const consentEmail = email ? consent(random, 0.75, 0.07) : '';
    const consentViber = viberId ? consent(random, 0.85, 0.05) : '';
    const consentVoice = phone ? consent(random, 0.4, 0.05) : '';
    return `${clientId},${name},${phone},${email},${viberId},${locale},${timezone},${consentSms},${consentEmail},${consentViber},${consentVoice}\n`;
  }

  private writeVisits(clientId: string, home: number, second: number, history: ClientHistory, random: SeededRandom, visits: CsvFileWriter): void {
    const staff = this.staff;
    const staffCount = staff.length;
    const serviceCount = DEMO_SERVICES.length;
    const homeServices = SERVICES_BY_ROLE[staff[home].role];
    const usualServices = this.usualServicesOf(homeServices, random);
    const slotCount = this.slots.count;
    const preferredSlot = random.int(slotCount);
    const slotSpread = random.intBetween(1, 8);
    const { utcTexts, dayShift } = this.slots;
    const days = history.days;
    const priceIncreaseDay = this.priceIncreaseDay;

    for (let v = 0; v < history.visitCount; v++) {
      const day = days[v];
      const staffRoll = random.next();
      const wanted = staffRoll < 0.82 ? home : staffRoll < 0.94 && second >= 0 ? second : random.int(staffCount);
      const wantedPerson = staff[wanted];
      // Someone not (or no longer) working that day: their whole-history colleague of the same role
      // sees the client, and does what the client came for.
      const member = day < wantedPerson.firstDay || day > wantedPerson.lastDay ? wantedPerson.successor : wanted;
      let service: number;
      if (wanted === home && random.next() < 0.75) {
        // The first usual service dominates: index = floor(u² · n) favours the low indexes.
        const u = random.next();
        service = usualServices[Math.floor(u * u * usualServices.length)];
      } else {
        const roleServices = SERVICES_BY_ROLE[staff[member].role];
        service = roleServices.services[pickWeighted(random, roleServices.cumulativeFrequencies)];
      }
      const listPrice = (day >= priceIncreaseDay ? this.pricesAfter : this.pricesBefore)[member * serviceCount + service];
      // ±3% noise (discounts, extras), rounded to half a lari as clinics price.
      const cents = Math.round((listPrice * (0.97 + 0.06 * random.next())) / 50) * 50;

      let slot = preferredSlot + Math.round((random.next() + random.next() - 1) * slotSpread);
      if (slot < 0) slot = 0;
      else if (slot >= slotCount) slot = slotCount - 1;
      const visitedAt = this.dayTexts.of(day + dayShift[slot]) + utcTexts[slot];

      this.visitSequence++;
      visits.appendLine(
        `v${String(1_000_000_000 + this.visitSequence).slice(1)},${clientId},${visitedAt},${moneyText(cents)},${CURRENCY},${staff[member].externalId},${DEMO_SERVICES[service].externalId}\n`,
      );
    }
  }

  /** 1-3 distinct services the client usually books with their home staff member, common ones more likely. */
  private usualServicesOf(homeServices: RoleServices, random: SeededRandom): number[] {
    const wanted = random.intBetween(1, Math.min(3, homeServices.services.length));
    const usual: number[] = [];
    // Bounded: with skewed frequencies a rare service may take a few draws, or not come at all.
    for (let draw = 0; draw < 12 && usual.length < wanted; draw++) {
      const service = homeServices.services[pickWeighted(random, homeServices.cumulativeFrequencies)];
      if (!usual.includes(service)) usual.push(service);
    }
    return usual;
  }

  /**
   * Monthly plan charges from the first visit while the plan lasts. The odd charge is declined and
   * retried with success; involuntary churners end with 1-3 declined attempts after their last visit,
   * the others who stop cancel the plan.
   */
  private writePayments(clientId: string, history: ClientHistory, random: SeededRandom, payments: CsvFileWriter): void {
    const fee = PLAN_FEES_CENTS[random.int(PLAN_FEES_CENTS.length)];
    const chargeTime = this.quarterHourTexts[random.intBetween(8, 24)]; // processors batch charges at night: 02:00-06:00 UTC
    const endDay = this.endUtcDay;
    const at = (day: number): string => this.dayTexts.of(day) + chargeTime;
    for (let month = 0; ; month++) {
      const day = history.planStartDay + Math.round(month * DAYS_PER_MONTH);
      if (day >= endDay) break;
      const amount = moneyText(Math.round((fee * (day >= this.priceIncreaseDay ? PRICE_INCREASE : 1)) / 50) * 50);
      if (day >= history.chargesEndDay) {
        // Clients who leave of their own accord cancel the plan (voluntary churn); the last
        // charge is simply the last one.
        if (history.failedCharges === 0 && history.chargesEndDay < endDay) {
          payments.appendLine(this.paymentLine(clientId, at(history.chargesEndDay), 'cancelled', '0.00', ''));
          break;
        }
        const failureCode = FAILURE_CODES[pickWeighted(random, FINAL_FAILURE_WEIGHTS)];
        for (let attempt = 0; attempt < history.failedCharges; attempt++) {
          const attemptDay = day + RETRY_OFFSETS_DAYS[attempt];
          if (attemptDay >= endDay) break;
          payments.appendLine(this.paymentLine(clientId, at(attemptDay), 'failed', amount, failureCode));
        }
        break;
      }
      if (random.chance(TRANSIENT_DECLINE_RATE) && day + 2 < endDay) {
        payments.appendLine(this.paymentLine(clientId, at(day), 'failed', amount, FAILURE_CODES[random.int(FAILURE_CODES.length)]));
        payments.appendLine(this.paymentLine(clientId, at(day + 2), 'succeeded', amount, ''));
      } else {
        payments.appendLine(this.paymentLine(clientId, at(day), 'succeeded', amount, ''));
      }
    }
  }

  private paymentLine(clientId: string, occurredAt: string, status: 'succeeded' | 'failed' | 'cancelled', amount: string, failureCode: string): string {
    this.paymentSequence++;
    return `p${String(1_000_000_000 + this.paymentSequence).slice(1)},${clientId},${occurredAt},${status},${amount},${CURRENCY},${failureCode}\n`;
  }
}

/** `granted`, `revoked` or '' (unknown) with the given probabilities. */
function consent(random: SeededRandom, granted: number, revoked: number): string {
  const roll = random.next();
  if (roll < granted) return 'granted';
  if (roll < granted + revoked) return 'revoked';
  return '';
}

const CENTS_TEXT = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** 8550 -> "85.50" without toFixed (called for every row). */
function moneyText(cents: number): string {
  return `${Math.floor(cents / 100)}.${CENTS_TEXT[cents % 100]}`;
}

/** The first day of the month containing `day`: the price increase takes effect on a month's first. */
function firstOfMonth(day: number): number {
  const date = new Date(day * MS_PER_DAY);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / MS_PER_DAY;
}
