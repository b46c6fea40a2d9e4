export { appendEvents, type NewEvent } from './outbox';
export { EVENT_JOB_OPTIONS, OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
export { handleEventOnce } from './event-receipts';
export { BullMqEventContext, BullMqEventTransport, type BullMqEventTransportOptions } from './bullmq-event.transport';
export { connectEventConsumer, OutboxRelayModule, OutboxRelayService } from './events.module';
