import type { Pool, PoolClient } from 'pg';
import type { EventName, EventPayloads } from '@comeback/contracts';
import { withCorrelationId } from '@comeback/platform';

export interface NewEvent<E extends EventName = EventName> {
  name: E;
  payload: EventPayloads[E];
}

/**
 * Appends events to the outbox inside the caller's transaction (pass the transaction's client),
 * so they exist exactly when the change they describe commits. Each payload gets the running
 * request's or job's correlation id (the contracts' `Correlated`), which the relay hands on with
 * the event. Set-based writers (the lapse sweep) insert into outbox_events in their own SQL
 * instead; this is for the few-rows case.
 */
export async function appendEvents(client: PoolClient | Pool, organizationId: string, events: NewEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO outbox_events (organization_id, name, payload)
     SELECT $1, e.name, e.payload FROM unnest($2::text[], $3::jsonb[]) AS e(name, payload)
     RETURNING id`,
    [organizationId, events.map((e) => e.name), events.map((e) => JSON.stringify(withCorrelationId(e.payload)))],
  );
  return rows.map((r) => r.id);
}
