import type { Pool } from 'pg';
import type { Channel } from '@comeback/templates';
import type { ChannelProvider, OutboundMessage, SendReceipt } from './channel-provider';

/**
 * The demo's and development's provider: "sends" by writing the message to sandbox_messages, in
 * its own statement, committed before the dispatcher records the outcome, exactly like a real
 * provider accepting a message we then fail to record. Staff read these in the console's sandbox
 * inbox and can simulate a reply. It can say whether it already accepted a message (`lookup`), so
 * a message left in doubt by a crash is settled exactly.
 */
export class SandboxProvider<C extends Channel = Channel> implements ChannelProvider<C> {
  readonly name = 'sandbox';

  constructor(
    readonly channel: C,
    private readonly pool: Pool,
  ) {}

  async send(message: OutboundMessage<C>): Promise<SendReceipt> {
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO sandbox_messages (organization_id, message_id, channel, to_address, content) VALUES ($1, $2, $3, $4, $5) RETURNING id::text`,
      [message.organizationId, message.messageId, message.channel, message.to, message.content],
    );
    return { providerMessageId: `sandbox-${rows[0].id}` };
  }

  async lookup(messageId: string): Promise<SendReceipt | null> {
    const { rows } = await this.pool.query<{ id: string }>(`SELECT id::text FROM sandbox_messages WHERE message_id = $1 ORDER BY id LIMIT 1`, [messageId]);
    return rows.length ? { providerMessageId: `sandbox-${rows[0].id}` } : null;
  }
}
