import { Worker } from 'bullmq';
import { isWellFormedCorrelationId, runWithCorrelation } from './correlation';
import { countProcessedJob } from './process-metrics';

const INSTALLED = Symbol.for('comeback.job-observer');

/** Errors a processor throws to put its job back (allowed hours, rate limit), not failures. */
const RESCHEDULING_ERRORS = new Set(['DelayedError', 'WaitingError', 'WaitingChildrenError', 'RateLimitError']);

type ProcessJob = (this: Worker, job: { id?: string; data?: unknown }, token?: string, signal?: AbortSignal) => Promise<unknown>;

/**
 * Every BullMQ job of the process runs with a correlation (its queue and id, and the correlation
 * id of the request that queued it when the payload carries one as `correlationId`), and is
 * counted by queue and outcome. The apps create their Workers themselves (processors, the event
 * transport), so the one place all jobs pass is Worker#callProcessJob, BullMQ's documented
 * extension point for subclasses (it calls the processor function); it is wrapped once per process.
 */
export function observeBullmqJobs(): void {
  const proto = Worker.prototype as unknown as { callProcessJob: ProcessJob; [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  proto[INSTALLED] = true;
  const original = proto.callProcessJob;
  proto.callProcessJob = function (this: Worker, job, token, signal) {
    const payload = job.data as { correlationId?: unknown } | undefined;
    const correlationId = isWellFormedCorrelationId(payload?.correlationId) ? payload.correlationId : undefined;
    const queue = this.name;
    return runWithCorrelation({ ...(correlationId ? { correlationId } : {}), queue, jobId: job.id }, async () => {
      try {
        const result = await original.call(this, job, token, signal);
        countProcessedJob(queue, 'completed');
        return result;
      } catch (err) {
        if (!RESCHEDULING_ERRORS.has((err as Error)?.name)) countProcessedJob(queue, 'failed');
        throw err;
      }
    });
  };
}
