import type { LapseDetectorConfig } from '../config';

/** The app's validated configuration, provided by SweepModule.forRoot. */
export const LAPSE_CONFIG = Symbol('LAPSE_CONFIG');
export type SweepConfig = Pick<LapseDetectorConfig, 'LAPSE_WORKER_CONCURRENCY' | 'LAPSE_CHUNK_CLIENTS' | 'LAPSE_SCHEDULER_SYNC_SECONDS'>;

/** The BullMQ queue of sweep jobs (QueueName.LapseSweep). */
export const LAPSE_QUEUE = Symbol('LAPSE_QUEUE');
