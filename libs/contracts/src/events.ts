import type { Correlated } from './queues';

/**
 * Domain events: facts that happened, written to the outbox in the same transaction as the change
 * they describe and delivered to every subscribed consumer, each through its own durable queue
 * (so a consumer that is down receives them when it starts). Payloads carry ids, and the
 * correlation id of the work that wrote them (Correlated, in queues.ts); consumers read the rows
 * they need.
 */
export enum EventName {
  /** A regular client is overdue by their own rhythm (a churn episode opened as at risk). */
  ClientAtRisk = 'client.at-risk',
  /** A client lapsed: the episode is now (or opened as) lapsed. */
  ClientChurned = 'client.churned',
  /** A client with an open episode visited again; the episode is closed. */
  ClientReturned = 'client.returned',
  /** A client's reason for leaving was recorded from their reply (SMS, Viber, voice keypad, feedback page). */
  ReasonRecorded = 'reason.recorded',
  /**
   * Staff merged one reason of the organization's list into another: everything that named it
   * (episodes, replies, feedback answers, call tasks, candidates, aliases, labels) names the target
   * now. Written in the merge's transaction. The client timeline's entries keep a copy of the reason
   * they recorded (id and label), which the client-activity consumer brings up to date.
   */
  ReasonMerged = 'reason.merged',
}

interface EpisodeEvent extends Correlated {
  organizationId: string;
  clientId: string;
  episodeId: string;
}

/** The reply a reason came from is the row to read: its reason (or candidate), channel and words. */
interface ReasonEvent extends EpisodeEvent {
  replyId: string;
}

/** The merged reason (retired, merged_into_id set) and the one it now is; how many rows moved over, for the record. */
export interface ReasonMergedEvent extends Correlated {
  organizationId: string;
  fromReasonId: string;
  intoReasonId: string;
  moved: { episodes: number; replies: number; feedbackResponses: number; callTasks: number; callOutcomes: number; candidates: number; aliases: number; labels: number };
}

export interface EventPayloads {
  [EventName.ClientAtRisk]: EpisodeEvent;
  [EventName.ClientChurned]: EpisodeEvent;
  [EventName.ClientReturned]: EpisodeEvent;
  [EventName.ReasonRecorded]: ReasonEvent;
  [EventName.ReasonMerged]: ReasonMergedEvent;
}

/**
 * An event as a consumer receives it: the outbox row's id makes handling idempotent. The payload's
 * correlation id (of the request or job whose transaction wrote the event) is moved up here by the
 * outbox relay, where the consumer's worker reads it like any job's.
 */
export interface EventEnvelope<E extends EventName = EventName> extends Correlated {
  id: string;
  name: E;
  occurredAt: string;
  payload: EventPayloads[E];
}

/** The consumers of events. Each has one durable queue, `events.<consumer>`. */
export enum EventConsumer {
  /** The report service keeps each client's activity timeline (the client card). */
  ClientActivity = 'client-activity',
}

/** Who receives which event. The outbox relay fans out by this table; consumers check it at start-up. */
export const EVENT_SUBSCRIPTIONS: { readonly [C in EventConsumer]: readonly EventName[] } = {
  [EventConsumer.ClientActivity]: [EventName.ClientAtRisk, EventName.ClientChurned, EventName.ClientReturned, EventName.ReasonRecorded, EventName.ReasonMerged],
};

export function consumersOf(event: EventName): EventConsumer[] {
  return (Object.keys(EVENT_SUBSCRIPTIONS) as EventConsumer[]).filter((c) => EVENT_SUBSCRIPTIONS[c].includes(event));
}

export function eventQueueName(consumer: EventConsumer): string {
  return `events.${consumer}`;
}
