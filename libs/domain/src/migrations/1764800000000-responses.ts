import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Responses and the reason list (app response-collector, libs/reasons):
 * - inbound_requests: every accepted webhook / form as received, unique per (source, idempotency
 *   key), the ledger of the durable intake (a provider's retry changes nothing);
 * - replies: what clients said back on any channel, matched to client, message and episode when
 *   possible, else kept for review (unknown sender);
 * - feedback_responses: the feedback page's answer, one per message (a second submit updates);
 * - call_tasks: the call list, one per client and win-back cycle;
 * - reason_labels, reason_aliases, reason_candidates; churn_reasons.usage_count, retired_at,
 *   merged_into_id: the self-learning reason list;
 * - messages.feedback_revoked_at (a revoked link answers 410); churn_episodes.reason_channel.
 */
export class Responses1764800000000 implements MigrationInterface {
  name = 'Responses1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "inbound_requests" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "source" text NOT NULL, "idempotency_key" text NOT NULL, "payload" jsonb NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "status" text NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "processed_at" TIMESTAMP WITH TIME ZONE, "error" text, CONSTRAINT "ck_inbound_requests_status" CHECK (status IN ('pending','processed','failed')), CONSTRAINT "pk_inbound_requests" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_inbound_requests_pending" ON "inbound_requests" ("received_at") WHERE status = 'pending'`);
    await q.query(`CREATE UNIQUE INDEX "ux_inbound_requests_source_key" ON "inbound_requests" ("source", "idempotency_key") `);
    await q.query(`CREATE TABLE "replies" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid, "client_id" bigint, "message_id" bigint, "episode_id" bigint, "channel" text NOT NULL, "from_address" text, "text" text, "kind" text NOT NULL, "reason_id" bigint, "candidate_id" bigint, "match_score" real, "matched_by" text, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "inbound_request_id" bigint, "needs_review" boolean NOT NULL DEFAULT false, CONSTRAINT "ck_replies_kind" CHECK (kind IN ('reason','free_text','opt_out','opt_in','help','keypad','feedback','unknown_sender')), CONSTRAINT "pk_replies" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "ux_replies_inbound_request" ON "replies" ("inbound_request_id") WHERE inbound_request_id IS NOT NULL`);
    await q.query(`CREATE INDEX "ix_replies_org_client" ON "replies" ("organization_id", "client_id") `);
    await q.query(`CREATE INDEX "ix_replies_org_received" ON "replies" ("organization_id", "received_at") `);
    await q.query(`CREATE TABLE "feedback_responses" ("message_id" bigint NOT NULL, "organization_id" uuid NOT NULL, "client_id" bigint NOT NULL, "reason_id" bigint, "free_text" text, "call_me" boolean NOT NULL DEFAULT false, "call_time" text, "rating" smallint, "submitted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_feedback_responses_rating" CHECK (rating IS NULL OR rating BETWEEN 1 AND 5), CONSTRAINT "pk_feedback_responses" PRIMARY KEY ("message_id"))`);
    await q.query(`CREATE TABLE "call_tasks" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "client_id" bigint NOT NULL, "episode_id" bigint, "cycle" date NOT NULL, "queue" text NOT NULL, "source" text NOT NULL, "preferred_time" text, "status" text NOT NULL DEFAULT 'open', "reason_id" bigint, "offer_made" text, "agreed_to_return" boolean, "note" text, "done_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_call_tasks_status" CHECK (status IN ('open','done','call_back','no_answer')), CONSTRAINT "ck_call_tasks_queue" CHECK (queue IN ('managers','retention')), CONSTRAINT "pk_call_tasks" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_call_tasks_open" ON "call_tasks" ("organization_id", "queue", "status") `);
    await q.query(`CREATE UNIQUE INDEX "ux_call_tasks_client_cycle" ON "call_tasks" ("organization_id", "client_id", "cycle") `);
    await q.query(`CREATE TABLE "reason_labels" ("reason_id" bigint NOT NULL, "locale" text NOT NULL, "label" text NOT NULL, CONSTRAINT "pk_reason_labels" PRIMARY KEY ("reason_id", "locale"))`);
    await q.query(`CREATE TABLE "reason_aliases" ("organization_id" uuid NOT NULL, "normalized" text NOT NULL, "reason_id" bigint NOT NULL, "source" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_reason_aliases" PRIMARY KEY ("organization_id", "normalized"))`);
    await q.query(`CREATE INDEX "ix_reason_aliases_reason" ON "reason_aliases" ("reason_id") `);
    await q.query(`CREATE TABLE "reason_candidates" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "normalized" text NOT NULL, "sample_text" text NOT NULL, "occurrences" integer NOT NULL DEFAULT '1', "status" text NOT NULL DEFAULT 'open', "reason_id" bigint, "best_reason_id" bigint, "best_score" real, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "resolved_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "ck_reason_candidates_status" CHECK (status IN ('open','accepted','mapped','dismissed')), CONSTRAINT "pk_reason_candidates" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_reason_candidates_open" ON "reason_candidates" ("organization_id", "status") `);
    await q.query(`CREATE UNIQUE INDEX "ux_reason_candidates_org_text" ON "reason_candidates" ("organization_id", "normalized") `);
    await q.query(`ALTER TABLE "messages" ADD "feedback_revoked_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "churn_reasons" ADD "usage_count" integer NOT NULL DEFAULT '0'`);
    await q.query(`ALTER TABLE "churn_reasons" ADD "retired_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "churn_reasons" ADD "merged_into_id" bigint`);
    await q.query(`ALTER TABLE "churn_episodes" ADD "reason_channel" text`);
    await q.query(`ALTER TABLE "churn_reasons" ADD CONSTRAINT "fk_churn_reasons_merged_into" FOREIGN KEY ("merged_into_id") REFERENCES "churn_reasons"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "replies" ADD CONSTRAINT "fk_replies_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "replies" ADD CONSTRAINT "fk_replies_reason" FOREIGN KEY ("reason_id") REFERENCES "churn_reasons"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "feedback_responses" ADD CONSTRAINT "fk_feedback_responses_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "call_tasks" ADD CONSTRAINT "fk_call_tasks_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "reason_labels" ADD CONSTRAINT "fk_reason_labels_reason" FOREIGN KEY ("reason_id") REFERENCES "churn_reasons"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "reason_aliases" ADD CONSTRAINT "fk_reason_aliases_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "reason_aliases" ADD CONSTRAINT "fk_reason_aliases_reason" FOREIGN KEY ("reason_id") REFERENCES "churn_reasons"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "reason_candidates" ADD CONSTRAINT "fk_reason_candidates_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "reason_candidates" ADD CONSTRAINT "fk_reason_candidates_reason" FOREIGN KEY ("reason_id") REFERENCES "churn_reasons"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "reason_candidates" DROP CONSTRAINT "fk_reason_candidates_reason"`);
    await q.query(`ALTER TABLE "reason_candidates" DROP CONSTRAINT "fk_reason_candidates_organization"`);
    await q.query(`ALTER TABLE "reason_aliases" DROP CONSTRAINT "fk_reason_aliases_reason"`);
    await q.query(`ALTER TABLE "reason_aliases" DROP CONSTRAINT "fk_reason_aliases_organization"`);
    await q.query(`ALTER TABLE "reason_labels" DROP CONSTRAINT "fk_reason_labels_reason"`);
    await q.query(`ALTER TABLE "call_tasks" DROP CONSTRAINT "fk_call_tasks_organization"`);
    await q.query(`ALTER TABLE "feedback_responses" DROP CONSTRAINT "fk_feedback_responses_organization"`);
    await q.query(`ALTER TABLE "replies" DROP CONSTRAINT "fk_replies_reason"`);
    await q.query(`ALTER TABLE "replies" DROP CONSTRAINT "fk_replies_organization"`);
    await q.query(`ALTER TABLE "churn_reasons" DROP CONSTRAINT "fk_churn_reasons_merged_into"`);
    await q.query(`ALTER TABLE "churn_episodes" DROP COLUMN "reason_channel"`);
    await q.query(`ALTER TABLE "churn_reasons" DROP COLUMN "merged_into_id"`);
    await q.query(`ALTER TABLE "churn_reasons" DROP COLUMN "retired_at"`);
    await q.query(`ALTER TABLE "churn_reasons" DROP COLUMN "usage_count"`);
    await q.query(`ALTER TABLE "messages" DROP COLUMN "feedback_revoked_at"`);
    await q.query(`DROP INDEX "public"."ux_reason_candidates_org_text"`);
    await q.query(`DROP INDEX "public"."ix_reason_candidates_open"`);
    await q.query(`DROP TABLE "reason_candidates"`);
    await q.query(`DROP INDEX "public"."ix_reason_aliases_reason"`);
    await q.query(`DROP TABLE "reason_aliases"`);
    await q.query(`DROP TABLE "reason_labels"`);
    await q.query(`DROP INDEX "public"."ux_call_tasks_client_cycle"`);
    await q.query(`DROP INDEX "public"."ix_call_tasks_open"`);
    await q.query(`DROP TABLE "call_tasks"`);
    await q.query(`DROP TABLE "feedback_responses"`);
    await q.query(`DROP INDEX "public"."ix_replies_org_received"`);
    await q.query(`DROP INDEX "public"."ix_replies_org_client"`);
    await q.query(`DROP INDEX "public"."ux_replies_inbound_request"`);
    await q.query(`DROP TABLE "replies"`);
    await q.query(`DROP INDEX "public"."ux_inbound_requests_source_key"`);
    await q.query(`DROP INDEX "public"."ix_inbound_requests_pending"`);
    await q.query(`DROP TABLE "inbound_requests"`);
  }
}
