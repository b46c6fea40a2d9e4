import { z } from 'zod';
import { COMMON_ENV, type ConfigOf, envVar, pgPoolSizeVar, portVar } from '@comeback/config';

/** Every environment variable the lapse-detector app reads; validated at start-up. */
export const LAPSE_DETECTOR_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3003),
  // Above LAPSE_WORKER_CONCURRENCY: each chunk in hand holds one connection; the planner, the
  // scheduler sync and the outbox relay need theirs.
  PG_POOL_SIZE: pgPoolSizeVar(),
  LAPSE_WORKER_CONCURRENCY: envVar(
    z.coerce.number().int().min(1).max(32).default(2),
    'Sweep chunks this replica scores at once (one PostgreSQL connection each); about one per database core.',
  ),
  LAPSE_CHUNK_CLIENTS: envVar(
    z.coerce.number().int().min(1).max(1_000_000).default(50_000),
    'Clients per sweep chunk: one job and one transaction each, shared by all replicas.',
  ),
  LAPSE_SCHEDULER_SYNC_SECONDS: envVar(
    z.coerce.number().int().min(10).max(86_400).default(300),
    'How often the nightly job schedulers are brought in line with the organizations (new ones, changed times).',
  ),
};

export type LapseDetectorConfig = ConfigOf<typeof LAPSE_DETECTOR_ENV>;
