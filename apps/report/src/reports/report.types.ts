/**
 * The figures of each report, exactly as the JSON API returns them and the console's pages
 * render them. Money is a number with 2 decimals (in the organization's currency); dates are
 * local 'YYYY-MM-DD'; months 'YYYY-MM'; quarters 'YYYY-Qn'; shares and rates are fractions
 * (0.25 = 25 %) rounded to 4 decimals.
 */
import type { Grain, ReportPeriod } from './report-period';

/** One calendar month or quarter of a period, clipped to the period at both ends. */
export interface BucketBounds {
  /** 'YYYY-MM' or 'YYYY-Qn'. */
  bucket: string;
  from: string;
  to: string;
}

/** 1. Gone: clients who left (an episode reached lapsed, not dismissed) with left_on in the period. */
export interface GoneReport {
  period: ReportPeriod;
  total: number;
  /** Sorted by count desc; reasonId null = unknown reason. */
  reasons: { reasonId: string | null; label: string | null; count: number; share: number }[];
  /** Every month of the period, with the count per reason (only reasons with a count). */
  monthly: { month: string; total: number; byReason: { reasonId: string | null; count: number }[] }[];
}

/** 2. Lost business per bucket and for the whole period. */
export interface LostBusinessRow extends BucketBounds {
  lostClients: number;
  lostRevenue: number;
  /** Clients with a visit in the 365 days before `from`, not gone by then. */
  activeAtStart: number;
  /** lostClients / activeAtStart; null when nobody was active. */
  churnRate: number | null;
}
export interface LostBusinessReport {
  period: ReportPeriod;
  grain: Grain;
  buckets: LostBusinessRow[];
  /** The whole period (bucket = 'total'). */
  total: LostBusinessRow;
}

/** 3. Reasons ranked by the revenue (12 months before leaving) of the clients who left for them. */
export interface ReasonsByRevenueReport {
  period: ReportPeriod;
  clients: number;
  lostRevenue: number;
  reasons: {
    reasonId: string | null;
    label: string | null;
    /** True for the row of episodes without a reason. */
    unknown: boolean;
    clients: number;
    lostRevenue: number;
    /** Of the period's lost revenue; null when that is 0. */
    share: number | null;
    averageRevenue: number;
  }[];
}

/** 4. Retention by staff member, for (client, staff member) pairs first seen in the period. */
export interface RetentionByStaffRow {
  staffMemberId: string;
  name: string;
  newClients: number;
  /** Pairs whose window has closed (first visit + windowDays <= today). */
  matured: number;
  returnedWithinWindow: number;
  returnedToSameStaffWithinWindow: number;
  /** No later visit to the business at all (as of the rollups). */
  cameOnce: number;
  /** returnedWithinWindow / matured; null when nothing matured. */
  repeatRate: number | null;
  /** Median days from the first visit to the next visit to the business, among those who came again. */
  medianDaysToReturn: number | null;
}
export interface RetentionByStaffReport {
  period: ReportPeriod;
  windowDays: number;
  /** The local date "today" the windows are judged against. */
  asOf: string;
  staff: RetentionByStaffRow[];
}

/** 5. Average check. Medians and quartiles are exact to the currency unit. */
export interface CheckStats {
  visits: number;
  revenue: number;
  /** null without visits. */
  average: number | null;
  median: number | null;
}
export interface AverageCheckReport {
  period: ReportPeriod;
  grain: Grain;
  overall: CheckStats;
  buckets: (BucketBounds & CheckStats)[];
  /** Sorted by revenue desc; staffMemberId null = visits without a staff member. */
  staff: ({ staffMemberId: string | null; name: string | null } & CheckStats)[];
  /** Sorted by revenue desc; serviceId null = visits without a service. */
  services: ({ serviceId: string | null; name: string | null } & CheckStats)[];
  distribution: {
    /** Equal-width bins [from, to) in currency units, readable bounds (steps of 1, 2, 2.5 or 5 x 10^k). */
    bins: { from: number; to: number; visits: number }[];
    quartiles: { q1: number | null; median: number | null; q3: number | null };
    min: number | null;
    max: number | null;
  };
}

/** 6. Churn types per month of leaving. */
export interface ChurnTypeCounts {
  voluntary: number;
  involuntary: number;
  passive: number;
  /** Gone episodes without a churn type. */
  untyped: number;
}
export interface ChurnTypesRow {
  /** 'YYYY-MM', or 'total' for the whole period. */
  month: string;
  total: number;
  counts: ChurnTypeCounts;
  lostRevenue: ChurnTypeCounts;
  /** How many of them drifted away gradually (lengthening gaps). */
  gradual: number;
}
export interface ChurnTypesReport {
  period: ReportPeriod;
  months: ChurnTypesRow[];
  total: ChurnTypesRow;
}

/** 7. Intensive care: clients who came back after being lost, next review first due first. */
export interface IntensiveCareRow {
  episodeId: string;
  clientId: string;
  clientName: string;
  /** Local date of the return visit. */
  returnedAt: string;
  usualGapDays: number | null;
  revenue12m: number;
  /** Visits after the return visit (the return visit itself is day 0 of the old rhythm). */
  visitsSinceReturn: number;
  spendSinceReturn: number;
  /** Days since return / usual gap, 1 decimal; null without a usual gap. */
  expectedVisitsSinceReturn: number | null;
  lastReviewedAt: string | null;
  /** (Latest review, or the return) + 6 months. */
  nextReviewOn: string;
  overdue: boolean;
}
export interface IntensiveCareReport {
  /** null: every returned client, whenever they came back. */
  period: ReportPeriod | null;
  asOf: string;
  total: number;
  limit: number;
  offset: number;
  rows: IntensiveCareRow[];
}

export interface RollupState {
  refreshedAt: Date | null;
  seconds: number | null;
}
