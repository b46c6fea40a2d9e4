import type { Pool } from 'pg';
import { ReasonListError, setEpisodeReason, type ReasonSuggestion } from '@comeback/reasons';
import { CALL_CYCLE_SQL } from './call-list-generator';
import { CallListError } from './call-list.error';
import { inTransaction } from '@comeback/domain';

export const CALL_QUEUES = ['managers', 'retention'] as const;
export type CallQueue = (typeof CALL_QUEUES)[number];
/**
 * to_call: open, not answered yet, or a call-back (earlier cycles' too, until the next sweep carries
 * them over); done: reached; closed: will not be called (do not call, wrong number, or left
 * unfinished by an earlier cycle); returned: came back.
 */
export const CALL_VIEWS = ['to_call', 'done', 'closed', 'returned'] as const;
export type CallView = (typeof CALL_VIEWS)[number];
export const CALL_OUTCOMES = ['reached', 'call_back', 'no_answer', 'do_not_call', 'wrong_number'] as const;
export type CallOutcomeKind = (typeof CALL_OUTCOMES)[number];

/** A page of the list holds this many tasks. */
export const CALL_PAGE_SIZE = 100;

export interface CallTaskRow {
  id: string;
  clientId: string;
  name: string;
  phone: string | null;
  locale: string | null;
  queue: CallQueue;
  source: 'top_value' | 'asked' | 'unreachable';
  status: 'open' | 'done' | 'call_back' | 'no_answer' | 'closed';
  cycle: string;
  preferredTime: string | null;
  callBackAt: Date | null;
  /** A call-back whose time has come. */
  due: boolean;
  attempts: number;
  revenue12m: number | null;
  lastVisitAt: Date | null;
  episodeStatus: string | null;
  reason: string | null;
  agreedToReturn: boolean | null;
  assignedTo: string | null;
  assignee: string | null;
}

export interface CallListSummary {
  cycle: string;
  topN: number;
  queues: Record<CallQueue, { total: number; toCall: number; due: number; done: number; agreed: number; closed: number; returned: number }>;
}

export interface CallOutcomeInput {
  organizationId: string;
  taskId: string;
  /** The signed-in account recording the call. */
  recordedBy: string;
  /** The caller's language, for reason labels. */
  locale?: string;
  outcome: CallOutcomeKind;
  /** The reason, picked from the list … */
  reasonId?: string | null;
  /** … or typed (matched to the list; a new one needs `confirmNewReason` after the near-duplicate warning). */
  reasonLabel?: string | null;
  confirmNewReason?: boolean;
  clientWords?: string | null;
  offerMade?: string | null;
  agreedToReturn?: boolean | null;
  callBackAt?: Date | null;
  note?: string | null;
  /** The task's attempts when the form was shown: a call recorded meanwhile by someone else makes this one stale. */
  expectedAttempts?: number;
}

export type CallOutcomeResult =
  | { saved: true; outcomeId: string; status: CallTaskRow['status']; reasonId: string | null; newReason: boolean }
  | { saved: false; nearDuplicates: ReasonSuggestion[] };

/** The columns of a task row, for the list and the call card (aliases: t task, c client, e episode). */
const TASK_COLUMNS = `
  t.id::text, t.client_id::text AS "clientId", c.name, c.phone, c.locale, t.queue, t.source, t.status, t.cycle::text,
  t.preferred_time AS "preferredTime", t.call_back_at AS "callBackAt",
  (t.status = 'call_back' AND t.call_back_at <= now()) AS due, t.attempts,
  coalesce(e.revenue_12m, t.value_at_creation)::float8 AS "revenue12m", e.last_visit_at AS "lastVisitAt", e.status AS "episodeStatus",
  r.label AS reason, t.agreed_to_return AS "agreedToReturn", t.assigned_to::text AS "assignedTo", a.display_name AS assignee`;

const TASK_FROM = `
  FROM call_tasks t
  JOIN clients c ON c.organization_id = t.organization_id AND c.id = t.client_id
  LEFT JOIN churn_episodes e ON e.organization_id = t.organization_id AND e.id = t.episode_id
  LEFT JOIN churn_reasons r ON r.organization_id = t.organization_id AND r.id = coalesce(t.reason_id, e.reason_id)
  LEFT JOIN staff_accounts a ON a.id = t.assigned_to`;

/**
 * Still to be rung: lost (or the task has no episode; a client who came back is not called) and
 * calls not refused since (unless they asked for this one).
 */
const STILL_TO_RING = `(e.id IS NULL OR e.status IN ('at_risk', 'lapsed')) AND (c.consent_voice <> 'revoked' OR t.source = 'asked')`;

const VIEW_WHERE: Record<CallView, string> = {
  to_call: `${STILL_TO_RING} AND t.cycle <= cur.cycle AND t.status IN ('open', 'no_answer', 'call_back')`,
  done: `t.cycle = cur.cycle AND t.status = 'done'`,
  closed: `t.cycle = cur.cycle AND t.status = 'closed'`,
  returned: `t.cycle = cur.cycle AND e.status IN ('returned', 'recovered')`,
};

/**
 * To call first: call-backs whose time has come, then new tasks, then those who did not answer,
 * then call-backs still to come; within each, the most valuable first.
 */
const TO_CALL_ORDER = `CASE WHEN t.status = 'call_back' AND t.call_back_at <= now() THEN 0 WHEN t.status = 'open' THEN 1
                            WHEN t.status = 'no_answer' THEN 2 ELSE 3 END,
                       CASE WHEN t.status = 'call_back' THEN t.call_back_at END,
                       coalesce(e.revenue_12m, t.value_at_creation) DESC NULLS LAST, t.id`;

const CURRENT_CYCLE = `(SELECT ${CALL_CYCLE_SQL} AS cycle FROM organizations o WHERE o.id = $1) cur`;

/** One queue's tasks in a view, a page at a time. */
export async function listCallTasks(
  pool: Pool,
  organizationId: string,
  query: { queue: CallQueue; view: CallView; page?: number },
): Promise<{ rows: CallTaskRow[]; more: boolean }> {
  const page = Math.max(1, Math.min(query.page ?? 1, 10_000));
  const order = query.view === 'to_call' ? TO_CALL_ORDER : 't.updated_at DESC, t.id DESC';
  const { rows } = await pool.query<CallTaskRow>(
    `SELECT ${TASK_COLUMNS} ${TASK_FROM}, ${CURRENT_CYCLE}
      WHERE t.organization_id = $1 AND t.queue = $2 AND ${VIEW_WHERE[query.view]}
      ORDER BY ${order}
      LIMIT ${CALL_PAGE_SIZE + 1} OFFSET ${(page - 1) * CALL_PAGE_SIZE}`,
    [organizationId, query.queue],
  );
  return { rows: rows.slice(0, CALL_PAGE_SIZE), more: rows.length > CALL_PAGE_SIZE };
}

/** The counts at the top of the list: per queue, this cycle. */
export async function callListSummary(pool: Pool, organizationId: string): Promise<CallListSummary> {
  const { rows } = await pool.query<{ cycle: string; top_n: number; queue: CallQueue; total: number; to_call: number; due: number; done: number; agreed: number; closed: number; returned: number }>(
    `SELECT cur.cycle::text, o.call_list_top_n AS top_n, q.queue,
            count(t.id)::int AS total,
            count(t.id) FILTER (WHERE ${VIEW_WHERE.to_call})::int AS to_call,
            count(t.id) FILTER (WHERE ${VIEW_WHERE.to_call} AND t.status = 'call_back' AND t.call_back_at <= now())::int AS due,
            count(t.id) FILTER (WHERE ${VIEW_WHERE.done})::int AS done,
            count(t.id) FILTER (WHERE ${VIEW_WHERE.done} AND t.agreed_to_return)::int AS agreed,
            count(t.id) FILTER (WHERE ${VIEW_WHERE.closed})::int AS closed,
            count(t.id) FILTER (WHERE ${VIEW_WHERE.returned})::int AS returned
       FROM organizations o
       CROSS JOIN ${CURRENT_CYCLE}
       CROSS JOIN unnest(ARRAY['managers', 'retention']) AS q(queue)
       LEFT JOIN call_tasks t ON t.organization_id = o.id AND t.queue = q.queue AND t.cycle <= cur.cycle
                              AND (t.cycle = cur.cycle OR t.status IN ('open', 'no_answer', 'call_back'))
       LEFT JOIN clients c ON c.organization_id = t.organization_id AND c.id = t.client_id
       LEFT JOIN churn_episodes e ON e.organization_id = t.organization_id AND e.id = t.episode_id
      WHERE o.id = $1
      GROUP BY cur.cycle, o.call_list_top_n, q.queue`,
    [organizationId],
  );
  if (!rows.length) throw new CallListError('NOT_FOUND', `There is no organization ${organizationId}.`);
  const queues = {} as CallListSummary['queues'];
  for (const r of rows) queues[r.queue] = { total: r.total, toCall: r.to_call, due: r.due, done: r.done, agreed: r.agreed, closed: r.closed, returned: r.returned };
  return { cycle: rows[0].cycle, topN: rows[0].top_n, queues };
}

export interface CallTaskDetail extends CallTaskRow {
  episodeId: string | null;
  offerMade: string | null;
  note: string | null;
  /** What the client told us before the call: the latest answers on the feedback page and by text. */
  answers: { at: Date; channel: string; text: string | null; reason: string | null; callTime: string | null }[];
  /** The client's earlier calls (this task's and earlier cycles'), newest first. */
  calls: { at: Date; cycle: string; thisTask: boolean; outcome: CallOutcomeKind; reason: string | null; clientWords: string | null; offerMade: string | null; agreedToReturn: boolean | null; callBackAt: Date | null; note: string | null; by: string | null }[];
}

/** One task with what the caller needs before ringing: the client's own answers and earlier calls. */
export async function callTask(pool: Pool, organizationId: string, taskId: string): Promise<CallTaskDetail> {
  const task = await pool.query<CallTaskRow & { episodeId: string | null; offerMade: string | null; note: string | null }>(
    `SELECT ${TASK_COLUMNS}, t.episode_id::text AS "episodeId", t.offer_made AS "offerMade", t.note ${TASK_FROM}
      WHERE t.organization_id = $1 AND t.id = $2`,
    [organizationId, taskId],
  );
  const row = task.rows[0];
  if (!row) throw new CallListError('NOT_FOUND', `There is no call ${taskId} in this organization.`);
  const [answers, calls] = await Promise.all([
    pool.query<CallTaskDetail['answers'][number]>(
      `SELECT p.received_at AS at, p.channel, p.text, r.label AS reason, f.call_time AS "callTime"
         FROM replies p
         LEFT JOIN churn_reasons r ON r.organization_id = p.organization_id AND r.id = p.reason_id
         LEFT JOIN feedback_responses f ON f.message_id = p.message_id AND p.kind = 'feedback'
        WHERE p.organization_id = $1 AND p.client_id = $2 AND p.kind IN ('reason', 'free_text', 'keypad', 'feedback')
        ORDER BY p.received_at DESC LIMIT 10`,
      [organizationId, row.clientId],
    ),
    pool.query<CallTaskDetail['calls'][number]>(
      `SELECT o.recorded_at AS at, t.cycle::text AS cycle, o.task_id = $3 AS "thisTask", o.outcome, r.label AS reason, o.client_words AS "clientWords", o.offer_made AS "offerMade",
              o.agreed_to_return AS "agreedToReturn", o.call_back_at AS "callBackAt", o.note, a.display_name AS by
         FROM call_outcomes o
         JOIN call_tasks t ON t.id = o.task_id
         LEFT JOIN churn_reasons r ON r.organization_id = o.organization_id AND r.id = o.reason_id
         LEFT JOIN staff_accounts a ON a.id = o.recorded_by
        WHERE o.organization_id = $1 AND o.client_id = $2
        ORDER BY o.recorded_at DESC, o.id DESC LIMIT 50`,
      [organizationId, row.clientId, taskId],
    ),
  ]);
  return { ...row, answers: answers.rows, calls: calls.rows };
}

/**
 * Takes a task (so two callers do not ring the same client) or gives it back. A task someone else
 * holds is refused (they may be on the phone), unless `override`: whoever runs the call list may
 * give back a task held by someone who is away.
 */
export async function assignCallTask(pool: Pool, organizationId: string, taskId: string, accountId: string, take: boolean, override = false): Promise<void> {
  const { rows } = await pool.query<{ assigned_to: string | null; updated: boolean }>(
    `WITH found AS (SELECT id, assigned_to FROM call_tasks WHERE organization_id = $1 AND id = $2 FOR UPDATE),
          changed AS (
            UPDATE call_tasks t SET assigned_to = CASE WHEN $4 THEN $3::uuid END, updated_at = now()
              FROM found WHERE t.id = found.id AND (found.assigned_to IS NULL OR found.assigned_to = $3::uuid OR (NOT $4 AND $5))
            RETURNING t.id)
     SELECT found.assigned_to::text, EXISTS (SELECT 1 FROM changed) AS updated FROM found`,
    [organizationId, taskId, accountId, take, override],
  );
  if (!rows[0]) throw new CallListError('NOT_FOUND', `There is no call ${taskId} in this organization.`);
  if (!rows[0].updated) throw new CallListError('INVALID_STATE', 'Another caller has taken this call. Ask them, or an admin or marketer, to give it back.');
}

const TEXT_LIMIT = 2000;

function text(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null) return null;
  const tidy = value.normalize('NFKC').trim();
  if (!tidy) return null;
  // Code points, as the reason list counts them: an emoji is one character to the person typing.
  if (Array.from(tidy).length > TEXT_LIMIT) throw new CallListError('INVALID_INPUT', `${field} is longer than ${TEXT_LIMIT} characters.`, field);
  return tidy;
}

/** The reason list's refusals, as the call list's: on the reason field, and a 409 for a retired reason. */
function reasonRefusal(err: ReasonListError): CallListError {
  if (err.code === 'INVALID_STATE') return new CallListError('INVALID_STATE', err.message, 'reason');
  if (err.code === 'NOT_FOUND') return new CallListError('INVALID_INPUT', 'The reason is not one of the list: pick it again or type it.', 'reason');
  return new CallListError('INVALID_INPUT', err.message, 'reason');
}

/** What each outcome makes of the task. */
const TASK_STATUS: Record<CallOutcomeKind, CallTaskRow['status']> = {
  reached: 'done',
  call_back: 'call_back',
  no_answer: 'no_answer',
  do_not_call: 'closed',
  wrong_number: 'closed',
};

/**
 * Records one call and what came of it, in one transaction: the call's row (the client's call
 * history), the task's status (reached: done; call back later: when; no answer: tried again
 * later; do not call: closed, and the client's calls consent revoked; wrong number: closed), the
 * reason on the client's churn episode through the reason list (a typed reason is matched; a new
 * one asks first when it looks like an existing one), and the client card's timeline entries.
 *
 * Refused (INVALID_STATE) when another caller holds the task, when the task is closed or already
 * reached (a reached call may only be amended with another "reached"), and when someone recorded a
 * call on it since the form was shown (`expectedAttempts`).
 */
export async function recordCallOutcome(pool: Pool, input: CallOutcomeInput): Promise<CallOutcomeResult> {
  const clientWords = text(input.clientWords, 'clientWords');
  const offerMade = text(input.offerMade, 'offerMade');
  const note = text(input.note, 'note');
  const reasonLabel = text(input.reasonLabel, 'reason');
  const reasonId = input.reasonId ?? null;
  if (!(CALL_OUTCOMES as readonly string[]).includes(input.outcome)) throw new CallListError('INVALID_INPUT', 'Choose what happened.', 'outcome');
  if (reasonId !== null && !/^[0-9]{1,18}$/.test(reasonId)) throw new CallListError('INVALID_INPUT', 'The reason is not one of the list.', 'reason');
  if (reasonId !== null && reasonLabel !== null) throw new CallListError('INVALID_INPUT', 'Pick a reason or type one, not both.', 'reason');
  const reached = input.outcome === 'reached';
  if (!reached) {
    // Only a conversation can tell us these; refusing them beats silently dropping what was typed.
    const said = [
      ['reason', reasonId ?? reasonLabel],
      ['clientWords', clientWords],
      ['offerMade', offerMade],
      ['agreedToReturn', input.agreedToReturn ?? null],
    ].find(([, v]) => v !== null);
    if (said) throw new CallListError('INVALID_INPUT', `"${said[0]}" can only be recorded when you reached the client.`, String(said[0]));
  }
  let callBackAt: Date | null = null;
  if (input.outcome === 'call_back') {
    callBackAt = input.callBackAt ?? null;
    if (!callBackAt || Number.isNaN(callBackAt.getTime())) throw new CallListError('INVALID_INPUT', 'Say when to call back.', 'callBackAt');
    const now = Date.now();
    if (callBackAt.getTime() < now - 60_000) throw new CallListError('INVALID_INPUT', 'The call-back time is in the past.', 'callBackAt');
    if (callBackAt.getTime() > now + 366 * 86_400_000) throw new CallListError('INVALID_INPUT', 'The call-back time is more than a year away.', 'callBackAt');
  } else if (input.callBackAt) {
    throw new CallListError('INVALID_INPUT', 'A call-back time goes with "call back later" only.', 'callBackAt');
  }

  return inTransaction(pool, async (tx) => {
    // The task is locked only after the reason is written: setEpisodeReason locks the reason list
    // first, as a merge does before it moves call tasks; the other order could deadlock with one.
    const findTask = (lock: string) =>
      tx.query<{ client_id: string; episode_id: string | null; reason_note: string | null; status: CallTaskRow['status']; assigned_to: string | null; attempts: number }>(
        `SELECT t.client_id::text, t.episode_id::text, e.reason_note, t.status, t.assigned_to::text, t.attempts
           FROM call_tasks t LEFT JOIN churn_episodes e ON e.organization_id = t.organization_id AND e.id = t.episode_id
          WHERE t.organization_id = $1 AND t.id = $2 ${lock}`,
        [input.organizationId, input.taskId],
      );
    const checkState = (task: { status: CallTaskRow['status']; assigned_to: string | null; attempts: number }) => {
      if (task.assigned_to !== null && task.assigned_to !== input.recordedBy) {
        throw new CallListError('INVALID_STATE', 'Another caller has taken this call; only they can record it (or give it back first).');
      }
      if (task.status === 'closed') throw new CallListError('INVALID_STATE', 'This call is closed: the client is not to be called on this list.');
      if (task.status === 'done' && !reached) throw new CallListError('INVALID_STATE', 'This client was already reached; you can only correct that call ("reached").', 'outcome');
      if (input.expectedAttempts !== undefined && input.expectedAttempts !== task.attempts) {
        throw new CallListError('INVALID_STATE', 'Someone recorded a call on this client since you opened the card. Check it below before recording yours.');
      }
    };
    const task = (await findTask('')).rows[0];
    if (!task) throw new CallListError('NOT_FOUND', `There is no call ${input.taskId} in this organization.`);
    checkState(task);

    let savedReasonId: string | null = null;
    let newReason = false;
    if (reasonId !== null || reasonLabel !== null) {
      if (!task.episode_id) throw new CallListError('INVALID_INPUT', 'This client has no churn episode to record a reason on; write it in the note.', 'reason');
      const reason = await setEpisodeReason(tx, {
        organizationId: input.organizationId,
        clientId: task.client_id,
        episodeId: task.episode_id,
        reasonId,
        label: reasonLabel,
        confirmNew: input.confirmNewReason ?? false,
        // The client's words from this call, else the episode keeps the note it has.
        note: clientWords ?? task.reason_note,
        setBy: input.recordedBy,
        locale: input.locale,
      }).catch((err) => Promise.reject(err instanceof ReasonListError ? reasonRefusal(err) : err));
      if (!reason.saved) return reason;
      savedReasonId = reason.reasonId;
      newReason = reason.created;
      // The timeline's reason entry, as the client card writes one when staff set a reason there.
      await tx.query(
        `INSERT INTO client_activities (organization_id, client_id, kind, occurred_at, details)
         SELECT $1, $2::bigint, 'reason.recorded', now(),
                jsonb_build_object('episodeId', $3::text, 'reasonId', r.id::text, 'reason', r.label, 'note', $4::text,
                                   'byAccountId', $5::text, 'newReason', $6::boolean, 'callTaskId', $7::text)
           FROM churn_reasons r WHERE r.organization_id = $1 AND r.id = $8::bigint`,
        [input.organizationId, task.client_id, task.episode_id, clientWords, input.recordedBy, newReason, input.taskId, savedReasonId],
      );
    }

    // Checked again under the lock: another caller may have recorded in between.
    const locked = (await findTask('FOR UPDATE OF t')).rows[0];
    if (!locked) throw new CallListError('NOT_FOUND', `There is no call ${input.taskId} in this organization.`);
    checkState(locked);

    if (input.outcome === 'do_not_call') {
      // The client said so: no more calls from anyone, recorded in the consent history.
      await tx.query(
        `WITH changed AS (
           UPDATE clients SET consent_voice = 'revoked', updated_at = now()
            WHERE organization_id = $1 AND id = $2 AND consent_voice <> 'revoked'
            RETURNING organization_id, id)
         INSERT INTO consent_changes (organization_id, client_id, channel, status, source)
         SELECT organization_id, id, 'voice', 'revoked', 'call-list' FROM changed`,
        [input.organizationId, task.client_id],
      );
    }

    const status = TASK_STATUS[input.outcome];
    const agreed = reached ? (input.agreedToReturn ?? null) : null;
    const outcome = await tx.query<{ id: string }>(
      `INSERT INTO call_outcomes (organization_id, task_id, client_id, outcome, reason_id, client_words, offer_made, agreed_to_return, call_back_at, note, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id::text`,
      [input.organizationId, input.taskId, task.client_id, input.outcome, savedReasonId, clientWords, offerMade, agreed, callBackAt, note, input.recordedBy],
    );
    await tx.query(
      `UPDATE call_tasks
          SET status = $3, attempts = attempts + 1, call_back_at = $4,
              reason_id = coalesce($5::bigint, reason_id), offer_made = coalesce($6, offer_made),
              agreed_to_return = CASE WHEN $7 THEN $8::boolean END,
              note = coalesce($9, note), done_by = CASE WHEN $7 THEN $10::uuid ELSE done_by END,
              assigned_to = coalesce(assigned_to, $10::uuid), updated_at = now()
        WHERE organization_id = $1 AND id = $2`,
      [input.organizationId, input.taskId, status, callBackAt, savedReasonId, offerMade, reached, agreed, note, input.recordedBy],
    );
    // The client card's timeline: one entry per call, its kind saying how it went.
    const kind = !reached ? `call.${input.outcome}` : agreed === true ? 'call.agreed' : agreed === false ? 'call.declined' : 'call.reached';
    await tx.query(
      `INSERT INTO client_activities (organization_id, client_id, kind, occurred_at, details)
       SELECT $1, $2::bigint, $3, now(),
              jsonb_strip_nulls(jsonb_build_object('callTaskId', $4::text, 'callOutcomeId', $5::text, 'reasonId', r.id::text, 'reason', r.label, 'note', $6::text,
                'offerMade', $7::text, 'callBackAt', $8::timestamptz, 'byAccountId', $9::text))
         FROM (SELECT 1) one LEFT JOIN churn_reasons r ON r.organization_id = $1 AND r.id = $10::bigint`,
      [input.organizationId, task.client_id, kind, input.taskId, outcome.rows[0].id, note ?? clientWords, offerMade, callBackAt, input.recordedBy, savedReasonId],
    );
    return { saved: true, outcomeId: outcome.rows[0].id, status, reasonId: savedReasonId, newReason };
  });
}

/** How many of the most valuable lost clients go to managers each cycle (0–500). */
export async function setCallListTopN(pool: Pool, organizationId: string, topN: number): Promise<void> {
  if (!Number.isInteger(topN) || topN < 0 || topN > 500) throw new CallListError('INVALID_INPUT', 'The number of clients for managers must be a whole number from 0 to 500.', 'topN');
  await pool.query(`UPDATE organizations SET call_list_top_n = $2 WHERE id = $1`, [organizationId, topN]);
}
