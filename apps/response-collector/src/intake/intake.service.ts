import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { INBOUND_JOB_OPTIONS, inboundJobId, JobName, type InboundPayload } from '@comeback/contracts';
import { INBOUND_QUEUE } from './intake.tokens';

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
