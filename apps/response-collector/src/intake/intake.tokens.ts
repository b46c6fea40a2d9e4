/** The BullMQ queue inbound requests wait in until they are processed. */
export const INBOUND_QUEUE = Symbol('INBOUND_QUEUE');
