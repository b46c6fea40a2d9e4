/**
 * Every statement of the reports, in one place. Local dates are `(instant AT TIME ZONE tz)::date`
 * with the organization's timezone; dates leave PostgreSQL as text ('YYYY-MM-DD'), money as text
 * (numeric), so nothing is shifted by the Node process's own timezone or rounded by floats.
 *
 * "Gone" everywhere: an episode that reached lapsed (`lapsed_at IS NOT NULL`) and was not
 * dismissed; its date of leaving is `left_on`. At-risk episodes that never lapsed, and dismissed
 * ones (staff said the client did not really leave), do not count.
 */

/** Predicate of a gone episode (alias e). */
export const GONE = `e.lapsed_at IS NOT NULL AND e.status <> 'dismissed' AND e.left_on IS NOT NULL`;

/** The organization's timezone and today's local date there. $1 organization. */
export const ORGANIZATION_TODAY = `
SELECT timezone, (now() AT TIME ZONE timezone)::date::text AS today FROM organizations WHERE id = $1`;

/**
 * Gone episodes with left_on in [$2, $3], grouped by month of leaving, reason, churn type and
 * gradual: count and lost revenue (revenue of the 12 months before leaving). A few hundred rows at
 * most; the gone, lost business, reasons and churn types reports all assemble from them. Read
 * through the (organization_id, left_on) index.
 */
export const GONE_BY_MONTH = `
SELECT to_char(g.month, 'YYYY-MM') AS month, g.reason_id::text AS reason_id, r.label, g.churn_type, g.gradual, g.clients, g.revenue::text AS revenue
  FROM (
    -- Grouped on cheap keys (the month's first day by date arithmetic) in a hash aggregate;
    -- formatted and labelled after, on a few hundred rows.
    SELECT e.left_on - extract(day FROM e.left_on)::int + 1 AS month, e.reason_id, e.churn_type, e.gradual,
           count(*)::int AS clients, sum(e.revenue_12m) AS revenue
      FROM churn_episodes e
     WHERE e.organization_id = $1 AND e.left_on BETWEEN $2::date AND $3::date AND ${GONE}
     GROUP BY 1, 2, 3, 4
  ) g
  LEFT JOIN churn_reasons r ON r.id = g.reason_id`;

/**
 * Active clients at the start of each day in $2 (date[]): the running sum of the active deltas
 * up to and including that day (see ACTIVE_DELTAS for what a delta is).
 */
export const ACTIVE_AT = `
SELECT s::text AS day,
       coalesce((SELECT sum(d.delta) FROM report_active_deltas d WHERE d.organization_id = $1 AND d.day <= s), 0)::int AS active
  FROM unnest($2::date[]) AS s`;

/**
 * Retention by staff member over the (client, staff member) pairs first seen in the period:
 * F = first_on, N = next_on (the client's next visit day to the business after F, any staff),
 * NS = next_same_on. The period comes as whole months ($2 date[], read from the monthly
 * histogram report_staff_return_months) and day ranges ($3 from[], $4 to[], read pair by pair
 * from report_staff_firsts); $5 is the last first day that has matured (today - window). Answers
 * a histogram per staff member: (matured, days) -> n pairs that took that many days to return to
 * the business (days NULL: came once) and n_same pairs that took that many to return to the same
 * staff member; a whole month is all matured or not at all (the split sees to it). A few
 * thousand rows per year: ReportQueriesService.retentionByStaff sums them and takes the median.
 */
export const RETENTION_HISTOGRAM = `
WITH pairs AS MATERIALIZED (
  SELECT f.staff_member_id, f.first_on <= $5::date AS matured, f.next_on - f.first_on AS days, f.next_same_on - f.first_on AS days_same
    FROM unnest($3::date[], $4::date[]) AS r(from_on, to_on)
    CROSS JOIN LATERAL (
      SELECT staff_member_id, first_on, next_on, next_same_on FROM report_staff_firsts
       WHERE organization_id = $1 AND first_on BETWEEN r.from_on AND r.to_on) f
)
SELECT staff_member_id::text AS staff_member_id, matured, days, sum(n)::int AS n, sum(n_same)::int AS n_same
  FROM (
    SELECT staff_member_id, matured, days, count(*) AS n, 0 AS n_same FROM pairs GROUP BY 1, 2, 3
    UNION ALL
    SELECT staff_member_id, matured, days_same, 0, count(*) FROM pairs WHERE days_same IS NOT NULL GROUP BY 1, 2, 3
    UNION ALL
    SELECT staff_member_id, (month + interval '1 month')::date - 1 <= $5::date, days, n, n_same
      FROM report_staff_return_months WHERE organization_id = $1 AND month = ANY($2::date[])
  ) h
 GROUP BY 1, 2, 3`;

/** The organization's staff members in the order the reports list equal figures (by name). */
export const STAFF_BY_NAME = `SELECT id::text AS id, name FROM staff_members WHERE organization_id = $1 ORDER BY name, id`;

/**
 * Average check over the period from the sales rollups, per group: the whole period, each bucket
 * ($5 'month' or 'quarter'), each staff member, each service (a null key = visits without one).
 * Whole months ($2 date[]) are read from report_monthly_sales, the days of partial months ($3
 * from[], $4 to[]) from report_daily_sales; a monthly row carries its month's first day, which
 * falls in the same bucket. Quantiles are percentile_disc over the amounts rounded to the
 * currency unit: the smallest amount whose cumulative share of visits reaches p (so the median
 * of an even count is the lower middle value). Rows of kind 'amount' give the period's visits per
 * amount, for the histogram.
 */
export const AVERAGE_CHECK = `
WITH s AS (
  SELECT month AS day, staff_member_id, service_id, amount_unit, visits, revenue
    FROM report_monthly_sales WHERE organization_id = $1 AND month = ANY($2::date[])
  UNION ALL
  SELECT d.day, d.staff_member_id, d.service_id, d.amount_unit, d.visits, d.revenue
    FROM unnest($3::date[], $4::date[]) AS r(from_on, to_on)
    CROSS JOIN LATERAL (
      SELECT day, staff_member_id, service_id, amount_unit, visits, revenue FROM report_daily_sales
       WHERE organization_id = $1 AND day BETWEEN r.from_on AND r.to_on) d
), b AS (
  SELECT CASE WHEN $5 = 'quarter' THEN to_char(day, 'YYYY-"Q"Q') ELSE to_char(day, 'YYYY-MM') END AS bucket,
         staff_member_id, service_id, amount_unit, visits, revenue
    FROM s
), g AS (
  SELECT CASE WHEN GROUPING(bucket) = 0 THEN 'bucket' WHEN GROUPING(staff_member_id) = 0 THEN 'staff'
              WHEN GROUPING(service_id) = 0 THEN 'service' ELSE 'overall' END AS kind,
         coalesce(bucket, staff_member_id::text, service_id::text) AS key,
         amount_unit, sum(visits) AS n, sum(revenue) AS revenue
    FROM b
   GROUP BY GROUPING SETS ((amount_unit), (bucket, amount_unit), (staff_member_id, amount_unit), (service_id, amount_unit))
), c AS (
  SELECT kind, key, amount_unit, n, revenue,
         sum(n) OVER (PARTITION BY kind, key ORDER BY amount_unit) AS cum,
         sum(n) OVER (PARTITION BY kind, key) AS total
    FROM g
)
SELECT c.kind, c.key,
       CASE c.kind WHEN 'staff' THEN (SELECT name FROM staff_members WHERE id = c.key::bigint)
                   WHEN 'service' THEN (SELECT name FROM services WHERE id = c.key::bigint) END AS name,
       sum(c.n)::int AS visits, sum(c.revenue)::text AS revenue,
       min(c.amount_unit) FILTER (WHERE c.cum >= 0.25 * c.total)::int AS q1,
       min(c.amount_unit) FILTER (WHERE c.cum >= 0.5 * c.total)::int AS median,
       min(c.amount_unit) FILTER (WHERE c.cum >= 0.75 * c.total)::int AS q3
  FROM c
 GROUP BY c.kind, c.key
UNION ALL
SELECT 'amount', amount_unit::text, NULL, n::int, revenue::text, NULL, NULL, NULL FROM g WHERE kind = 'overall'`;

/**
 * One page of the intensive-care list: episodes that returned (returned_at within [$2, $3]
 * local dates when given), each with its next review, (latest review or the return) + 6 months;
 * ordered by that date, so overdue reviews (before today) come first, oldest due first.
 * Visits and spend since the return are read for the page's rows only, one index range each on
 * (client_id, visited_at) INCLUDE (amount). $4 tz, $5 limit, $6 offset, $7 today.
 */
export const INTENSIVE_CARE = `
WITH reviews AS (
  SELECT episode_id, max(reviewed_at) AS last_reviewed_at FROM care_reviews WHERE organization_id = $1 GROUP BY episode_id
), e AS (
  SELECT e.id, e.client_id, e.returned_at, e.usual_gap_days, e.revenue_12m,
         (e.returned_at AT TIME ZONE $4)::date AS returned_on,
         (r.last_reviewed_at AT TIME ZONE $4)::date AS reviewed_on
    FROM churn_episodes e
    LEFT JOIN reviews r ON r.episode_id = e.id
   WHERE e.organization_id = $1 AND e.status = 'returned' AND e.returned_at IS NOT NULL
     AND ($2::date IS NULL OR (e.returned_at AT TIME ZONE $4)::date BETWEEN $2::date AND $3::date)
), d AS (
  SELECT e.*, (coalesce(e.reviewed_on, e.returned_on) + interval '6 months')::date AS next_review_on FROM e
), page AS (
  SELECT * FROM d ORDER BY next_review_on, id LIMIT $5 OFFSET $6
)
SELECT p.id::text AS episode_id, p.client_id::text AS client_id, c.name AS client_name,
       p.returned_on::text AS returned_on, p.usual_gap_days, p.revenue_12m::text AS revenue_12m,
       v.visits, v.spend::text AS spend,
       ($7::date - p.returned_on) AS days_since_return,
       p.reviewed_on::text AS reviewed_on, p.next_review_on::text AS next_review_on,
       (SELECT count(*) FROM d)::int AS total
  FROM page p
  JOIN clients c ON c.organization_id = $1 AND c.id = p.client_id
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS visits, coalesce(sum(vv.amount), 0) AS spend
      FROM visits vv WHERE vv.organization_id = $1 AND vv.client_id = p.client_id AND vv.visited_at > p.returned_at
  ) v
 ORDER BY p.next_review_on, p.id`;

/** How many episodes the intensive-care list has in all (for an offset past its end). */
export const INTENSIVE_CARE_COUNT = `
SELECT count(*)::int AS total FROM churn_episodes e
 WHERE e.organization_id = $1 AND e.status = 'returned' AND e.returned_at IS NOT NULL
   AND ($2::date IS NULL OR (e.returned_at AT TIME ZONE $4)::date BETWEEN $2::date AND $3::date)`;

/** Records a review of a returned episode of the organization; no row when it is neither. */
export const INSERT_CARE_REVIEW = `
INSERT INTO care_reviews (organization_id, episode_id, reviewed_by, note)
SELECT e.organization_id, e.id, $3::uuid, $4 FROM churn_episodes e
 WHERE e.id = $2 AND e.organization_id = $1 AND e.status = 'returned'
RETURNING id`;

export const ROLLUP_STATE = `SELECT refreshed_at, seconds FROM report_rollup_state WHERE organization_id = $1`;

// ---------------------------------------------------------------------------------------------
// Rollup refresh: each statement rebuilds one rollup of organization $1 (timezone $2) from its
// visits (one partition) in a single pass. Run together in one transaction by
// ReportRollupsService.refresh, after deleting the organization's rows.

/** Serialises the rebuilds of organization $1 (transaction-scoped advisory lock). */
export const REFRESH_LOCK = `SELECT pg_advisory_xact_lock(hashtextextended('report-rollups:' || $1, 0))`;

/**
 * Visits and revenue per local day, staff member, service and amount rounded to the unit, of
 * organization `org` in timezone `tz`, into a temporary table dropped at commit. PostgreSQL 15
 * never runs an INSERT ... SELECT in parallel, but does run the query of a CREATE TABLE AS in
 * parallel workers (35 s instead of 65 s for 20M visits on two cores), so the aggregate goes
 * through a temporary table. CREATE TABLE AS takes no bind parameters: both values come in as
 * literals escaped by the driver (the organization id was read from the database, the timezone is
 * the organization's).
 */
export const stageDailySales = (org: string, tz: string) => `
CREATE TEMP TABLE staged_daily_sales ON COMMIT DROP AS
SELECT (v.visited_at AT TIME ZONE ${tz})::date AS day, v.staff_member_id, v.service_id, round(v.amount) AS amount_unit,
       count(*)::int AS visits, sum(v.amount) AS revenue
  FROM visits v
 WHERE v.organization_id = ${org}::uuid
 GROUP BY 1, 2, 3, 4`;

/** The staged daily sales into the rollup ($1 organization). */
export const REFRESH_DAILY_SALES = `
INSERT INTO report_daily_sales (organization_id, day, staff_member_id, service_id, amount_unit, visits, revenue)
SELECT $1, day, staff_member_id, service_id, amount_unit, visits, revenue FROM staged_daily_sales`;

/**
 * Two rollups from one ordered pass over the organization's visits ($1, timezone $2), sorted by
 * client and local day (an index scan on (client_id, visited_at) with an incremental sort, or one
 * sort, rather than a sort per rollup):
 *
 * report_staff_firsts, one row per (client, staff member): the day of their first visit together
 * (F), the client's next visit day to the business after F (N, any staff member; a second visit
 * on F's own day is the same visit, not a return), and the next day with the same staff member
 * (NS). "Next day" is the first row at least one day later (a RANGE frame), so several visits on
 * one day count once without a DISTINCT over every visit.
 *
 * report_active_deltas, per local day, the change in the number of active clients. Active at day
 * S: a visit in the 365 days before S (days S-365 .. S-1), and not gone by S (no gone episode with
 * left_on <= S that had not returned before S). Per client:
 * - visit days closer than 366 days chain into spells; a spell with first day a and last day b
 *   makes the client "recent" on days a+1 .. b+365: +1 on a+1, -1 on b+366;
 * - a gone episode excludes the client on days left_on .. the local day of the return (through
 *   for ever while not returned); where that overlaps a spell, -1 at the overlap's start and +1
 *   after its end, so a client is never subtracted twice nor below zero.
 * Active at S is then the sum of the deltas of days <= S (ACTIVE_AT). Of several visits on one
 * day only the first has the real gap before it and only the last the real gap after it (the
 * others have 0), so each spell has exactly one start row and one end row.
 */
export const REFRESH_VISIT_PASS = `
WITH by_client AS (
  -- One window, so one WindowAgg: lag and lead ignore the frame (they step through the partition).
  SELECT v.client_id, v.staff_member_id, v.day,
         first_value(v.day) OVER c AS next_on, v.day - lag(v.day) OVER c AS gap_before, lead(v.day) OVER c - v.day AS gap_after
    FROM (SELECT client_id, staff_member_id, (visited_at AT TIME ZONE $2)::date AS day FROM visits WHERE organization_id = $1) v
  WINDOW c AS (PARTITION BY v.client_id ORDER BY v.day RANGE BETWEEN '1 day' FOLLOWING AND UNBOUNDED FOLLOWING)
), marked AS MATERIALIZED (
  -- Only the rows either rollup needs: first visits with a staff member, spell starts and ends.
  SELECT * FROM (
    SELECT client_id, staff_member_id, day, next_on,
           row_number() OVER s AS nth, first_value(day) OVER s AS next_same_on,
           (gap_before IS NULL OR gap_before > 365) AS starts, (gap_after IS NULL OR gap_after > 365) AS ends
      FROM by_client
    WINDOW s AS (PARTITION BY client_id, staff_member_id ORDER BY day RANGE BETWEEN '1 day' FOLLOWING AND UNBOUNDED FOLLOWING)
  ) x
   WHERE (nth = 1 AND staff_member_id IS NOT NULL) OR starts OR ends
), firsts AS (
  INSERT INTO report_staff_firsts (organization_id, staff_member_id, client_id, first_on, next_on, next_same_on)
  SELECT $1, staff_member_id, client_id, day, next_on, next_same_on FROM marked WHERE nth = 1 AND staff_member_id IS NOT NULL
), spells AS MATERIALIZED (
  SELECT client_id, from_on, to_on FROM (
    -- RANGE, not ROWS: a start and the end of the same day are peers, whichever sorts first.
    SELECT client_id, starts, day + 1 AS from_on,
           min(day) FILTER (WHERE ends) OVER (PARTITION BY client_id ORDER BY day RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) + 365 AS to_on
      FROM marked WHERE starts OR ends) x
   WHERE starts
), gone AS (
  SELECT e.client_id, e.left_on AS from_on, (e.returned_at AT TIME ZONE $2)::date AS to_on
    FROM churn_episodes e WHERE e.organization_id = $1 AND ${GONE}
), cut AS (
  SELECT greatest(s.from_on, g.from_on) AS from_on,
         CASE WHEN g.to_on IS NULL THEN s.to_on ELSE least(s.to_on, g.to_on) END AS to_on
    FROM spells s JOIN gone g ON g.client_id = s.client_id
   WHERE g.from_on <= s.to_on AND (g.to_on IS NULL OR g.to_on >= s.from_on)
)
INSERT INTO report_active_deltas (organization_id, day, delta)
SELECT $1, day, sum(delta)::int FROM (
  SELECT from_on AS day, 1 AS delta FROM spells
  UNION ALL SELECT to_on + 1, -1 FROM spells
  UNION ALL SELECT from_on, -1 FROM cut
  UNION ALL SELECT to_on + 1, 1 FROM cut
) x
 GROUP BY day
HAVING sum(delta) <> 0`;

/** report_daily_sales summed per calendar month (run after REFRESH_DAILY_SALES). */
export const REFRESH_MONTHLY_SALES = `
INSERT INTO report_monthly_sales (organization_id, month, staff_member_id, service_id, amount_unit, visits, revenue)
SELECT $1, day - extract(day FROM day)::int + 1, staff_member_id, service_id, amount_unit, sum(visits), sum(revenue)
  FROM report_daily_sales
 WHERE organization_id = $1
 GROUP BY 2, 3, 4, 5
 ORDER BY 2`;

/**
 * report_staff_firsts as histograms per staff member and month of first visit (run after
 * REFRESH_STAFF_FIRSTS): per number of days, the pairs whose next visit to the business came
 * that many days later (n; days NULL: came once) and those whose next visit to the same staff
 * member did (n_same).
 */
export const REFRESH_STAFF_RETURN_MONTHS = `
INSERT INTO report_staff_return_months (organization_id, staff_member_id, month, days, n, n_same)
SELECT $1, f.staff_member_id, f.first_on - extract(day FROM f.first_on)::int + 1, d.days,
       count(*) FILTER (WHERE NOT d.same), count(*) FILTER (WHERE d.same)
  FROM report_staff_firsts f
  CROSS JOIN LATERAL (VALUES (false, f.next_on - f.first_on), (true, f.next_same_on - f.first_on)) AS d(same, days)
 WHERE f.organization_id = $1 AND NOT (d.same AND d.days IS NULL)
 GROUP BY 2, 3, 4
 -- In month order: a report reads a few months, from few pages.
 ORDER BY 3`;

export const UPSERT_ROLLUP_STATE = `
INSERT INTO report_rollup_state (organization_id, refreshed_at, seconds) VALUES ($1, $2, $3)
ON CONFLICT (organization_id) DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at, seconds = EXCLUDED.seconds`;
