import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the staff console reads and writes on an episode:
 * - staff_member_id / service_id: the staff member and service of the client's last visit before
 *   leaving, so the lost-clients list can be filtered by them without touching visits;
 * - reason_set_at / reason_set_by: who recorded the reason on the card, and when;
 * - two partial indexes for the list's keyset paging over open episodes, one per sort order
 *   (by value: revenue of the last 12 months; by days overdue: the expected next visit).
 * Existing episodes get their staff member and service from their last visit.
 */
export class Console1764100000000 implements MigrationInterface {
  name = 'Console1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "churn_episodes" ADD "staff_member_id" bigint`);
    await q.query(`ALTER TABLE "churn_episodes" ADD "service_id" bigint`);
    await q.query(`ALTER TABLE "churn_episodes" ADD "reason_set_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "churn_episodes" ADD "reason_set_by" uuid`);
    await q.query(`ALTER TABLE "churn_episodes" ADD CONSTRAINT "fk_churn_episodes_staff_member" FOREIGN KEY ("staff_member_id") REFERENCES "staff_members"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "churn_episodes" ADD CONSTRAINT "fk_churn_episodes_service" FOREIGN KEY ("service_id") REFERENCES "services"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "churn_episodes" ADD CONSTRAINT "fk_churn_episodes_reason_set_by" FOREIGN KEY ("reason_set_by") REFERENCES "staff_accounts"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`CREATE INDEX "ix_churn_episodes_open_value" ON "churn_episodes" ("organization_id", "revenue_12m", "id") WHERE status IN ('at_risk','lapsed')`);
    await q.query(`CREATE INDEX "ix_churn_episodes_open_overdue" ON "churn_episodes" ("organization_id", "expected_next_visit_at", "id") WHERE status IN ('at_risk','lapsed')`);
    await q.query(`UPDATE churn_episodes e SET staff_member_id = v.staff_member_id, service_id = v.service_id
                     FROM visits v WHERE v.organization_id = e.organization_id AND v.client_id = e.client_id AND v.visited_at = e.last_visit_at`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_churn_episodes_open_overdue"`);
    await q.query(`DROP INDEX "ix_churn_episodes_open_value"`);
    await q.query(`ALTER TABLE "churn_episodes" DROP CONSTRAINT "fk_churn_episodes_reason_set_by"`);
    await q.query(`ALTER TABLE "churn_episodes" DROP CONSTRAINT "fk_churn_episodes_service"`);
    await q.query(`ALTER TABLE "churn_episodes" DROP CONSTRAINT "fk_churn_episodes_staff_member"`);
    await q.query(`ALTER TABLE "churn_episodes" DROP COLUMN "reason_set_by"`);
    await q.query(`ALTER TABLE "churn_episodes" DROP COLUMN "reason_set_at"`);
    await q.query(`ALTER TABLE "churn_episodes" DROP COLUMN "service_id"`);
    await q.query(`ALTER TABLE "churn_episodes" DROP COLUMN "staff_member_id"`);
  }
}
