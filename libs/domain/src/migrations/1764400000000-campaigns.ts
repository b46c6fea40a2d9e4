import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaigns and dispatch (apps campaign and dispatcher):
 * - organizations.messaging_settings: quiet hours, frequency cap, prices and each channel's
 *   provider (parsed by parseMessagingSettings; secrets are named environment variables, never
 *   stored here);
 * - message_templates: one per (template key, channel, locale), validated on save;
 * - campaigns: audience filters, channel order with fallback, schedule, control share, state;
 * - campaign_recipients: the audience frozen when the campaign starts (control group marked);
 * - messages: one row per (campaign, client, channel), unique, holding the rendered content and
 *   the delivery state the dispatcher moves forward; the BullMQ job carries only its id;
 * - sandbox_messages: what the sandbox provider "sent" (the demo's and development's outbox),
 *   deliberately without a unique key, so a duplicate send would show.
 */
export class Campaigns1764400000000 implements MigrationInterface {
  name = 'Campaigns1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "organizations" ADD "messaging_settings" jsonb NOT NULL DEFAULT '{}'`);

    await q.query(`CREATE TABLE "message_templates" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "key" text NOT NULL, "channel" text NOT NULL, "locale" text NOT NULL, "parts" jsonb NOT NULL, "updated_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_message_templates_channel" CHECK (channel IN ('sms','email','viber','voice')), CONSTRAINT "pk_message_templates" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "ux_message_templates_key_channel_locale" ON "message_templates" ("organization_id", "key", "channel", "locale") `);
    await q.query(`ALTER TABLE "message_templates" ADD CONSTRAINT "fk_message_templates_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "message_templates" ADD CONSTRAINT "fk_message_templates_updated_by" FOREIGN KEY ("updated_by") REFERENCES "staff_accounts"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "campaigns" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "name" text NOT NULL, "status" text NOT NULL DEFAULT 'draft', "template_key" text NOT NULL, "channels" text array NOT NULL, "fallback_after_hours" integer, "control_share" numeric(4,3) NOT NULL DEFAULT '0', "audience" jsonb NOT NULL DEFAULT '{}', "scheduled_at" TIMESTAMP WITH TIME ZONE, "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, "recipients" integer NOT NULL DEFAULT '0', "held_out" integer NOT NULL DEFAULT '0', "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_campaigns_status" CHECK (status IN ('draft','scheduled','running','paused','done','cancelled')), CONSTRAINT "ck_campaigns_control_share" CHECK (control_share >= 0 AND control_share < 1), CONSTRAINT "pk_campaigns" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_campaigns_org_created" ON "campaigns" ("organization_id", "created_at") `);
    await q.query(`ALTER TABLE "campaigns" ADD CONSTRAINT "fk_campaigns_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "campaigns" ADD CONSTRAINT "fk_campaigns_created_by" FOREIGN KEY ("created_by") REFERENCES "staff_accounts"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "campaign_recipients" ("campaign_id" bigint NOT NULL, "client_id" bigint NOT NULL, "organization_id" uuid NOT NULL, "episode_id" bigint, "control" boolean NOT NULL, CONSTRAINT "pk_campaign_recipients" PRIMARY KEY ("campaign_id", "client_id"))`);
    await q.query(`ALTER TABLE "campaign_recipients" ADD CONSTRAINT "fk_campaign_recipients_campaign" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "messages" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "campaign_id" bigint NOT NULL, "client_id" bigint NOT NULL, "channel" text NOT NULL, "status" text NOT NULL DEFAULT 'queued', "to_address" text NOT NULL, "locale" text NOT NULL, "content" jsonb NOT NULL, "feedback_token_hash" bytea, "segments" integer, "cost" numeric(12,4), "not_before" TIMESTAMP WITH TIME ZONE, "attempts" integer NOT NULL DEFAULT '0', "provider" text, "provider_message_id" text, "last_error_code" text, "last_error" text, "queued_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "claimed_at" TIMESTAMP WITH TIME ZONE, "sent_at" TIMESTAMP WITH TIME ZONE, "delivered_at" TIMESTAMP WITH TIME ZONE, "failed_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_messages_channel" CHECK (channel IN ('sms','email','viber','voice')), CONSTRAINT "ck_messages_status" CHECK (status IN ('queued','sending','sent','delivered','undelivered','failed','dead','in_doubt','cancelled')), CONSTRAINT "pk_messages" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "ux_messages_campaign_client_channel" ON "messages" ("campaign_id", "client_id", "channel") `);
    await q.query(`CREATE INDEX "ix_messages_campaign_status" ON "messages" ("campaign_id", "status") `);
    await q.query(`CREATE INDEX "ix_messages_org_client_sent" ON "messages" ("organization_id", "client_id", "sent_at") `);
    await q.query(`CREATE UNIQUE INDEX "ux_messages_feedback_token" ON "messages" ("feedback_token_hash") WHERE feedback_token_hash IS NOT NULL`);
    await q.query(`ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_campaign" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "sandbox_messages" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "message_id" bigint NOT NULL, "channel" text NOT NULL, "to_address" text NOT NULL, "content" jsonb NOT NULL, "accepted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_sandbox_messages" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_sandbox_messages_message" ON "sandbox_messages" ("message_id") `);
    await q.query(`CREATE INDEX "ix_sandbox_messages_org_accepted" ON "sandbox_messages" ("organization_id", "accepted_at") `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "sandbox_messages"`);
    await q.query(`DROP TABLE "messages"`);
    await q.query(`DROP TABLE "campaign_recipients"`);
    await q.query(`DROP TABLE "campaigns"`);
    await q.query(`DROP TABLE "message_templates"`);
    await q.query(`ALTER TABLE "organizations" DROP COLUMN "messaging_settings"`);
  }
}
