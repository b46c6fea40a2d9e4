import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Channel fallback and replies on campaign messages:
 * - messages.fallback_of: the message (on an earlier channel of the campaign's order) this one
 *   replaces because it was not delivered in time or was refused;
 * - messages.replied_at: when the client answered this message (sandbox replies now; the
 *   response collector's webhooks later). A replied message never falls back;
 * - sandbox_messages.direction: 'out' for what the sandbox provider "sent", 'in' for a reply
 *   staff simulated from the sandbox inbox.
 */
export class CampaignFallbackReplies1764500000000 implements MigrationInterface {
  name = 'CampaignFallbackReplies1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "messages" ADD "fallback_of" bigint`);
    await q.query(`ALTER TABLE "messages" ADD "replied_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "sandbox_messages" ADD "direction" text NOT NULL DEFAULT 'out'`);
    await q.query(`ALTER TABLE "sandbox_messages" ADD CONSTRAINT "ck_sandbox_messages_direction" CHECK (direction IN ('out','in'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "sandbox_messages" DROP CONSTRAINT "ck_sandbox_messages_direction"`);
    await q.query(`ALTER TABLE "sandbox_messages" DROP COLUMN "direction"`);
    await q.query(`ALTER TABLE "messages" DROP COLUMN "replied_at"`);
    await q.query(`ALTER TABLE "messages" DROP COLUMN "fallback_of"`);
  }
}
