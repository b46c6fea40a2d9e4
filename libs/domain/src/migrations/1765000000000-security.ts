import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Security (issue 7, part 4):
 * - staff_accounts: failed sign-ins, lockouts so far and locked_until, for the lockout with
 *   back-off (libs/accounts: after N failures the account is locked 1, 2, 4 ... minutes, capped);
 * - audit_log: who exported what (console CSV downloads, the reports API), newest first per
 *   organization. Consent changes keep their own history (consent_changes); the audit page reads both.
 */
export class Security1765000000000 implements MigrationInterface {
  name = 'Security1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "staff_accounts" ADD "failed_logins" integer NOT NULL DEFAULT '0'`);
    await q.query(`ALTER TABLE "staff_accounts" ADD "lockouts" integer NOT NULL DEFAULT '0'`);
    await q.query(`ALTER TABLE "staff_accounts" ADD "locked_until" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "staff_accounts" ADD "last_failed_login_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`CREATE TABLE "audit_log" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "kind" text NOT NULL, "action" text NOT NULL, "account_id" uuid, "actor" text NOT NULL, "ip" text, "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "ck_audit_log_kind" CHECK (kind IN ('export')), CONSTRAINT "pk_audit_log" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_audit_log_org_time" ON "audit_log" ("organization_id", "occurred_at", "id") `);
    await q.query(`ALTER TABLE "audit_log" ADD CONSTRAINT "fk_audit_log_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "audit_log" ADD CONSTRAINT "fk_audit_log_account" FOREIGN KEY ("account_id") REFERENCES "staff_accounts"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit_log"`);
    await q.query(`ALTER TABLE "staff_accounts" DROP COLUMN "last_failed_login_at"`);
    await q.query(`ALTER TABLE "staff_accounts" DROP COLUMN "locked_until"`);
    await q.query(`ALTER TABLE "staff_accounts" DROP COLUMN "lockouts"`);
    await q.query(`ALTER TABLE "staff_accounts" DROP COLUMN "failed_logins"`);
  }
}
