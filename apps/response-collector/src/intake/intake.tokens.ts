/** The BullMQ queue inbound requests wait in until they are processed. */
export const INBOUND_QUEUE = Symbol('INBOUND_QUEUE');

/** The inbound queue's own Redis connection (auto-pipelined), apart from the app's. */
export const INTAKE_REDIS = Symbol('INTAKE_REDIS');
