import type { Pool } from 'pg';
import type { Channel } from '@comeback/templates';
import { MicroBatcher } from '../send/micro-batcher';
import type { ChannelProvider, OutboundMessage, SendReceipt } from './channel-provider';

/**
 * The demo's and development's provider: "sends" by writing the message to sandbox_messages
 * (direction 'out'), committed before the dispatcher records the outcome, exactly like a real
 * provider accepting a message we then fail to record. Staff read these in the console's sandbox
 * inbox and can simulate a reply (direction 'in'). The sandbox is a perfect network: a message it
 * accepts is delivered (the receipt says so, so the message ends `delivered` and never waits for a
 * fallback). It can say whether it already accepted a message (`lookup`), so a message left in
 * doubt by a crash is settled exactly.
 *
 * The messages sent at the same moment are written by one INSERT, the way a real provider's API
 * takes many requests at once: each `send` still resolves only once its own row is committed, but
 * they share the commit (a WAL flush), which was what bounded a big campaign through the sandbox.
 */
export class SandboxProvider<C extends Channel = Channel> implements ChannelProvider<C> {
  readonly name = 'sandbox';
  readonly reportsDelivery = true;
  private readonly accepts = new MicroBatcher((messages: OutboundMessage<C>[]) => this.accept(messages), { maxSize: 500, maxRunning: 2 });

  constructor(
    readonly channel: C,
    private readonly pool: Pool,
  ) {}

  send(message: OutboundMessage<C>): Promise<SendReceipt> {
    return this.accepts.add(message);
  }

  /** Writes the messages, one receipt per message in the same order. */
  private async accept(messages: OutboundMessage<C>[]): Promise<SendReceipt[]> {
    const { rows } = await this.pool.query<{ id: string; message_id: string }>(
      `INSERT INTO sandbox_messages (organization_id, message_id, channel, to_address, content)
       SELECT m.organization_id, m.message_id, m.channel, m.to_address, m.content::jsonb
         FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[]) AS m(organization_id, message_id, channel, to_address, content)
       RETURNING id::text, message_id::text`,
      [
        messages.map((m) => m.organizationId), messages.map((m) => m.messageId), messages.map((m) => m.channel), messages.map((m) => m.to),
        messages.map((m) => JSON.stringify(m.content)),
      ],
    );
    // Matched by message id rather than by position (RETURNING promises no order).
    const ids = new Map<string, string[]>();
    for (const r of rows) ids.set(r.message_id, [...(ids.get(r.message_id) ?? []), r.id]);
    return messages.map((m) => ({ providerMessageId: `sandbox-${ids.get(m.messageId)!.shift()}`, delivered: true }));
  }

  async lookup(messageId: string): Promise<SendReceipt | null> {
    const { rows } = await this.pool.query<{ id: string }>(`SELECT id::text FROM sandbox_messages WHERE message_id = $1 AND direction = 'out' ORDER BY id LIMIT 1`, [messageId]);
    return rows.length ? { providerMessageId: `sandbox-${rows[0].id}`, delivered: true } : null;
  }
}
