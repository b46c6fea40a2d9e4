import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/**
 * What belongs to the process rather than to one app: Node's default metrics (CPU, memory, event
 * loop lag, GC) and the BullMQ jobs its workers processed (the job observer wraps every Worker of
 * the process, whichever app created it). In production a process is one app; a test that builds
 * several apps in one process sees their jobs together.
 */
let registry: Registry | undefined;
let jobs: Counter<'queue' | 'outcome'> | undefined;

export function processRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
    jobs = new Counter({
      name: 'comeback_jobs_processed_total',
      help: 'BullMQ jobs processed by this process, by queue and outcome (completed, failed). Jobs put back to wait (delayed until allowed hours, rate limited) are not counted.',
      labelNames: ['queue', 'outcome'] as const,
      registers: [registry],
    });
  }
  return registry;
}

/** Counts one processed job. */
export function countProcessedJob(queue: string, outcome: 'completed' | 'failed'): void {
  processRegistry();
  jobs!.inc({ queue, outcome });
}
