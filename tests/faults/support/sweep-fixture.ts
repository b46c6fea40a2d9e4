import { Queue } from 'bullmq';
import Redis from 'ioredis';
import type { Pool } from 'pg';
import { EventConsumer, eventQueueName, JobName, QueueName, type EventEnvelope } from '@comeback/contracts';
import { createApiKey } from '@comeback/ingestion';
import { factories } from '@comeback/testing';

/** Days since the last visit of each quarter of the clients, all of whom came weekly (usual gap 7 days). */
const LAST_VISIT_DAYS_AGO = [2, 17, 30, 100];

/**
 * An organization whose `clients` regulars came every week for 12 weeks, a quarter each last seen
 * 2, 17, 30 and 100 days ago. By the cadence rule (at risk past 2 usual gaps, lapsed past 3) the
 * first quarter is active, the second at risk and the last two lapsed, with wide margins: the
 * answer is known before any sweep runs. Written by SQL in a few statements (the benches' way).
 */
export async function weeklyRegulars(pool: Pool, clients: number): Promise<{ organizationId: string; apiKey: string }> {
  const org = await factories(pool).organization({ timezone: 'UTC' });
  await pool.query(
    `INSERT INTO clients (organization_id, external_id, name, phone) SELECT $1, 'c' || i, 'Client ' || i, '+9955' || lpad(i::text, 8, '0') FROM generate_series(1, $2) i`,
    [org.id, clients],
  );
  await pool.query(
    `INSERT INTO visits (organization_id, external_id, client_id, visited_at, amount, currency)
     SELECT $1, 'v' || c.id || '-' || k, c.id, date_trunc('day', now()) + interval '12 hours' - make_interval(days => ($2::int[])[1 + c.id % 4] + 7 * k), 50, 'GEL'
       FROM clients c CROSS JOIN generate_series(0, 11) k WHERE c.organization_id = $1`,
    [org.id, LAST_VISIT_DAYS_AGO],
  );
  await pool.query(`ANALYZE clients, visits`);
  return { organizationId: org.id, apiKey: (await createApiKey(pool, org.id, 'fault tests')).key };
}

/** Requests a full sweep through the lapse detector's API (what a client of the API does); returns its id. */
export async function requestSweep(port: number, organizationId: string, apiKey: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/organizations/${organizationId}/lapse-sweeps`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ full: true }),
  });
  if (res.status !== 202) throw new Error(`sweep request answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { sweepId: string }).sweepId;
}

/**
 * Starts the organization's nightly sweep now: the job its scheduler enqueues at the sweep time
 * (same name, data and options), so the sweep runs the nightly path. Returns the sweep's id.
 */
export async function nightlySweepNow(pool: Pool, redisUrl: string, prefix: string, organizationId: string): Promise<string> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.LapseSweep, { connection, prefix });
  try {
    await queue.add(JobName.NightlySweep, { organizationId }, { attempts: 5, backoff: { type: 'exponential', delay: 60_000 } });
  } finally {
    await queue.close();
    await connection.quit();
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await pool.query<{ id: string }>(`SELECT id::text FROM lapse_sweeps WHERE organization_id = $1 AND "trigger" = 'nightly'`, [organizationId]);
    if (rows.length) return rows[0].id;
    if (Date.now() > deadline) throw new Error('the nightly job created no sweep within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Chunk transactions open in PostgreSQL right now: the lapse detector's bulk pool, not idle, and
 * not the outbox relay (which shares the pool; its transaction is the DELETE of a batch).
 */
export async function chunksBeingScored(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = 'comeback-lapse-detector-bulk' AND state <> 'idle' AND query NOT LIKE 'DELETE FROM outbox_events%'`,
  );
  return rows[0].n;
}

export async function sweepProgress(pool: Pool, sweepId: string): Promise<{ status: string; chunks_done: number; chunks_total: number; error: string | null }> {
  return (await pool.query(`SELECT status, chunks_done, chunks_total, error FROM lapse_sweeps WHERE id = $1`, [sweepId])).rows[0];
}

/** Lost and duplicated against the known answer: episodes per client, and events per episode in the consumer's queue. */
export interface SweepOutcome {
  /** Clients that should have an episode (at risk or lapsed) and have none, or one of the wrong status, plus episodes without their event. */
  lost: number;
  /** Episodes beyond one per client, plus events beyond one per episode. */
  duplicated: number;
  episodes: number;
  events: number;
}

/**
 * Checks a finished sweep's work: each at-risk or lapsed client has exactly one episode of that
 * status and each episode exactly one event (`client.at-risk` / `client.churned`) waiting in the
 * client-activity consumer's queue (no consumer runs in these tests, so every event the outbox
 * relay published is there). Events are read from Redis, not from the outbox: an event left in
 * the outbox counts as lost.
 */
export async function sweepOutcome(pool: Pool, redisUrl: string, prefix: string, organizationId: string): Promise<SweepOutcome> {
  const { rows: clients } = await pool.query<{ client_id: string; expected: string | null; episodes: number; status: string | null; episode_id: string | null }>(
    `SELECT c.id::text AS client_id,
            CASE ($2::int[])[1 + c.id % 4] WHEN 2 THEN NULL WHEN 17 THEN 'at_risk' ELSE 'lapsed' END AS expected,
            count(e.id)::int AS episodes, min(e.status) AS status, min(e.id)::text AS episode_id
       FROM clients c LEFT JOIN churn_episodes e ON e.organization_id = c.organization_id AND e.client_id = c.id
      WHERE c.organization_id = $1 GROUP BY c.id`,
    [organizationId, LAST_VISIT_DAYS_AGO],
  );
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(eventQueueName(EventConsumer.ClientActivity), { connection, prefix });
  const eventsPerEpisode = new Map<string, string[]>();
  try {
    const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'waiting-children']);
    for (const job of jobs) {
      const envelope = job.data as EventEnvelope;
      const episodeId = (envelope.payload as { episodeId?: string }).episodeId;
      if (episodeId) eventsPerEpisode.set(episodeId, [...(eventsPerEpisode.get(episodeId) ?? []), envelope.name]);
    }
  } finally {
    await queue.close();
    await connection.quit();
  }
  let lost = 0;
  let duplicated = 0;
  let episodes = 0;
  let events = 0;
  for (const c of clients) {
    episodes += c.episodes;
    if (c.episodes > 1) duplicated += c.episodes - 1;
    if (c.expected && (c.episodes === 0 || c.status !== c.expected)) lost++;
    if (!c.expected && c.episodes > 0) duplicated += c.episodes; // an episode no client should have
    if (c.episode_id) {
      const names = eventsPerEpisode.get(c.episode_id) ?? [];
      events += names.length;
      const expectedName = c.status === 'lapsed' ? 'client.churned' : 'client.at-risk';
      const right = names.filter((n) => n === expectedName).length;
      if (right === 0) lost++;
      duplicated += names.length - Math.min(right, 1);
    }
  }
  return { lost, duplicated, episodes, events };
}
