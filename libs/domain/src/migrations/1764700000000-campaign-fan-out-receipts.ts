import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - campaigns.fanned_out_at: when the fan-out wrote the campaign's last message. Until then a
 *   running campaign is never done, whatever its messages say (a fan-out that crashed has
 *   written only part of the audience; its restart finishes the job);
 * - messages.receipts_expected: the provider will report delivery for this message (a status
 *   callback was asked for, or it delivered on accept). Only such a message can be "undelivered
 *   after N hours": one whose provider never reports delivery (SMTP, or no callback URL) falls
 *   back only when refused.
 */
export class CampaignFanOutReceipts1764700000000 implements MigrationInterface {
  name = 'CampaignFanOutReceipts1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "campaigns" ADD "fanned_out_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "messages" ADD "receipts_expected" boolean NOT NULL DEFAULT false`);
    // Campaigns already past their fan-out when this runs.
    await q.query(`UPDATE "campaigns" SET "fanned_out_at" = coalesce("started_at", now()) WHERE "status" IN ('done', 'cancelled') OR ("status" IN ('running', 'paused') AND EXISTS (SELECT 1 FROM "messages" m WHERE m."campaign_id" = "campaigns"."id"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "messages" DROP COLUMN "receipts_expected"`);
    await q.query(`ALTER TABLE "campaigns" DROP COLUMN "fanned_out_at"`);
  }
}
