import { cumulative, pickWeighted, SeededRandom } from './seeded-random';
import { composeName } from './demo-names';
import type { DemoLanguage } from './demo-languages';

/** Who works at the demo clinic. Free text in the data model; these five cover a mixed clinic. */
export const STAFF_ROLES = ['doctor', 'dentist', 'hygienist', 'therapist', 'nurse'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export interface DemoService {
  externalId: string;
  name: string;
  category: string;
  /** List price in tetri/cents before the mid-history price increase; not a CSV column. */
  basePriceCents: number;
  /** Roles that perform it: a client's usual services follow their usual staff member's role. */
  roles: readonly StaffRole[];
  /** How often it is booked relative to the others a role performs (whitening is rare, check-ups common). */
  frequency: number;
}

/**
 * The clinic's price list. Two names contain a comma so that services.csv exercises CSV quoting
 * the way real price lists do.
 */
export const DEMO_SERVICES: readonly DemoService[] = [
  { externalId: 'svc01', name: 'Check-up', category: 'examination', basePriceCents: 6000, roles: ['doctor', 'dentist'], frequency: 10 },
  { externalId: 'svc02', name: 'Dental cleaning', category: 'hygiene', basePriceCents: 9000, roles: ['hygienist'], frequency: 8 },
  { externalId: 'svc03', name: 'Filling, composite', category: 'dental treatment', basePriceCents: 15000, roles: ['dentist'], frequency: 5 },
  { externalId: 'svc04', name: 'Teeth whitening', category: 'cosmetic', basePriceCents: 35000, roles: ['dentist', 'hygienist'], frequency: 1 },
  { externalId: 'svc05', name: 'X-ray', category: 'diagnostics', basePriceCents: 4500, roles: ['dentist', 'hygienist', 'nurse'], frequency: 4 },
  { externalId: 'svc06', name: 'Consultation', category: 'consultation', basePriceCents: 5000, roles: ['doctor', 'therapist'], frequency: 8 },
  { externalId: 'svc07', name: 'Physiotherapy session', category: 'therapy', basePriceCents: 7000, roles: ['therapist'], frequency: 10 },
  { externalId: 'svc08', name: 'Vaccination', category: 'preventive care', basePriceCents: 3500, roles: ['nurse'], frequency: 3 },
  { externalId: 'svc09', name: 'Blood test', category: 'diagnostics', basePriceCents: 4000, roles: ['nurse', 'doctor'], frequency: 5 },
  { externalId: 'svc10', name: 'Root canal treatment', category: 'dental treatment', basePriceCents: 40000, roles: ['dentist'], frequency: 1.5 },
  { externalId: 'svc11', name: 'Massage, 45 min', category: 'therapy', basePriceCents: 8000, roles: ['therapist'], frequency: 6 },
  { externalId: 'svc12', name: 'Follow-up visit', category: 'examination', basePriceCents: 3000, roles: ['doctor', 'nurse'], frequency: 8 },
];

/** The services a role performs (indexes into DEMO_SERVICES) with running sums of their frequencies, for `pickWeighted`. */
export interface RoleServices {
  services: readonly number[];
  cumulativeFrequencies: readonly number[];
}

function servicesOf(role: StaffRole): RoleServices {
  const services = DEMO_SERVICES.flatMap((s, i) => (s.roles.includes(role) ? [i] : []));
  return { services, cumulativeFrequencies: cumulative(services.map((i) => DEMO_SERVICES[i].frequency)) };
}

export const SERVICES_BY_ROLE: Readonly<Record<StaffRole, RoleServices>> = {
  doctor: servicesOf('doctor'),
  dentist: servicesOf('dentist'),
  hygienist: servicesOf('hygienist'),
  therapist: servicesOf('therapist'),
  nurse: servicesOf('nurse'),
};

export interface DemoStaffMember {
  externalId: string;
  name: string;
  role: StaffRole;
  /** How this person's prices sit against the list (0.85-1.25): seniority, popularity. */
  priceMultiplier: number;
  /** First and last local day (days since 1970-01-01) they see clients; some join or leave mid-history. */
  firstDay: number;
  lastDay: number;
  /** Who takes over their clients on days they do not work here: a whole-history colleague, same role. */
  successor: number;
}

/** Staff count: ~1 per 1,000 clients, at least 8 (a small clinic still has a team), at most 60. */
export function staffCountFor(clients: number): number {
  return Math.min(60, Math.max(8, Math.round(clients / 1000)));
}

/** Staff are mostly Georgian (a Tbilisi clinic), with some Russian and English speakers. */
const STAFF_LANGUAGES: readonly DemoLanguage[] = ['ka', 'ru', 'en', 'tr'];
const STAFF_LANGUAGE_WEIGHTS = cumulative([70, 15, 10, 5]);
/** After the first five (one per role, always there), roles repeat in this proportion. */
const ROLE_ROTATION: readonly StaffRole[] = ['dentist', 'doctor', 'therapist', 'hygienist', 'dentist', 'nurse', 'doctor', 'therapist'];

/**
 * The roster. The first five people (one per role) work through the whole history so every role
 * always has someone to take over; of the rest, ~20% leave and ~20% join part-way, which is what
 * gives staff-retention reports something to show.
 */
export function buildStaff(seed: number, clients: number, historyFirstDay: number, historyEndDay: number): DemoStaffMember[] {
  const random = SeededRandom.derive(seed, 0x57aff);
  const count = staffCountFor(clients);
  const span = historyEndDay - historyFirstDay;
  const staff: DemoStaffMember[] = [];
  for (let i = 0; i < count; i++) {
    const role = i < STAFF_ROLES.length ? STAFF_ROLES[i] : ROLE_ROTATION[(i - STAFF_ROLES.length) % ROLE_ROTATION.length];
    const language = STAFF_LANGUAGES[pickWeighted(random, STAFF_LANGUAGE_WEIGHTS)];
    const name = composeName(language, random).replace(/^(.*), (.*)$/u, '$2 $1'); // staff names in plain order
    let firstDay = historyFirstDay;
    let lastDay = historyEndDay - 1;
    if (i >= STAFF_ROLES.length) {
      const tenure = random.next();
      if (tenure < 0.2) lastDay = historyFirstDay + Math.floor(span * random.between(0.2, 0.85));
      else if (tenure < 0.4) firstDay = historyFirstDay + Math.floor(span * random.between(0.15, 0.8));
    }
    staff.push({
      externalId: `s${String(i + 1).padStart(3, '0')}`,
      name,
      role,
      priceMultiplier: Math.round(random.between(0.85, 1.25) * 100) / 100,
      firstDay,
      lastDay,
      successor: STAFF_ROLES.indexOf(role),
    });
  }
  return staff;
}
