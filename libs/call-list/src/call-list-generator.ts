import type { Pool, PoolClient } from 'pg';
import { CallListError } from './call-list.error';
import { inTransaction } from '@comeback/domain';

export interface GeneratedCallList {
  /** The win-back cycle: the first day of the organization's current month. */
  cycle: string;
  /** Unfinished tasks of earlier cycles moved into this one. */
  carried: number;
  /** Unfinished tasks of earlier cycles closed (the client came back, cannot be rung, or did not answer MAX_CALL_ATTEMPTS times). */
  closed: number;
  /** Tasks added to the managers' queue now (top value), including asked-for calls promoted to it. */
  managers: number;
  /** Tasks added to the retention team's queue now (no way to reach the client in writing). */
  retention: number;
}

/**
 * The win-back cycle of an organization: its current calendar month, in its own timezone. A
 * task's `cycle` is the cycle's first day; the feedback page's "may we call you?" uses the same.
 */
export const CALL_CYCLE_SQL = `(date_trunc('month', now() AT TIME ZONE o.timezone))::date`;

/**
 * A client a person can ring: a phone number on file, and calls not refused. The managers' and
 * the retention team's lists only take such clients.
 */
const CALLABLE = `(c.phone IS NOT NULL AND c.consent_voice <> 'revoked')`;

/** No written channel works: no SMS, e-mail or Viber address that has not been opted out of. */
const NO_WRITTEN_CHANNEL = `NOT ((c.phone IS NOT NULL AND c.consent_sms <> 'revoked')
                               OR (c.email IS NOT NULL AND c.consent_email <> 'revoked')
                               OR (c.viber_id IS NOT NULL AND c.consent_viber <> 'revoked'))`;

/**
 * Since the client was found lost, the addresses we wrote to do not work: some message was refused
 * for good by the provider (an invalid number, a hard bounce; not an opt-out or our own
 * misconfiguration) or reported undelivered, and none got through or is still on its way. A
 * message that died of retries (a provider outage) says nothing about the address.
 */
const WRITING_FAILED = `(EXISTS (SELECT 1 FROM messages m
                                 WHERE m.organization_id = e.organization_id AND m.client_id = e.client_id AND m.queued_at >= e.detected_at
                                   AND (m.status = 'undelivered'
                                        OR (m.status = 'failed' AND m.last_error_code IS DISTINCT FROM 'opted-out' AND m.last_error_code IS DISTINCT FROM 'provider-config')))
                         AND NOT EXISTS (SELECT 1 FROM messages m
                                 WHERE m.organization_id = e.organization_id AND m.client_id = e.client_id AND m.queued_at >= e.detected_at
                                   AND m.status IN ('queued', 'sending', 'sent', 'delivered', 'in_doubt')))`;

/** A task not answered this many times is not carried into the next cycle. */
export const MAX_CALL_ATTEMPTS = 3;

/**
 * Calls stop for a while after one settled it: the client was reached, asked not to be called, the
 * number was wrong, or MAX_CALL_ATTEMPTS calls went unanswered.
 */
export const CALL_REST_DAYS = 90;
const RECENTLY_SETTLED = `(EXISTS (SELECT 1 FROM call_outcomes co
                                    WHERE co.organization_id = e.organization_id AND co.client_id = e.client_id
                                      AND co.outcome IN ('reached', 'do_not_call', 'wrong_number')
                                      AND co.recorded_at > now() - make_interval(days => ${CALL_REST_DAYS}))
                           OR (SELECT count(*) FROM call_outcomes co
                                WHERE co.organization_id = e.organization_id AND co.client_id = e.client_id AND co.outcome = 'no_answer'
                                  AND co.recorded_at > now() - make_interval(days => ${CALL_REST_DAYS})) >= ${MAX_CALL_ATTEMPTS})`;

/**
 * An earlier cycle's unfinished task of a client who is also on this cycle's list: this cycle's
 * task takes its preferred time and call-back (the calls stay in the client's history) ...
 */
const FOLD_DUPLICATES_SQL = `
  WITH org AS (SELECT o.id, ${CALL_CYCLE_SQL} AS cycle FROM organizations o WHERE o.id = $1)
  UPDATE call_tasks t
     SET preferred_time = coalesce(t.preferred_time, old.preferred_time),
         call_back_at = CASE WHEN t.status = 'open' THEN coalesce(t.call_back_at, old.call_back_at) ELSE t.call_back_at END,
         status = CASE WHEN t.status = 'open' AND old.call_back_at IS NOT NULL THEN 'call_back' ELSE t.status END,
         assigned_to = coalesce(t.assigned_to, old.assigned_to), updated_at = now()
    FROM org, call_tasks old
   WHERE t.organization_id = org.id AND t.cycle = org.cycle
     AND old.organization_id = org.id AND old.client_id = t.client_id AND old.cycle < org.cycle
     AND old.status IN ('open', 'no_answer', 'call_back')`;

/**
 * ... the other unfinished tasks of earlier cycles move into this one, while the client is still
 * lost and can be rung: a call-back set for next week, a client who asked for a call, one not
 * reached yet (up to MAX_CALL_ATTEMPTS tries). They keep their queue; managers' ones count towards
 * this cycle's N.
 */
const CARRY_FORWARD_SQL = `
  WITH org AS (SELECT o.id, ${CALL_CYCLE_SQL} AS cycle FROM organizations o WHERE o.id = $1)
  UPDATE call_tasks t SET cycle = org.cycle, updated_at = now()
    FROM org, clients c
   WHERE t.organization_id = org.id AND t.cycle < org.cycle AND t.status IN ('open', 'no_answer', 'call_back')
     AND t.attempts < ${MAX_CALL_ATTEMPTS}
     AND c.organization_id = t.organization_id AND c.id = t.client_id AND c.phone IS NOT NULL
     AND (c.consent_voice <> 'revoked' OR t.source = 'asked')
     AND NOT EXISTS (SELECT 1 FROM call_tasks n WHERE n.organization_id = org.id AND n.client_id = t.client_id AND n.cycle = org.cycle)
     AND NOT EXISTS (SELECT 1 FROM churn_episodes e WHERE e.organization_id = t.organization_id AND e.id = t.episode_id AND e.status NOT IN ('at_risk', 'lapsed'))`;

/** ... and whatever earlier cycles left unfinished after that is closed (it stays in the history). */
const CLOSE_LEFTOVERS_SQL = `
  WITH org AS (SELECT o.id, ${CALL_CYCLE_SQL} AS cycle FROM organizations o WHERE o.id = $1)
  UPDATE call_tasks t SET status = 'closed', updated_at = now()
    FROM org
   WHERE t.organization_id = org.id AND t.cycle < org.cycle AND t.status IN ('open', 'no_answer', 'call_back')`;

/**
 * The managers' part of this cycle's list: the most valuable lost (lapsed) clients a person can
 * ring, by revenue over the last 12 months, until the cycle holds `call_list_top_n` of them. A
 * cycle's top N are chosen once: the nightly sweep tops the list up only when fewer are on it
 * (the first run of a month, or N raised), so a manager's list does not reshuffle under them. A
 * client already on the retention team's list (they asked for a call) moves to the managers while
 * nobody has called them yet.
 */
const MANAGERS_SQL = `
  WITH org AS (
    SELECT o.id, ${CALL_CYCLE_SQL} AS cycle, o.call_list_top_n AS n FROM organizations o WHERE o.id = $1
  ), have AS (
    SELECT count(*)::int AS k FROM call_tasks t JOIN org ON t.organization_id = org.id AND t.cycle = org.cycle AND t.queue = 'managers'
  ), pick AS (
    SELECT e.client_id, e.id AS episode_id, e.revenue_12m
      FROM org
      JOIN churn_episodes e ON e.organization_id = org.id AND e.status = 'lapsed'
      JOIN clients c ON c.organization_id = e.organization_id AND c.id = e.client_id
     WHERE ${CALLABLE} AND NOT ${RECENTLY_SETTLED}
       AND NOT EXISTS (SELECT 1 FROM call_tasks t
                        WHERE t.organization_id = org.id AND t.client_id = e.client_id AND t.cycle = org.cycle
                          AND (t.queue = 'managers' OR t.status <> 'open' OR t.attempts > 0))
     ORDER BY e.revenue_12m DESC, e.id DESC
     LIMIT (SELECT greatest(org.n - have.k, 0) FROM org, have)
  )
  INSERT INTO call_tasks AS t (organization_id, client_id, episode_id, cycle, queue, source, value_at_creation)
  SELECT org.id, pick.client_id, pick.episode_id, org.cycle, 'managers', 'top_value', pick.revenue_12m FROM pick, org
  ON CONFLICT (organization_id, client_id, cycle) DO UPDATE
     SET queue = 'managers', value_at_creation = EXCLUDED.value_at_creation,
         episode_id = coalesce(t.episode_id, EXCLUDED.episode_id), updated_at = now()
   WHERE t.status = 'open' AND t.attempts = 0`;

/**
 * The retention team's part: every other lost client a person can ring but nothing written can
 * reach (no written channel left, or everything sent since they were found lost failed). Clients
 * who asked for a call are put on it by the feedback page as they ask.
 */
const RETENTION_SQL = `
  WITH org AS (
    SELECT o.id, ${CALL_CYCLE_SQL} AS cycle FROM organizations o WHERE o.id = $1
  )
  INSERT INTO call_tasks (organization_id, client_id, episode_id, cycle, queue, source, value_at_creation)
  SELECT org.id, e.client_id, e.id, org.cycle, 'retention', 'unreachable', e.revenue_12m
    FROM org
    JOIN churn_episodes e ON e.organization_id = org.id AND e.status = 'lapsed'
    JOIN clients c ON c.organization_id = e.organization_id AND c.id = e.client_id
   WHERE ${CALLABLE} AND NOT ${RECENTLY_SETTLED} AND (${NO_WRITTEN_CHANNEL} OR ${WRITING_FAILED})
  ON CONFLICT (organization_id, client_id, cycle) DO NOTHING`;

/**
 * Builds (or tops up) this win-back cycle's call list of one organization in set-based
 * statements: earlier cycles' unfinished calls are carried over (or closed), then the managers'
 * top N by value are added, then the retention team's unreachable clients. Nobody is re-listed
 * within CALL_REST_DAYS of a call that settled it. Safe to
 * run any number of times: a client is on a cycle's list once (unique per client and cycle), and a
 * task someone has worked is never moved. Runs in the transaction that finishes each lapse sweep
 * (so a finished sweep always has its list), and from the console on demand.
 */
export async function generateCallList(db: Pool | PoolClient, organizationId: string): Promise<GeneratedCallList> {
  return inTransaction(db, async (tx) => {
    // One generator per organization at a time: two runs counting the same top N would each add it.
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('call_list:' || $1, 0))`, [organizationId]);
    const cycle = await tx.query<{ cycle: string }>(`SELECT ${CALL_CYCLE_SQL}::text AS cycle FROM organizations o WHERE o.id = $1`, [organizationId]);
    if (!cycle.rows[0]) throw new CallListError('NOT_FOUND', `There is no organization ${organizationId}.`);
    // Each statement runs once over the organization's episodes; compiling it (JIT) costs more than it saves.
    await tx.query(`SET LOCAL jit = off`);
    await tx.query(FOLD_DUPLICATES_SQL, [organizationId]);
    const carried = await tx.query(CARRY_FORWARD_SQL, [organizationId]);
    const closed = await tx.query(CLOSE_LEFTOVERS_SQL, [organizationId]);
    const managers = await tx.query(MANAGERS_SQL, [organizationId]);
    const retention = await tx.query(RETENTION_SQL, [organizationId]);
    return { cycle: cycle.rows[0].cycle, carried: carried.rowCount ?? 0, closed: closed.rowCount ?? 0, managers: managers.rowCount ?? 0, retention: retention.rowCount ?? 0 };
  });
}
