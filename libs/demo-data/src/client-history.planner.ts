import { cumulative, pickWeighted, type SeededRandom } from './seeded-random';

/**
 * Plans one client's life at the clinic: their personal rhythm, how their story goes (still
 * coming, stopped suddenly, drifted away, lost through failed payments, came once, came back after
 * a break) and the days of their visits. Days are local calendar days counted from 1970-01-01.
 *
 * The lapse detector judges each client against their own rhythm, so what matters is that gaps
 * scatter around a personal mean, and that a client who stopped did so clearly: their silence
 * before the end of the history is several of their own gaps long.
 */
export const CLIENT_BEHAVIOURS = ['active', 'sudden_stop', 'drifting', 'involuntary', 'one_time', 'returned'] as const;
export type ClientBehaviour = (typeof CLIENT_BEHAVIOURS)[number];
/** ~45% active, 15% sudden stop, 10% drift, 7% involuntary (failed payments), 15% once, 8% returned. */
const BEHAVIOUR_WEIGHTS = cumulative([45, 15, 10, 7, 15, 8]);

export interface Rhythm {
  name: string;
  meanGapDays: number;
}
export const RHYTHMS: readonly Rhythm[] = [
  { name: 'weekly', meanGapDays: 7 },
  { name: 'fortnightly', meanGapDays: 14 },
  { name: 'monthly', meanGapDays: 30 },
  { name: 'quarterly', meanGapDays: 91 },
  { name: 'half-yearly', meanGapDays: 182 },
  { name: 'yearly', meanGapDays: 365 },
];
/**
 * Plan members (15% of clients) come often (weekly to monthly); the others' weights are set so
 * that overall about 10% are weekly and 35% monthly, and the average lands near 20 visits a client.
 */
const GENERAL_RHYTHM_WEIGHTS = cumulative([6.5, 10, 36, 22, 16, 9.5]);
const MEMBER_RHYTHM_WEIGHTS = cumulative([30, 35, 35, 0, 0, 0]);

/** Share of active / sudden-stop / drifting clients on a plan, giving ~8% of all clients; with the 7% involuntary ones, ~15%. */
const PLAN_SHARE_OF_OTHERS = 0.115;

/** A weekly client over four years comes ~200 times; the cap only guards against runaway loops. */
export const MAX_VISITS_PER_CLIENT = 256;
/** Days in the generated history (four years, one leap day). */
export const HISTORY_DAYS = 1461;
/** Involuntary clients stop at least this long before the end so their failed retries fit in. */
const INVOLUNTARY_MIN_SILENCE_DAYS = 45;
const SUNDAY = 0;

export interface HistoryWindow {
  /** First local day of the history. */
  firstDay: number;
  /** Local day after the last one visits may fall on. */
  endDay: number;
}

/** The plan of one client; one instance is reused for every client (no allocation per client). */
export class ClientHistory {
  behaviour: ClientBehaviour = 'active';
  meanGapDays = 30;
  visitCount = 0;
  /** Visit days, ascending, the first `visitCount` entries valid. */
  readonly days = new Int32Array(MAX_VISITS_PER_CLIENT);
  onPlan = false;
  /** First monthly charge day. */
  planStartDay = 0;
  /** Charges on billing days before this day succeed (bar the odd retried decline). */
  chargesEndDay = 0;
  /** Declined charges after the last success (involuntary churn: 1-3), none otherwise. */
  failedCharges = 0;

  get lastVisitDay(): number {
    return this.days[this.visitCount - 1];
  }
}

export class ClientHistoryPlanner {
  private readonly history = new ClientHistory();
  private random!: SeededRandom;
  private meanGap = 30;
  private sigma = 0.2;

  constructor(private readonly window: HistoryWindow) {}

  /**
   * Plans the client drawing from `random` (the client's own stream). `homeStaffLastDay` is the
   * last working day of their usual staff member if that person leaves: half of the sudden
   * stoppers whose staff member leaves stop right then (clients follow their doctor).
   */
  plan(random: SeededRandom, homeStaffLastDay: number | null): ClientHistory {
    const history = this.history;
    this.random = random;
    history.visitCount = 0;
    history.failedCharges = 0;
    history.behaviour = CLIENT_BEHAVIOURS[pickWeighted(random, BEHAVIOUR_WEIGHTS)];
    const behaviour = history.behaviour;
    history.onPlan =
      behaviour === 'involuntary' ||
      ((behaviour === 'active' || behaviour === 'sudden_stop' || behaviour === 'drifting') && random.chance(PLAN_SHARE_OF_OTHERS));
    const rhythm = RHYTHMS[pickWeighted(random, history.onPlan ? MEMBER_RHYTHM_WEIGHTS : GENERAL_RHYTHM_WEIGHTS)];
    // Personal rhythm: the nominal one stretched or shrunk a little, with personal irregularity.
    this.meanGap = rhythm.meanGapDays * random.between(0.85, 1.15);
    this.sigma = random.between(0.15, 0.3);
    history.meanGapDays = this.meanGap;

    switch (behaviour) {
      case 'active':
        this.planActive();
        break;
      case 'one_time':
        this.push(this.openDay(random.intBetween(this.window.firstDay, this.window.endDay - 2)));
        break;
      case 'sudden_stop':
        if (!this.planStop(2 + random.next() * 4, 0, homeStaffLastDay)) this.fallBackToActive();
        break;
      case 'involuntary':
        if (!this.planStop(2 + random.next() * 3, INVOLUNTARY_MIN_SILENCE_DAYS, null)) this.fallBackToActive();
        break;
      case 'drifting':
        if (!this.planDrift()) {
          history.behaviour = 'sudden_stop';
          if (!this.planStop(2 + random.next() * 4, 0, homeStaffLastDay)) this.fallBackToActive();
        }
        break;
      case 'returned':
        if (!this.planReturn()) this.fallBackToActive();
        break;
    }
    this.planPayments();
    return history;
  }

  /** Coming since some day in the history, still coming at its end. */
  private planActive(): void {
    const first = this.random.intBetween(this.window.firstDay, this.window.endDay - 1);
    this.run(first, this.window.endDay);
    if (this.history.visitCount === 0) this.push(this.window.endDay - 2);
  }

  private fallBackToActive(): void {
    this.history.behaviour = 'active';
    this.history.visitCount = 0;
    this.planActive();
  }

  /**
   * Regular visits, then nothing: the last visit lies at least `silenceGaps` (≥ 2) of the client's
   * own mean gaps, and `minSilenceDays`, before the end of the history.
   */
  private planStop(silenceGaps: number, minSilenceDays: number, homeStaffLastDay: number | null): boolean {
    const { firstDay, endDay } = this.window;
    // 1.25: the jitter of the last gaps must not make the silence look shorter than intended.
    let latestStop = endDay - Math.max(minSilenceDays, Math.ceil(silenceGaps * this.meanGap * 1.25));
    if (latestStop < firstDay + 2 * this.meanGap) latestStop = endDay - Math.max(minSilenceDays, Math.ceil(2.5 * this.meanGap));
    if (latestStop < firstDay + 2 * this.meanGap) return false;
    const first = this.random.intBetween(firstDay, Math.floor(latestStop - 2 * this.meanGap));
    let stop = this.random.intBetween(Math.ceil(first + 2 * this.meanGap), latestStop);
    if (homeStaffLastDay !== null && homeStaffLastDay > first + 2 * this.meanGap && homeStaffLastDay <= latestStop && this.random.chance(0.5)) {
      stop = homeStaffLastDay;
    }
    this.run(first, stop + 1);
    return this.history.visitCount > 0;
  }

  /**
   * Regular visits, then gaps growing by a factor 1.3-1.8 each time for 2-4 visits, then nothing
   * for at least twice the last (grown) gap.
   */
  private planDrift(): boolean {
    const { firstDay, endDay } = this.window;
    let steps = this.random.intBetween(2, 4);
    let factor = this.random.between(1.3, 1.8);
    let latestDriftStart = endDay - this.driftDays(steps, factor);
    if (latestDriftStart < firstDay + 3 * this.meanGap) {
      steps = 2;
      factor = 1.3;
      latestDriftStart = endDay - this.driftDays(steps, factor);
      if (latestDriftStart < firstDay + 3 * this.meanGap) return false;
    }
    const first = this.random.intBetween(firstDay, Math.floor(latestDriftStart - 3 * this.meanGap));
    const driftStart = this.random.intBetween(Math.ceil(first + 3 * this.meanGap), latestDriftStart);
    this.run(first, driftStart + 1);
    let day = this.history.lastVisitDay;
    let gap = this.meanGap;
    for (let step = 0; step < steps && this.history.visitCount < MAX_VISITS_PER_CLIENT; step++) {
      gap *= factor;
      // Half the usual jitter, so the lengthening stays visible.
      day = this.openDay(day + Math.max(1, Math.round(gap * Math.exp((this.sigma / 2) * this.random.normal()))));
      if (day >= endDay) break;
      this.push(day);
    }
    return true;
  }

  /** Days the drift phase plus the closing silence need: Σ g·f^k for k=1..steps, then 2·g·f^steps. */
  private driftDays(steps: number, factor: number): number {
    let total = 0;
    let gap = this.meanGap;
    for (let k = 1; k <= steps; k++) {
      gap *= factor;
      total += gap * 1.2;
    }
    return Math.ceil(total + 2 * gap);
  }

  /** Regular visits, a break of 3-6 gaps (at least two months), then regular again to the end. */
  private planReturn(): boolean {
    const { firstDay, endDay } = this.window;
    const breakDays = Math.max(60, Math.round(this.meanGap * this.random.between(3, 6)));
    const latestBreakStart = Math.floor(endDay - 2 * this.meanGap - breakDays);
    if (latestBreakStart < firstDay + 2 * this.meanGap) return false;
    const first = this.random.intBetween(firstDay, Math.floor(latestBreakStart - 2 * this.meanGap));
    const breakStart = this.random.intBetween(Math.ceil(first + 2 * this.meanGap), latestBreakStart);
    this.run(first, breakStart + 1);
    if (this.history.visitCount === 0) return false;
    this.run(this.history.lastVisitDay + breakDays, endDay);
    return true;
  }

  /** Monthly charges for plan members, from their first visit while their story lasts. */
  private planPayments(): void {
    const history = this.history;
    if (!history.onPlan || history.visitCount === 0) return;
    history.planStartDay = history.days[0];
    switch (history.behaviour) {
      case 'involuntary':
        // Charges succeed up to the last visit; the next ones are declined and the client is gone.
        history.chargesEndDay = history.lastVisitDay + 1;
        history.failedCharges = this.random.intBetween(1, 3);
        break;
      case 'active':
        history.chargesEndDay = this.window.endDay;
        break;
      default:
        // They cancel the plan within a month of their last visit.
        history.chargesEndDay = Math.min(this.window.endDay, history.lastVisitDay + 1 + this.random.int(31));
    }
  }

  /** Visits from `from` every jittered mean gap while before `until`. */
  private run(from: number, until: number): void {
    const history = this.history;
    const days = history.days;
    let day = this.openDay(from);
    if (history.visitCount > 0 && day <= history.lastVisitDay) day = this.openDay(history.lastVisitDay + 1);
    // Log-normal jitter with the mean kept at meanGap: exp(σz - σ²/2) has expectation ~1.
    const meanGap = this.meanGap;
    const sigma = this.sigma;
    const drift = (sigma * sigma) / 2;
    while (day < until && history.visitCount < MAX_VISITS_PER_CLIENT) {
      days[history.visitCount++] = day;
      const gap = Math.max(1, Math.round(meanGap * Math.exp(sigma * this.random.normal() - drift)));
      day = this.openDay(day + gap);
    }
  }

  private push(day: number): void {
    if (this.history.visitCount < MAX_VISITS_PER_CLIENT) this.history.days[this.history.visitCount++] = day;
  }

  /** The clinic is closed on Sundays: a visit planned for one happens on the Monday. */
  private openDay(day: number): number {
    return (day + 4) % 7 === SUNDAY ? day + 1 : day;
  }
}
