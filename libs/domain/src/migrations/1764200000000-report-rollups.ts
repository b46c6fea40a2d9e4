import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the reports read besides churn_episodes (see apps/report/src/reports/reports.sql.ts):
 * visits have no index on visited_at and a full scan of a big business takes seconds, so every
 * report that needs visits reads a rollup instead, rebuilt per organization by
 * ReportRollupsService.refresh (nightly and on demand). None of these tables has an entity: they
 * are written and read by SQL only, and TypeORM's schema diff leaves tables it does not know alone.
 * - report_daily_sales: visits and revenue per local day, staff member, service and amount rounded
 *   to the currency unit. Average check (overall, per bucket, staff, service) and its quantiles and
 *   histogram ("exact to the currency unit") read a year of it instead of a year of visits; prices
 *   come from a price list, so a day has few distinct amounts per staff member and service.
 * - report_staff_firsts: one row per (client, staff member): the local day of their first visit
 *   together, the client's next visit day to the business after it, and the next with the same
 *   staff member. Retention by staff member is a range read on first_on (covering index).
 * - report_active_deltas: per local day, the change in the number of active clients (a visit in the
 *   365 days before the day, not gone), so "active at day S" is a running sum up to S.
 * - report_rollup_state: when an organization's rollups were last rebuilt and how long it took,
 *   so pages can say "figures as of ...".
 * - care_reviews: the six-monthly reviews of clients who came back after being lost.
 */
export class ReportRollups1764200000000 implements MigrationInterface {
  name = 'ReportRollups1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "report_daily_sales" ("organization_id" uuid NOT NULL, "day" date NOT NULL, "staff_member_id" bigint, "service_id" bigint, "amount_unit" numeric(12,0) NOT NULL, "visits" integer NOT NULL, "revenue" numeric(14,2) NOT NULL)`);
    await q.query(`CREATE INDEX "ix_report_daily_sales_org_day" ON "report_daily_sales" ("organization_id", "day")`);
    await q.query(`ALTER TABLE "report_daily_sales" ADD CONSTRAINT "fk_report_daily_sales_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "report_staff_firsts" ("organization_id" uuid NOT NULL, "staff_member_id" bigint NOT NULL, "client_id" bigint NOT NULL, "first_on" date NOT NULL, "next_on" date, "next_same_on" date)`);
    // Covering: the retention report reads a year of firsts from the index alone.
    await q.query(`CREATE INDEX "ix_report_staff_firsts_org_first" ON "report_staff_firsts" ("organization_id", "first_on") INCLUDE ("staff_member_id", "next_on", "next_same_on")`);
    await q.query(`ALTER TABLE "report_staff_firsts" ADD CONSTRAINT "fk_report_staff_firsts_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "report_active_deltas" ("organization_id" uuid NOT NULL, "day" date NOT NULL, "delta" integer NOT NULL, CONSTRAINT "pk_report_active_deltas" PRIMARY KEY ("organization_id", "day"))`);
    await q.query(`ALTER TABLE "report_active_deltas" ADD CONSTRAINT "fk_report_active_deltas_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "report_rollup_state" ("organization_id" uuid NOT NULL, "refreshed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "seconds" double precision NOT NULL, CONSTRAINT "pk_report_rollup_state" PRIMARY KEY ("organization_id"))`);
    await q.query(`ALTER TABLE "report_rollup_state" ADD CONSTRAINT "fk_report_rollup_state_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await q.query(`CREATE TABLE "care_reviews" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "episode_id" bigint NOT NULL, "reviewed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "reviewed_by" uuid, "note" text, CONSTRAINT "pk_care_reviews" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_care_reviews_episode_reviewed" ON "care_reviews" ("episode_id", "reviewed_at")`);
    await q.query(`ALTER TABLE "care_reviews" ADD CONSTRAINT "fk_care_reviews_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "care_reviews" ADD CONSTRAINT "fk_care_reviews_episode" FOREIGN KEY ("episode_id") REFERENCES "churn_episodes"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "care_reviews" ADD CONSTRAINT "fk_care_reviews_reviewed_by" FOREIGN KEY ("reviewed_by") REFERENCES "staff_accounts"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "care_reviews"`);
    await q.query(`DROP TABLE "report_rollup_state"`);
    await q.query(`DROP TABLE "report_active_deltas"`);
    await q.query(`DROP TABLE "report_staff_firsts"`);
    await q.query(`DROP TABLE "report_daily_sales"`);
  }
}
