import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Console accounts (argon2id password hashes, roles) and their sessions (token hashes only). */
export class StaffAccounts1764000000000 implements MigrationInterface {
  name = 'StaffAccounts1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "staff_accounts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "email" text NOT NULL, "display_name" text NOT NULL, "role" text NOT NULL, "password_hash" text NOT NULL, "disabled_at" TIMESTAMP WITH TIME ZONE, "last_login_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_staff_accounts_role" CHECK (role IN ('admin','marketer','caller','viewer')), CONSTRAINT "pk_staff_accounts" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_staff_accounts_organization" ON "staff_accounts" ("organization_id") `);
    await q.query(`CREATE UNIQUE INDEX "ux_staff_accounts_email" ON "staff_accounts" ("email") `);
    await q.query(`ALTER TABLE "staff_accounts" ADD CONSTRAINT "fk_staff_accounts_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`CREATE TABLE "staff_sessions" ("token_hash" bytea NOT NULL, "account_id" uuid NOT NULL, "csrf_secret" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "pk_staff_sessions" PRIMARY KEY ("token_hash"))`);
    await q.query(`CREATE INDEX "ix_staff_sessions_account" ON "staff_sessions" ("account_id") `);
    await q.query(`ALTER TABLE "staff_sessions" ADD CONSTRAINT "fk_staff_sessions_account" FOREIGN KEY ("account_id") REFERENCES "staff_accounts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "staff_sessions"`);
    await q.query(`DROP TABLE "staff_accounts"`);
  }
}
