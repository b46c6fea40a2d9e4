import { getCountryCallingCode, getExampleNumber, isValidPhoneNumber, type CountryCode } from 'libphonenumber-js';
import { parsePhoneNumber as parseWithFullMetadata } from 'libphonenumber-js/max';
import mobileExamples from 'libphonenumber-js/examples.mobile.json';
import { SeededRandom } from './seeded-random';

/**
 * Valid, unique mobile numbers for demo clients, fast enough for a million of them.
 *
 * Checking every generated number with libphonenumber-js costs ~7 µs (min metadata) to ~15 µs
 * (full metadata); a million clients would spend seconds on it. So each country gets a plan,
 * built once and cached: the country's example mobile number is split into a *head* (all digits
 * but the last four) and a four-digit *tail*. Many alternative heads are tried (digits after the
 * first varied by a fixed-seed generator); a head is kept only if numbers made from it are valid
 * mobiles whichever tail follows. That is checked for each tail position against all ten digits,
 * plus random whole tails, with both the full metadata (valid and of type mobile) and the default
 * metadata the importer reads with. Phone metadata constrains leading digits, never the last few
 * independently, so this per-position check is sufficient in practice; the specs and the
 * measurement script check every generated number on top.
 *
 * A client's number is then slot -> (head, tail) with slot = (A·clientIndex + B) mod capacity,
 * an affine permutation: different clients of a country always get different numbers while
 * capacity (heads × 10,000) exceeds the client count.
 */
const TAIL_DIGITS = 4;
const TAIL_SPAN = 10 ** TAIL_DIGITS;
/** 128 heads × 10,000 tails = 1.28 M unique numbers per country: enough for the 1 M-client maximum. */
const WANTED_HEADS = 128;
const MAX_HEAD_ATTEMPTS = 20_000;
const RANDOM_WHOLE_TAILS_CHECKED = 8;
/** The plans do not depend on the user's seed (only the client -> slot mapping does), so they are cached. */
const PLAN_SEED = 0x5eed_0f0e;

export interface CountryPhonePlan {
  country: CountryCode;
  callingCode: string;
  /** National-number heads verified to take any 4-digit tail. */
  heads: readonly string[];
  /** heads × 10^4: how many distinct numbers the plan can hand out. */
  capacity: number;
}

const planCache = new Map<CountryCode, CountryPhonePlan>();

/** The (cached) number plan of a country; throws when no valid mobile heads can be found. */
export function phonePlanFor(country: CountryCode): CountryPhonePlan {
  const cached = planCache.get(country);
  if (cached) return cached;
  const plan = buildPlan(country);
  planCache.set(country, plan);
  return plan;
}

function buildPlan(country: CountryCode): CountryPhonePlan {
  const example = getExampleNumber(country, mobileExamples);
  if (!example) throw new Error(`libphonenumber-js has no example mobile number for ${country}`);
  const callingCode = getCountryCallingCode(country);
  const exampleNational = String(example.nationalNumber);
  const headLength = exampleNational.length - TAIL_DIGITS;
  if (headLength < 2) throw new Error(`Example mobile number of ${country} is too short to vary`);
  const exampleHead = exampleNational.slice(0, headLength);
  const random = SeededRandom.derive(PLAN_SEED, callingCode.length, Number(callingCode));
  const accepted = new Set<string>();
  const rejected = new Set<string>();
  for (let attempt = 0; attempt < MAX_HEAD_ATTEMPTS && accepted.size < WANTED_HEADS; attempt++) {
    const head = attempt === 0 ? exampleHead : varyHead(exampleHead, random);
    if (accepted.has(head) || rejected.has(head)) continue;
    if (acceptsAnyTail(country, callingCode, head, random)) accepted.add(head);
    else rejected.add(head);
  }
  if (accepted.size === 0) throw new Error(`No valid mobile number heads found for ${country}`);
  // Sorted so the plan is a function of the metadata only, not of the order heads were found in.
  const heads = [...accepted].sort();
  return { country, callingCode, heads, capacity: heads.length * TAIL_SPAN };
}

/** The example head with each digit after the first replaced by a random one, half the time. */
function varyHead(exampleHead: string, random: SeededRandom): string {
  let head = exampleHead[0];
  for (let i = 1; i < exampleHead.length; i++) head += random.chance(0.5) ? String(random.int(10)) : exampleHead[i];
  return head;
}

function acceptsAnyTail(country: CountryCode, callingCode: string, head: string, random: SeededRandom): boolean {
  const baseTail = tailText(random.int(TAIL_SPAN));
  // A random whole tail first: most invalid heads fail here, after a single check.
  if (!isValidMobile(country, `+${callingCode}${head}${baseTail}`)) return false;
  for (let position = 0; position < TAIL_DIGITS; position++) {
    for (let digit = 0; digit <= 9; digit++) {
      const tail = baseTail.slice(0, position) + digit + baseTail.slice(position + 1);
      if (!isValidMobile(country, `+${callingCode}${head}${tail}`)) return false;
    }
  }
  for (let i = 0; i < RANDOM_WHOLE_TAILS_CHECKED; i++) {
    if (!isValidMobile(country, `+${callingCode}${head}${tailText(random.int(TAIL_SPAN))}`)) return false;
  }
  return true;
}

/**
 * Valid for both metadata sets, a mobile, and of this very country: calling codes are shared
 * (+44 also dials Jersey and Guernsey, +7 Kazakhstan), and a GB client should not get a Jersey number.
 */
function isValidMobile(country: CountryCode, e164: string): boolean {
  if (!isValidPhoneNumber(e164)) return false;
  const full = parseWithFullMetadata(e164);
  const type = full.getType();
  return full.isValid() && full.country === country && (type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE');
}

const TAIL_TEXTS: readonly string[] = Array.from({ length: TAIL_SPAN }, (_, i) => String(TAIL_SPAN + i).slice(1));

function tailText(tail: number): string {
  return TAIL_TEXTS[tail];
}

interface SlotMapping {
  multiplier: number;
  offset: number;
}

/**
 * Hands out one number per client: E.164, or the national written form for the organization's
 * own country (`555 12 34 56`), which the importer has to normalise.
 */
export class DemoPhoneBook {
  private readonly nationalTemplates = new Map<string, NationalTemplate>();
  private readonly mappings = new Map<CountryCode, SlotMapping>();

  /** `seed` shifts the client -> number mapping, so another seed gives other numbers. */
  constructor(private readonly seed: number) {}

  /** Prepares the plans of these countries up front (a one-off cost, ~0.1 s per country). */
  prepare(countries: Iterable<CountryCode>): void {
    for (const country of countries) this.mappingFor(phonePlanFor(country));
  }

  /** The client's mobile number in E.164 (`+995555123456`). */
  e164For(country: CountryCode, clientIndex: number): string {
    const plan = phonePlanFor(country);
    const slot = this.slotOf(plan, clientIndex);
    return `+${plan.callingCode}${plan.heads[Math.floor(slot / TAIL_SPAN)]}${TAIL_TEXTS[slot % TAIL_SPAN]}`;
  }

  /** The same number as `e164For`, written the national way (`555 12 34 56`, `8 (912) 345-67-89`). */
  nationalFor(country: CountryCode, clientIndex: number): string {
    const plan = phonePlanFor(country);
    const slot = this.slotOf(plan, clientIndex);
    const head = plan.heads[Math.floor(slot / TAIL_SPAN)];
    return this.templateFor(plan, head).fill(TAIL_TEXTS[slot % TAIL_SPAN]);
  }

  private slotOf(plan: CountryPhonePlan, clientIndex: number): number {
    const { multiplier, offset } = this.mappingFor(plan);
    // multiplier < capacity <= 1.28e6 and clientIndex < 1e6: the product stays exact in a double.
    return (multiplier * clientIndex + offset) % plan.capacity;
  }

  /**
   * A multiplier coprime with the capacity, so slot = (m·i + b) mod capacity is a permutation of
   * the slots. Taking it near capacity × golden ratio spreads consecutive clients over heads and
   * tails (a small multiplier would give neighbours numbers differing by a few units).
   */
  private mappingFor(plan: CountryPhonePlan): SlotMapping {
    let mapping = this.mappings.get(plan.country);
    if (!mapping) {
      let multiplier = Math.max(1, Math.floor(plan.capacity * 0.6180339887498949));
      while (gcd(multiplier, plan.capacity) !== 1) multiplier++;
      const offset = SeededRandom.derive(this.seed, 0x9407e, Number(plan.callingCode)).int(plan.capacity);
      mapping = { multiplier, offset };
      this.mappings.set(plan.country, mapping);
    }
    return mapping;
  }

  private templateFor(plan: CountryPhonePlan, head: string): NationalTemplate {
    const key = plan.country + head;
    let template = this.nationalTemplates.get(key);
    if (!template) {
      template = NationalTemplate.build(plan, head);
      this.nationalTemplates.set(key, template);
    }
    return template;
  }
}

/**
 * The national written form of a head's numbers with the tail digits left open. National formats
 * are chosen by leading digits and length only, so one formatting per head serves all its tails
 * (a libphonenumber-js format call per client would cost more than the rest of the client row).
 */
class NationalTemplate {
  private constructor(
    /** The formatted text before each tail digit. */
    private readonly before: readonly string[],
    /** The formatted text after the last digit (usually empty). */
    private readonly after: string,
  ) {}

  static build(plan: CountryPhonePlan, head: string): NationalTemplate {
    const sample = `+${plan.callingCode}${head}${'0'.repeat(TAIL_DIGITS)}`;
    const formatted = parseWithFullMetadata(sample).formatNational();
    if (!isValidPhoneNumber(formatted, plan.country)) {
      throw new Error(`National form ${formatted} of ${sample} does not read back as valid in ${plan.country}`);
    }
    // Cut the formatted text just before each of the last TAIL_DIGITS digits.
    const digitPositions: number[] = [];
    for (let i = 0; i < formatted.length; i++) if (formatted[i] >= '0' && formatted[i] <= '9') digitPositions.push(i);
    const tailPositions = digitPositions.slice(-TAIL_DIGITS);
    const before: string[] = [];
    let from = 0;
    for (const position of tailPositions) {
      before.push(formatted.slice(from, position));
      from = position + 1;
    }
    return new NationalTemplate(before, formatted.slice(from));
  }

  fill(tail: string): string {
    let text = '';
    for (let i = 0; i < TAIL_DIGITS; i++) text += this.before[i] + tail[i];
    return text + this.after;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
