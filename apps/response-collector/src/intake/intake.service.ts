import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { INBOUND_JOB_OPTIONS, inboundJobId, JobName, type InboundPayload } from '@comeback/contracts';
import { findNul } from '@comeback/platform';
import { INBOUND_QUEUE } from './intake.tokens';

/**
 * PostgreSQL's text and jsonb cannot hold U+0000, so a reply carrying one (a phone's stray byte, a
 * hostile sender) failed every attempt of its worker and never reached the card. The provider has
 * already been told it was taken, so it is kept: each NUL becomes U+FFFD, the words around it stay
 * and the gap shows.
 */
function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k) as string, withoutNul(v)]));
  return value;
}

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
    // Nearly every request has no NUL: it is only searched for, not copied.
    const clean = findNul({ key, payload }) === null;
    const data: InboundPayload = {
      source,
      key: clean ? key : (withoutNul(key) as string),
      receivedAt: new Date().toISOString(),
      payload: clean ? payload : (withoutNul(payload) as Record<string, unknown>),
    };
    await this.queue.add(JobName.ProcessInbound, data, { ...INBOUND_JOB_OPTIONS, jobId: inboundJobId(source, key) });
  }
}
