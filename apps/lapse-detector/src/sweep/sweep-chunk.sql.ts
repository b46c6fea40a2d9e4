/**
 * The lapse sweep's SQL for one chunk of clients (a range of client ids), run in one transaction.
 * Kept in one place so what the detector computes can be read top to bottom.
 *
 * Named parameters (`:name`, bound by `bindNamed`; `:visits` is the organization's visits partition,
 * an identifier, set by the service):
 * :org, the chunk's client ids :lo..:hi, the local date :asOf in timezone :tz, for incremental sweeps
 * :since (rows recorded after it), and the organization's settings and fitted model.
 */

/**
 * Step 1 (CHUNK_STATS_FULL_SQL / CHUNK_STATS_INCREMENTAL_SQL): every chunk client's history
 * summary, in a temporary table dropped at commit. Days are local dates in the organization's timezone; same-day visits count once as a visit day
 * (lifetime_visits still counts every visit). An incremental sweep keeps only clients with visits
 * or payments recorded since the last sweep, or whose status is due to change.
 *
 * The chunk's visits are read once, in (client_id, visited_at) order, from the organization's own
 * partition (`:visits`) through its covering index (client_id, visited_at) INCLUDE (amount): no
 * table access and no sort. Each client's distinct visit days become a short sorted array; one
 * pass over that array zipped with itself shifted by one gives the gaps and the rhythm numbers:
 * the median of the last N, the mean of the last 3 against the median of those before them
 * (gradual drift). Window functions over the whole chunk would cost twice as much.
 *
 * The statement comes in two shapes that share this tail (per_client -> the summary row): every
 * client of the chunk, or only the candidates of an incremental sweep.
 */
const CHUNK_STATS_TAIL = `
SELECT p.client_id, cardinality(p.days) AS visit_days, p.lifetime_visits, p.days[1] AS first_on,
       p.days[cardinality(p.days)] AS last_on, p.last_at, p.visit_revenue,
       r.gaps, r.recent_median_gap, r.last3_mean_gap, r.earlier_median_gap,
       (SELECT coalesce(sum(v.amount), 0) FROM :visits v
         WHERE v.client_id = p.client_id AND v.visited_at >= ((p.days[cardinality(p.days)] - 364)::timestamp AT TIME ZONE :tz)
           AND v.visited_at < ((p.days[cardinality(p.days)] + 1)::timestamp AT TIME ZONE :tz)) AS visit_revenue_12m
  FROM per_client p
  -- Gap i is between visit days i and i + 1 (the days array zipped with itself shifted by one);
  -- n gaps in all, the most recent last.
  CROSS JOIN LATERAL (
    SELECT count(*)::int AS gaps,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY t.b - t.a) FILTER (WHERE t.i > cardinality(p.days) - 1 - :rhythmWindow) AS recent_median_gap,
           avg(t.b - t.a) FILTER (WHERE t.i > cardinality(p.days) - 4) AS last3_mean_gap,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY t.b - t.a) FILTER (WHERE t.i <= cardinality(p.days) - 4) AS earlier_median_gap
      FROM unnest(p.days[1 : cardinality(p.days) - 1], p.days[2:]) WITH ORDINALITY AS t(a, b, i)
  ) r`;

/** Full sweep: the chunk's whole range of the index, in one pass. */
export const CHUNK_STATS_FULL_SQL = `
CREATE TEMP TABLE sweep_stats ON COMMIT DROP AS
WITH per_client AS (
  SELECT v.client_id,
         count(*)::int AS lifetime_visits,
         max(v.visited_at) AS last_at,
         coalesce(sum(v.amount), 0) AS visit_revenue,
         array_agg(DISTINCT (v.visited_at AT TIME ZONE :tz)::date) AS days
    FROM :visits v
   WHERE v.client_id BETWEEN :lo AND :hi
     AND v.visited_at < ((:asOf::date + 1)::timestamp AT TIME ZONE :tz)
   GROUP BY v.client_id
)
`+ CHUNK_STATS_TAIL;

/**
 * Incremental sweep: only clients with visits or payments recorded since the last sweep, or whose
 * status is due to change; each one's history is read by its own index range (a few thousand
 * lookups instead of the chunk's million index entries).
 */
export const CHUNK_STATS_INCREMENTAL_SQL = `
CREATE TEMP TABLE sweep_stats ON COMMIT DROP AS
WITH candidates AS (
  SELECT client_id FROM visits
   WHERE organization_id = :org AND created_at > :since AND client_id BETWEEN :lo AND :hi
  UNION
  SELECT client_id FROM payment_events
   WHERE organization_id = :org AND created_at > :since AND client_id BETWEEN :lo AND :hi
  UNION
  SELECT client_id FROM client_rhythms
   WHERE organization_id = :org AND next_check_on <= :asOf AND client_id BETWEEN :lo AND :hi
),
per_client AS (
  SELECT c.client_id, a.lifetime_visits, a.last_at, a.visit_revenue, a.days
    FROM candidates c
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS lifetime_visits, max(v.visited_at) AS last_at, coalesce(sum(v.amount), 0) AS visit_revenue,
             array_agg(DISTINCT (v.visited_at AT TIME ZONE :tz)::date) AS days
        FROM :visits v
       WHERE v.client_id = c.client_id AND v.visited_at < ((:asOf::date + 1)::timestamp AT TIME ZONE :tz)
    ) a
   WHERE a.lifetime_visits > 0
)
`+ CHUNK_STATS_TAIL;

/**
 * Step 2: payments of the chunk's scored clients: revenue, and the signals that classify a lapse
 * (the last failed, succeeded and cancelled events before the as-of date).
 */
export const CHUNK_PAYMENTS_SQL = `
CREATE TEMP TABLE sweep_payments ON COMMIT DROP AS
SELECT p.client_id,
       coalesce(sum(p.amount) FILTER (WHERE p.status = 'succeeded'), 0) AS paid,
       coalesce(sum(p.amount) FILTER (WHERE p.status = 'succeeded'
                  AND p.occurred_at > ((s.last_on - 364)::timestamp AT TIME ZONE :tz)
                  AND p.occurred_at < ((s.last_on + 1)::timestamp AT TIME ZONE :tz)), 0) AS paid_12m,
       max(p.occurred_at) FILTER (WHERE p.status = 'failed') AS last_failed_at,
       max(p.occurred_at) FILTER (WHERE p.status = 'succeeded') AS last_succeeded_at,
       max(p.occurred_at) FILTER (WHERE p.status = 'cancelled') AS last_cancelled_at
  FROM payment_events p
  JOIN sweep_stats s ON s.client_id = p.client_id
 WHERE p.organization_id = :org AND p.client_id BETWEEN :lo AND :hi
   AND p.occurred_at < ((:asOf::date + 1)::timestamp AT TIME ZONE :tz)
 GROUP BY p.client_id`;

/**
 * Step 3: each client's status by the organization's method, the day it would next change
 * without a visit, and the churn type a lapse would have. Mirrors scoreCadence and the BG/NBD
 * formulas in @comeback/lapse-model (a spec holds the two together).
 *
 * Cadence: usual gap g = max(floor, median of the last N gaps); at risk past atRiskFactor * g days
 * since the last visit, lapsed past lapsedFactor * g.
 * BG/NBD (per day): x = repeat visit days, t_x = last - first, T = as-of - first;
 *   P(alive) = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)) for x > 0,
 * which falls with T, so the day it crosses a threshold p has a closed form:
 *   T* = (alpha + t_x) * ((1/p - 1) * (b + x - 1) / a)^(1 / (r + x)) - alpha.
 */
export const CHUNK_SCORE_SQL = `
CREATE TEMP TABLE sweep_scored ON COMMIT DROP AS
WITH base AS (
  SELECT s.*,
         greatest(:gapFloorDays::float8, coalesce(s.recent_median_gap, 0)) AS usual_gap,
         (:asOf::date - s.last_on) AS days_since,
         (s.visit_days >= :minVisits AND s.last_on - s.first_on >= :minTenureDays) AS eligible,
         CASE WHEN :method = 'bgnbd' AND s.visit_days > 1 THEN
           1.0 / (1.0 + (:a::float8 / (:b::float8 + s.visit_days - 2))
                  * power((:alpha::float8 + (:asOf::date - s.first_on)) / (:alpha::float8 + (s.last_on - s.first_on)), :r::float8 + s.visit_days - 1))
         END AS p_alive,
         coalesce(p.paid, 0) AS paid, coalesce(p.paid_12m, 0) AS paid_12m,
         p.last_failed_at, p.last_succeeded_at, p.last_cancelled_at
    FROM sweep_stats s LEFT JOIN sweep_payments p USING (client_id)
),
judged AS (
  SELECT b.*,
         CASE WHEN b.visit_days = 1 THEN 'once'
              WHEN NOT b.eligible THEN 'new'
              WHEN :method = 'cadence' AND b.days_since > :lapsedFactor * b.usual_gap THEN 'lapsed'
              WHEN :method = 'cadence' AND b.days_since > :atRiskFactor * b.usual_gap THEN 'at_risk'
              WHEN :method = 'bgnbd' AND b.p_alive < :lapsedBelow THEN 'lapsed'
              WHEN :method = 'bgnbd' AND b.p_alive < :atRiskBelow THEN 'at_risk'
              ELSE 'active' END AS status
    FROM base b
)
SELECT j.*,
       CASE
         WHEN j.status = 'active' AND :method = 'cadence' THEN j.last_on + floor(:atRiskFactor * j.usual_gap)::int + 1
         WHEN j.status = 'at_risk' AND :method = 'cadence' THEN j.last_on + floor(:lapsedFactor * j.usual_gap)::int + 1
         WHEN j.status IN ('active', 'at_risk') AND :method = 'bgnbd' THEN j.first_on + floor(
           (:alpha::float8 + (j.last_on - j.first_on))
           * power((1.0 / (CASE j.status WHEN 'active' THEN :atRiskBelow ELSE :lapsedBelow END)::float8 - 1) * (:b::float8 + j.visit_days - 2) / :a::float8,
                   1.0 / (:r::float8 + j.visit_days - 1))
           - :alpha::float8)::int + 1
       END AS next_check_on,
       (j.gaps >= 5 AND j.last3_mean_gap >= :gradualRatio * j.earlier_median_gap) AS gradual,
       CASE
         WHEN j.last_cancelled_at >= j.last_at - make_interval(days => :paymentSignalDays) THEN 'voluntary'
         WHEN j.last_failed_at >= j.last_at - make_interval(days => :paymentSignalDays)
              AND (j.last_succeeded_at IS NULL OR j.last_succeeded_at < j.last_failed_at) THEN 'involuntary'
         ELSE 'passive'
       END AS churn_type,
       round(j.visit_revenue + j.paid, 2) AS lifetime_revenue,
       round(j.visit_revenue_12m + j.paid_12m, 2) AS revenue_12m,
       CASE WHEN :method = 'cadence' THEN j.days_since / j.usual_gap ELSE j.p_alive END AS score,
       NULL::float8 AS expected_visits_90d
  FROM judged j`;

/**
 * Step 3b (BG/NBD only): the chunk's summaries for the expected visits in the next 90 days, which
 * needs the Gauss hypergeometric function: computed in the service for the whole chunk at once
 * and written back by EXPECTED_VISITS_SQL.
 */
export const BGNBD_SUMMARIES_SQL = `
SELECT client_id::text, visit_days - 1 AS x, last_on - first_on AS tx, :asOf::date - first_on AS t
  FROM sweep_scored WHERE visit_days > 1`;

export const EXPECTED_VISITS_SQL = `
UPDATE sweep_scored s SET expected_visits_90d = e.expected
  FROM unnest(:clientIds::bigint[], :expected::float8[]) AS e(client_id, expected)
 WHERE s.client_id = e.client_id`;

/** Step 4: the rhythm table, rewritten only where something changed. */
export const UPSERT_RHYTHMS_SQL = `
INSERT INTO client_rhythms AS r (organization_id, client_id, status, visit_days, first_visit_on, last_visit_on, last_visit_at,
  usual_gap_days, gradual, p_alive, expected_visits_90d, next_check_on, lifetime_visits, lifetime_revenue, revenue_12m, scored_on)
SELECT :org, client_id, status, visit_days, first_on, last_on, last_at,
       CASE WHEN visit_days > 1 THEN usual_gap END, gradual, round(p_alive::numeric, 4)::float8,
       round(expected_visits_90d::numeric, 3)::float8, next_check_on,
       lifetime_visits, lifetime_revenue, revenue_12m, :asOf
  FROM sweep_scored
ON CONFLICT (organization_id, client_id) DO UPDATE SET
  status = EXCLUDED.status, visit_days = EXCLUDED.visit_days, first_visit_on = EXCLUDED.first_visit_on,
  last_visit_on = EXCLUDED.last_visit_on, last_visit_at = EXCLUDED.last_visit_at, usual_gap_days = EXCLUDED.usual_gap_days,
  gradual = EXCLUDED.gradual, p_alive = EXCLUDED.p_alive, expected_visits_90d = EXCLUDED.expected_visits_90d,
  next_check_on = EXCLUDED.next_check_on,
  lifetime_visits = EXCLUDED.lifetime_visits, lifetime_revenue = EXCLUDED.lifetime_revenue,
  revenue_12m = EXCLUDED.revenue_12m, scored_on = EXCLUDED.scored_on, updated_at = now()
WHERE (r.status, r.visit_days, r.first_visit_on, r.last_visit_at, r.usual_gap_days, r.gradual, r.p_alive, r.next_check_on,
       r.lifetime_visits, r.lifetime_revenue, r.revenue_12m)
   IS DISTINCT FROM
      (EXCLUDED.status, EXCLUDED.visit_days, EXCLUDED.first_visit_on, EXCLUDED.last_visit_at, EXCLUDED.usual_gap_days,
       EXCLUDED.gradual, EXCLUDED.p_alive, EXCLUDED.next_check_on, EXCLUDED.lifetime_visits, EXCLUDED.lifetime_revenue,
       EXCLUDED.revenue_12m)`;

/**
 * The tail the episode statements share: one outbox event per episode row of CTE `source`
 * (columns id, client_id), named by the SQL expression `eventName`. Payloads carry ids only, and
 * the chunk job's correlation id (:correlationId, left out when null) as appendEvents adds it.
 */
const outboxEventsFrom = (source: string, eventName: string) => `
INSERT INTO outbox_events (organization_id, name, payload)
SELECT :org, ${eventName},
       jsonb_strip_nulls(jsonb_build_object('organizationId', :org::text, 'clientId', x.client_id::text, 'episodeId', x.id::text, 'correlationId', :correlationId::text))
  FROM ${source} x
RETURNING id`;

/**
 * Step 5: open episodes of clients who visited after the episode's last visit are closed:
 * `returned` when they had lapsed (emits client.returned), `recovered` when they were only at
 * risk (also emits client.returned: campaigns stop asking them).
 */
export const CLOSE_RETURNED_SQL = `
WITH closed AS (
  UPDATE churn_episodes e
     SET status = CASE e.status WHEN 'lapsed' THEN 'returned' ELSE 'recovered' END,
         returned_at = (SELECT min(v.visited_at) FROM visits v
                         WHERE v.organization_id = :org AND v.client_id = e.client_id AND v.visited_at > e.last_visit_at),
         updated_at = now()
    FROM sweep_scored s
   WHERE e.organization_id = :org AND e.client_id BETWEEN :lo AND :hi AND e.client_id = s.client_id
     AND e.status IN ('at_risk', 'lapsed') AND s.last_at > e.last_visit_at
  RETURNING e.id, e.client_id
)` + outboxEventsFrom('closed', "'client.returned'");

/** Step 6: at-risk episodes whose client has now lapsed (emits client.churned). */
export const ESCALATE_LAPSED_SQL = `
WITH lapsed AS (
  UPDATE churn_episodes e
     SET status = 'lapsed', lapsed_at = now(), score = s.score, p_alive = s.p_alive, expected_visits_90d = s.expected_visits_90d,
         churn_type = CASE WHEN s.churn_type = 'passive' AND (e.reason_id IS NOT NULL OR e.reason_note IS NOT NULL)
                           THEN 'voluntary' ELSE s.churn_type END,
         gradual = s.gradual, updated_at = now()
    FROM sweep_scored s
   WHERE e.organization_id = :org AND e.client_id BETWEEN :lo AND :hi AND e.client_id = s.client_id
     AND e.status = 'at_risk' AND s.status = 'lapsed' AND s.last_at = e.last_visit_at
  RETURNING e.id, e.client_id
)` + outboxEventsFrom('lapsed', "'client.churned'");

/**
 * Value-tier cut-offs from the organization's regulars (clients with a rhythm) as of the last
 * sweep: tier 1 = the top 20% by revenue of the 12 months up to their last visit, tier 2 = the
 * next 30%, tier 3 = the rest. Computed once when a sweep is planned.
 */
export const VALUE_TIER_CUTS_SQL = `
SELECT percentile_cont(0.8) WITHIN GROUP (ORDER BY revenue_12m) AS tier1,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY revenue_12m) AS tier2
  FROM client_rhythms WHERE organization_id = :org AND status IN ('active', 'at_risk', 'lapsed')`;

/**
 * Step 7: new episodes for at-risk and lapsed clients with none open. An episode of the same
 * lapse (same last visit) that staff dismissed, or that a crashed earlier run already opened, is
 * never opened again: the sweep is idempotent. Emits client.at-risk or client.churned. The value
 * tier uses the sweep's cut-offs, or on a first sweep the same percentiles of this chunk's regulars.
 */
export const OPEN_EPISODES_SQL = `
WITH chunk_cut AS MATERIALIZED (
  SELECT percentile_cont(0.8) WITHIN GROUP (ORDER BY revenue_12m) AS tier1,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY revenue_12m) AS tier2
    FROM sweep_scored WHERE status IN ('active', 'at_risk', 'lapsed')
),
opened AS (
  INSERT INTO churn_episodes (organization_id, client_id, status, detected_at, lapsed_at, last_visit_at, left_on, churn_type,
    gradual, method, score, p_alive, expected_visits_90d, usual_gap_days, expected_next_visit_at, lifetime_visits, lifetime_revenue, revenue_12m,
    value_tier, staff_member_id, service_id)
  SELECT :org, s.client_id, s.status, now(), CASE WHEN s.status = 'lapsed' THEN now() END, s.last_at, s.last_on + 1, s.churn_type,
         s.gradual, :method, s.score, s.p_alive, s.expected_visits_90d, s.usual_gap,
         ((s.last_on + ceil(s.usual_gap)::int)::timestamp AT TIME ZONE :tz),
         s.lifetime_visits, s.lifetime_revenue, s.revenue_12m,
         CASE WHEN s.revenue_12m >= coalesce(:tier1Revenue::numeric, cut.tier1) THEN 1
              WHEN s.revenue_12m >= coalesce(:tier2Revenue::numeric, cut.tier2) THEN 2 ELSE 3 END,
         last_visit.staff_member_id, last_visit.service_id
    FROM sweep_scored s CROSS JOIN chunk_cut cut
    -- The last visit's staff member and service, for the console's filters (one index probe per new episode).
    LEFT JOIN LATERAL (SELECT v.staff_member_id, v.service_id FROM visits v
                        WHERE v.organization_id = :org AND v.client_id = s.client_id AND v.visited_at = s.last_at
                        ORDER BY v.staff_member_id NULLS LAST LIMIT 1) last_visit ON true
   WHERE s.status IN ('at_risk', 'lapsed')
     AND NOT EXISTS (SELECT 1 FROM churn_episodes e
                      WHERE e.organization_id = :org AND e.client_id BETWEEN :lo AND :hi AND e.client_id = s.client_id
                        AND (e.status IN ('at_risk', 'lapsed') OR e.last_visit_at >= s.last_at))
  RETURNING id, client_id, status
)` + outboxEventsFrom('opened', "CASE x.status WHEN 'lapsed' THEN 'client.churned' ELSE 'client.at-risk' END");
