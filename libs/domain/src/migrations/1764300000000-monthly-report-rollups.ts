import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Monthly tiers of the report rollups, so a year's report reads twelve months of pre-summed rows
 * instead of a year of daily ones (see ReportRollupsService and reports.sql.ts):
 * - report_monthly_sales: report_daily_sales summed per calendar month (about 1/15 of the rows).
 *   Average check reads whole months here and the days of partial months from the daily table,
 *   so every figure, quantiles included, stays exact for any range of days.
 * - report_staff_return_months: per staff member, month of first visit and number of days, how
 *   many (client, staff member) pairs took that many days to return to the business (n; days NULL
 *   = came once) and how many to return to the same staff member (n_same). Retention reads whole
 *   months here (from the index alone) and the pairs of partial months from report_staff_firsts.
 * - ix_churn_episodes_gone: the gone episodes (lapsed, not dismissed) by leaving date with every
 *   column the episode reports group on, so they are read from the index alone;
 * - ix_churn_episodes_open_detected: the lost-clients list sorted by newest detection (the other
 *   two sorts have their partial indexes since the console migration).
 * Both tables are filled by the next rollup refresh; until then the reports read them empty, as
 * they read the daily rollups before their first refresh.
 */
export class MonthlyReportRollups1764300000000 implements MigrationInterface {
  name = 'MonthlyReportRollups1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "report_monthly_sales" ("organization_id" uuid NOT NULL, "month" date NOT NULL, "staff_member_id" bigint, "service_id" bigint, "amount_unit" numeric(12,0) NOT NULL, "visits" integer NOT NULL, "revenue" numeric(14,2) NOT NULL)`);
    await q.query(`CREATE INDEX "ix_report_monthly_sales_org_month" ON "report_monthly_sales" ("organization_id", "month") INCLUDE ("staff_member_id", "service_id", "amount_unit", "visits", "revenue")`);
    await q.query(`ALTER TABLE "report_monthly_sales" ADD CONSTRAINT "fk_report_monthly_sales_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "report_staff_return_months" ("organization_id" uuid NOT NULL, "staff_member_id" bigint NOT NULL, "month" date NOT NULL, "days" integer, "n" integer NOT NULL, "n_same" integer NOT NULL)`);
    await q.query(`CREATE INDEX "ix_report_staff_return_months_org_month" ON "report_staff_return_months" ("organization_id", "month") INCLUDE ("staff_member_id", "days", "n", "n_same")`);
    await q.query(`ALTER TABLE "report_staff_return_months" ADD CONSTRAINT "fk_report_staff_return_months_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE INDEX "ix_churn_episodes_open_detected" ON "churn_episodes" ("organization_id", "detected_at", "id") WHERE status IN ('at_risk','lapsed')`);
    await q.query(`CREATE INDEX "ix_churn_episodes_gone" ON "churn_episodes" ("organization_id", "left_on", "reason_id", "churn_type", "gradual", "revenue_12m") WHERE lapsed_at IS NOT NULL AND status <> 'dismissed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_churn_episodes_gone"`);
    await q.query(`DROP INDEX "ix_churn_episodes_open_detected"`);
    await q.query(`DROP TABLE "report_staff_return_months"`);
    await q.query(`DROP TABLE "report_monthly_sales"`);
  }
}
