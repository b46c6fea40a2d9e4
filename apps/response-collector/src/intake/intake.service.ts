import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { inboundJobId, JobName, type InboundPayload } from '@comeback/contracts';
import { INBOUND_QUEUE } from './intake.tokens';

/**
 * Retries of processing an inbound request: exponential from 5 s, 25 attempts, about two days in
 * all. Long enough to outlast a PostgreSQL outage; a job that still fails is kept (not removed) so
 * nothing is dropped silently.
 */
export const INBOUND_JOB_OPTIONS = { attempts: 25, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: true, removeOnFail: false } as const;

/**
 * The durable intake: a webhook whose signature checked out hands its request here, and answers
 * the provider once Redis has it (AOF on in production). Processing happens in the worker
 * (InboundProcessor), so a PostgreSQL outage delays replies but loses none. The job id is the
 * provider's event id, so a provider retrying a callback is queued once.
 */
@Injectable()
export class IntakeService {
  constructor(@Inject(INBOUND_QUEUE) private readonly queue: Queue) {}

  async accept(source: string, key: string, payload: Record<string, unknown>): Promise<void> {
    const data: InboundPayload = { source, key, receivedAt: new Date().toISOString(), payload };
    await this.queue.add(JobName.ProcessInbound, data, { ...INBOUND_JOB_OPTIONS, jobId: inboundJobId(source, key) });
  }
}
