import type { Pool, PoolClient } from 'pg';
import type { Channel } from '@comeback/domain';

/** The consent column of each channel (a fixed map: no text from a request reaches the SQL). */
const CONSENT_COLUMN: Readonly<Record<Channel, string>> = { sms: 'consent_sms', email: 'consent_email', viber: 'consent_viber', voice: 'consent_voice' };

/**
 * Sets a client's consent on one channel and writes its consent_changes row, in one statement:
 * the update takes the client row's lock and re-checks the condition, so of two concurrent
 * requests exactly one changes the consent and records it. Returns whether it changed.
 */
export async function setClientConsent(
  db: Pool | PoolClient,
  c: { organizationId: string; clientId: string; channel: Channel; status: 'revoked' | 'granted'; source: string },
): Promise<boolean> {
  const column = CONSENT_COLUMN[c.channel];
  const { rowCount } = await db.query(
    `WITH changed AS (
       UPDATE clients SET ${column} = $3, updated_at = now()
        WHERE organization_id = $1 AND id = $2 AND ${column} <> $3
        RETURNING organization_id, id
     )
     INSERT INTO consent_changes (organization_id, client_id, channel, status, source)
     SELECT organization_id, id, $4, $3, $5 FROM changed`,
    [c.organizationId, c.clientId, c.status, c.channel, c.source],
  );
  return (rowCount ?? 0) > 0;
}
