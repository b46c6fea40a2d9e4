import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { EventName, type EventEnvelope } from '@comeback/contracts';
import { ClientActivityService } from './client-activity.service';

/**
 * The `client-activity` consumer: one handler per subscribed event (checked against the contract
 * when the transport starts). Events arrive through the durable BullMQ transport.
 */
@Controller()
export class ClientActivityConsumer {
  constructor(private readonly activity: ClientActivityService) {}

  @EventPattern(EventName.ClientAtRisk)
  async onAtRisk(@Payload() event: EventEnvelope<EventName.ClientAtRisk>): Promise<void> {
    await this.activity.record(event);
  }

  @EventPattern(EventName.ClientChurned)
  async onChurned(@Payload() event: EventEnvelope<EventName.ClientChurned>): Promise<void> {
    await this.activity.record(event);
  }

  @EventPattern(EventName.ClientReturned)
  async onReturned(@Payload() event: EventEnvelope<EventName.ClientReturned>): Promise<void> {
    await this.activity.record(event);
  }

  @EventPattern(EventName.ReasonRecorded)
  async onReasonRecorded(@Payload() event: EventEnvelope<EventName.ReasonRecorded>): Promise<void> {
    await this.activity.recordReason(event);
  }

  @EventPattern(EventName.ReasonMerged)
  async onReasonMerged(@Payload() event: EventEnvelope<EventName.ReasonMerged>): Promise<void> {
    await this.activity.recordMerge(event);
  }
}
