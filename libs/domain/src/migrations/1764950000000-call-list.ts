import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The call list (issue 6, part 6):
 * - call_outcomes: every call made from the list and what came of it (reached with reason, offer
 *   and agreement; call back later; no answer; do not call; wrong number), the task's history;
 * - call_tasks.status 'closed': ended without reaching the client;
 * - call_tasks.assigned_to (the caller who took it), call_back_at, attempts, value_at_creation;
 * - organizations.call_list_top_n: how many of the most valuable lost clients go to managers
 *   each win-back cycle (default 10).
 */
export class CallList1764950000000 implements MigrationInterface {
  name = 'CallList1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "call_outcomes" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "task_id" bigint NOT NULL, "client_id" bigint NOT NULL, "outcome" text NOT NULL, "reason_id" bigint, "client_words" text, "offer_made" text, "agreed_to_return" boolean, "call_back_at" TIMESTAMP WITH TIME ZONE, "note" text, "recorded_by" uuid, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_call_outcomes_outcome" CHECK (outcome IN ('reached','call_back','no_answer','do_not_call','wrong_number')), CONSTRAINT "pk_call_outcomes" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_call_outcomes_org_client" ON "call_outcomes" ("organization_id", "client_id") `);
    await q.query(`CREATE INDEX "ix_call_outcomes_task" ON "call_outcomes" ("task_id") `);
    await q.query(`ALTER TABLE "organizations" ADD "call_list_top_n" smallint NOT NULL DEFAULT '10'`);
    await q.query(`ALTER TABLE "call_tasks" ADD "assigned_to" uuid`);
    await q.query(`ALTER TABLE "call_tasks" ADD "call_back_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "call_tasks" ADD "attempts" integer NOT NULL DEFAULT '0'`);
    await q.query(`ALTER TABLE "call_tasks" ADD "value_at_creation" numeric(14,2)`);
    await q.query(`CREATE INDEX "ix_call_tasks_client" ON "call_tasks" ("organization_id", "client_id") `);
    await q.query(`ALTER TABLE "organizations" ADD CONSTRAINT "ck_organizations_call_list_top_n" CHECK (call_list_top_n BETWEEN 0 AND 500)`);
    await q.query(`ALTER TABLE "call_tasks" ADD CONSTRAINT "fk_call_tasks_assigned_to" FOREIGN KEY ("assigned_to") REFERENCES "staff_accounts"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "call_outcomes" ADD CONSTRAINT "fk_call_outcomes_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "call_outcomes" ADD CONSTRAINT "fk_call_outcomes_task" FOREIGN KEY ("task_id") REFERENCES "call_tasks"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "call_outcomes" ADD CONSTRAINT "fk_call_outcomes_reason" FOREIGN KEY ("reason_id") REFERENCES "churn_reasons"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    // 'closed': ended without reaching the client (do not call, wrong number, or left unfinished when its cycle ended).
    await q.query(`ALTER TABLE "call_tasks" DROP CONSTRAINT "ck_call_tasks_status"`);
    await q.query(`ALTER TABLE "call_tasks" ADD CONSTRAINT "ck_call_tasks_status" CHECK (status IN ('open','done','call_back','no_answer','closed'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "call_tasks" DROP CONSTRAINT "ck_call_tasks_status"`);
    await q.query(`UPDATE "call_tasks" SET status = 'done' WHERE status = 'closed'`);
    await q.query(`ALTER TABLE "call_tasks" ADD CONSTRAINT "ck_call_tasks_status" CHECK (status IN ('open','done','call_back','no_answer'))`);
    await q.query(`ALTER TABLE "call_outcomes" DROP CONSTRAINT "fk_call_outcomes_reason"`);
    await q.query(`ALTER TABLE "call_outcomes" DROP CONSTRAINT "fk_call_outcomes_task"`);
    await q.query(`ALTER TABLE "call_outcomes" DROP CONSTRAINT "fk_call_outcomes_organization"`);
    await q.query(`ALTER TABLE "call_tasks" DROP CONSTRAINT "fk_call_tasks_assigned_to"`);
    await q.query(`ALTER TABLE "organizations" DROP CONSTRAINT "ck_organizations_call_list_top_n"`);
    await q.query(`DROP INDEX "public"."ix_call_tasks_client"`);
    await q.query(`ALTER TABLE "call_tasks" DROP COLUMN "value_at_creation"`);
    await q.query(`ALTER TABLE "call_tasks" DROP COLUMN "attempts"`);
    await q.query(`ALTER TABLE "call_tasks" DROP COLUMN "call_back_at"`);
    await q.query(`ALTER TABLE "call_tasks" DROP COLUMN "assigned_to"`);
    await q.query(`ALTER TABLE "organizations" DROP COLUMN "call_list_top_n"`);
    await q.query(`DROP INDEX "public"."ix_call_outcomes_task"`);
    await q.query(`DROP INDEX "public"."ix_call_outcomes_org_client"`);
    await q.query(`DROP TABLE "call_outcomes"`);
  }
}
