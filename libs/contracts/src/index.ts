export { INBOUND_JOB_OPTIONS, inboundJobId, JOB_QUEUE, JobName, jobsOfQueue, QueueName, SEND_JOBS, sendJobId, type Correlated, type InboundPayload, type JobOf, type JobPayloads, type QueueJobs } from './queues';
export {
  consumersOf, EVENT_SUBSCRIPTIONS, EventConsumer, EventName, eventQueueName,
  type EventEnvelope, type EventPayloads, type ReasonMergedEvent,
} from './events';
export { assertHandlers, ContractMismatchError } from './handler-check';
