/**
 * What handling one inbound request wrote: `note`, a sentence saying why it wrote nothing (kept on
 * its inbound_requests row), and `events`, how many events went to the outbox with it (committed:
 * the inbound worker then kicks the outbox relay, so they are published at once).
 */
export interface InboundOutcome {
  note: string | null;
  events: number;
}
