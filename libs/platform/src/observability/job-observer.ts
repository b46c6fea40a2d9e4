import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { currentCorrelation, isWellFormedCorrelationId, runWithCorrelation, withCorrelationId } from './correlation';
import { countProcessedJob } from './process-metrics';

const INSTALLED = Symbol.for('comeback.job-observer');

/** Errors a processor throws to put its job back (allowed hours, rate limit), not failures. */
const RESCHEDULING_ERRORS = new Set(['DelayedError', 'WaitingError', 'WaitingChildrenError', 'RateLimitError']);

type ProcessJob = (this: Worker, job: { id?: string; data?: unknown }, token?: string, signal?: AbortSignal) => Promise<unknown>;
type Add = (this: Queue, name: string, data: unknown, opts?: unknown) => Promise<unknown>;
type AddBulk = (this: Queue, jobs: { name: string; data: unknown; opts?: unknown }[]) => Promise<unknown>;

/**
 * Carries the correlation id from a request to the jobs it causes, and from a job to the jobs it
 * queues, and counts jobs by queue and outcome. Installed once per process, on BullMQ's prototypes,
 * since the apps create their Queues and Workers themselves (processors, the outbox relay, the
 * event transport):
 *
 * - Queue#add and #addBulk put the running request's or job's correlation id into each payload as
 *   `correlationId` (the contracts' `Correlated`; withCorrelationId), so no call site does it by
 *   hand. The job's id and options are left alone: deduplication by job id is unchanged.
 * - Worker#callProcessJob, BullMQ's documented extension point for subclasses (it calls the
 *   processor function), runs each job with its queue, its id and the payload's correlation id, or
 *   a new one when the payload has none (a job scheduler's job), which the jobs it queues inherit:
 *   a nightly sweep, its chunks and their events share one.
 */
export function observeBullmqJobs(): void {
  const worker = Worker.prototype as unknown as { callProcessJob: ProcessJob; [INSTALLED]?: true };
  if (worker[INSTALLED]) return;
  worker[INSTALLED] = true;
  const processJob = worker.callProcessJob;
  worker.callProcessJob = function (this: Worker, job, token, signal) {
    const payload = job.data as { correlationId?: unknown } | undefined;
    const correlationId = isWellFormedCorrelationId(payload?.correlationId) ? payload.correlationId : randomUUID();
    const queue = this.name;
    return runWithCorrelation({ correlationId, queue, jobId: job.id }, async () => {
      try {
        const result = await processJob.call(this, job, token, signal);
        countProcessedJob(queue, 'completed');
        return result;
      } catch (err) {
        if (!RESCHEDULING_ERRORS.has((err as Error)?.name)) countProcessedJob(queue, 'failed');
        throw err;
      }
    });
  };

  const queue = Queue.prototype as unknown as { add: Add; addBulk: AddBulk };
  const add = queue.add;
  const addBulk = queue.addBulk;
  queue.add = function (this: Queue, name, data, opts) {
    return add.call(this, name, withCorrelationId(data), opts);
  };
  queue.addBulk = function (this: Queue, jobs) {
    return addBulk.call(this, currentCorrelation()?.correlationId === undefined ? jobs : jobs.map((job) => ({ ...job, data: withCorrelationId(job.data) })));
  };
}
