import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The foundation schema: organizations, API keys, staff, services, clients with per-channel consent
 * and its history, visits, payment events, churn reasons and churn episodes.
 *
 * Index choices follow the queries that read these tables:
 * - (organization_id, external_id) unique on every imported table: idempotent upserts (in the
 *   per-organization partitions of clients, visits and payment_events, (external_id) alone);
 * - clients' phone, e-mail and Viber id: matching replies to the client who sent them;
 * - visits, payments and consent history (client_id, time): a client's history in order (the
 *   sweep, the card);
 * - churn_episodes (organization_id, status, detected_at) and (organization_id, left_on): the
 *   lost-clients list and the Gone report; one open episode per client (partial unique index).
 */
/**
 * Per-organization partitions of clients, consent_changes, visits and payment_events, and their
 * indexes, defined once here:
 * - comeback_org_partition(kind, org): the partition's table name;
 * - comeback_create_org_partitions(org): creates the partitions and any missing index (idempotent);
 * - comeback_drop_org_partition_indexes(kind, org): drops a partition's indexes, for a bulk load
 *   that rebuilds them afterwards (in the same transaction).
 * Each partition holds one organization, so (external_id) alone is unique within it. consent_changes
 * is partitioned the same way. None of these carry per-row foreign keys (each check locks the parent row: at a million rows
 * that costs more than the insert); the ingestion code sets the organization, and deleting an
 * organization removes them in the trigger below.
 */
const PARTITION_FUNCTIONS = `
CREATE FUNCTION comeback_org_partition(kind text, org uuid) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT kind || '_' || replace(org::text, '-', '') $$;

CREATE FUNCTION comeback_create_org_partitions(org uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  h text := comeback_org_partition('consent_changes', org);
  c text := comeback_org_partition('clients', org);
  v text := comeback_org_partition('visits', org);
  p text := comeback_org_partition('payment_events', org);
BEGIN
  -- Each partition defaults organization_id to its own organization: bulk loads leave the column
  -- out (parsing a uuid per row is a fifth of a COPY's cost), and the value is right by construction.
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF clients FOR VALUES IN (%L)', c, org);
  EXECUTE format('ALTER TABLE %I ALTER COLUMN organization_id SET DEFAULT %L', c, org);
  EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (external_id)', c || '_external', c);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (phone) WHERE phone IS NOT NULL', c || '_phone', c);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (email) WHERE email IS NOT NULL', c || '_email', c);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (viber_id) WHERE viber_id IS NOT NULL', c || '_viber', c);
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF consent_changes FOR VALUES IN (%L)', h, org);
  EXECUTE format('ALTER TABLE %I ALTER COLUMN organization_id SET DEFAULT %L', h, org);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (client_id, changed_at)', h || '_client_time', h);
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF visits FOR VALUES IN (%L)', v, org);
  EXECUTE format('ALTER TABLE %I ALTER COLUMN organization_id SET DEFAULT %L', v, org);
  EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (external_id)', v || '_external', v);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (client_id, visited_at)', v || '_client_time', v);
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF payment_events FOR VALUES IN (%L)', p, org);
  EXECUTE format('ALTER TABLE %I ALTER COLUMN organization_id SET DEFAULT %L', p, org);
  EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (external_id)', p || '_external', p);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (client_id, occurred_at)', p || '_client_time', p);
END $$;

CREATE FUNCTION comeback_drop_org_partition_indexes(kind text, org uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text := comeback_org_partition(kind, org);
BEGIN
  -- The primary key of clients stays: it is part of the parent's, and cheap (ids only grow).
  EXECUTE format('DROP INDEX IF EXISTS %I, %I, %I, %I, %I', t || '_external', t || '_client_time', t || '_phone', t || '_email', t || '_viber');
END $$;

CREATE FUNCTION comeback_organization_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM comeback_create_org_partitions(NEW.id);
  RETURN NEW;
END $$;

-- Runs after the foreign keys' cascades (those triggers sort first), so nothing refers to the
-- organization's clients any more when their table is detached and dropped.
CREATE FUNCTION comeback_organization_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('DROP TABLE IF EXISTS %I, %I, %I', comeback_org_partition('consent_changes', OLD.id),
    comeback_org_partition('visits', OLD.id), comeback_org_partition('payment_events', OLD.id));
  EXECUTE format('ALTER TABLE clients DETACH PARTITION %I', comeback_org_partition('clients', OLD.id));
  EXECUTE format('DROP TABLE %I', comeback_org_partition('clients', OLD.id));
  RETURN OLD;
END $$;

CREATE TRIGGER organizations_partitions_created AFTER INSERT ON organizations
  FOR EACH ROW EXECUTE FUNCTION comeback_organization_created();
CREATE TRIGGER organizations_partitions_deleted AFTER DELETE ON organizations
  FOR EACH ROW EXECUTE FUNCTION comeback_organization_deleted();
`;

export class Foundation1763800000000 implements MigrationInterface {
  name = 'Foundation1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "organizations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "slug" text NOT NULL, "name" text NOT NULL, "timezone" text NOT NULL, "default_locale" text NOT NULL, "currency" character(3) NOT NULL, "country" character(2) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_organizations" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "ux_organizations_slug" ON "organizations" ("slug")`);
    await q.query(`CREATE TABLE "api_keys" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "organization_id" uuid NOT NULL, "name" text NOT NULL, "prefix" text NOT NULL, "secret_hash" bytea NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "pk_api_keys" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "ux_api_keys_prefix" ON "api_keys" ("prefix")`);
    await q.query(`CREATE INDEX "ix_api_keys_organization" ON "api_keys" ("organization_id")`);
    await q.query(`CREATE TABLE "churn_reasons" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "label" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_churn_reasons" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "ux_churn_reasons_org_label" ON "churn_reasons" ("organization_id", "label")`);
    // clients are partitioned by organization too (one table per business): a first import
    // loads them straight into their own table, with its indexes built afterwards. Ids come from
    // one sequence, so they are unique across organizations; the primary key carries the
    // organization so that references (organization_id, client_id) cannot cross businesses.
    await q.query(`CREATE SEQUENCE "clients_id_seq" AS bigint`);
    await q.query(`CREATE TABLE "clients" ("id" bigint NOT NULL DEFAULT nextval('clients_id_seq'), "organization_id" uuid NOT NULL, "external_id" text COLLATE "C" NOT NULL, "name" text NOT NULL, "phone" text, "email" text, "viber_id" text, "locale" text, "timezone" text, "consent_sms" text NOT NULL DEFAULT 'unknown', "consent_email" text NOT NULL DEFAULT 'unknown', "consent_viber" text NOT NULL DEFAULT 'unknown', "consent_voice" text NOT NULL DEFAULT 'unknown', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_clients_consent" CHECK (consent_sms IN ('granted','revoked','unknown') AND consent_email IN ('granted','revoked','unknown') AND consent_viber IN ('granted','revoked','unknown') AND consent_voice IN ('granted','revoked','unknown')), CONSTRAINT "pk_clients" PRIMARY KEY ("organization_id", "id")) PARTITION BY LIST ("organization_id")`);
    await q.query(`CREATE TABLE "churn_episodes" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "client_id" bigint NOT NULL, "status" text NOT NULL, "detected_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_visit_at" TIMESTAMP WITH TIME ZONE NOT NULL, "left_on" date, "churn_type" text, "gradual" boolean NOT NULL DEFAULT false, "method" text NOT NULL, "score" double precision, "usual_gap_days" double precision, "expected_next_visit_at" TIMESTAMP WITH TIME ZONE, "lifetime_visits" integer NOT NULL DEFAULT '0', "lifetime_revenue" numeric(14,2) NOT NULL DEFAULT '0', "revenue_12m" numeric(14,2) NOT NULL DEFAULT '0', "value_tier" smallint, "reason_id" bigint, "reason_note" text, "returned_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_churn_episodes_method" CHECK (method IN ('cadence','bgnbd')), CONSTRAINT "ck_churn_episodes_type" CHECK (churn_type IS NULL OR churn_type IN ('voluntary','involuntary','passive')), CONSTRAINT "ck_churn_episodes_status" CHECK (status IN ('at_risk','lapsed','returned','dismissed')), CONSTRAINT "pk_churn_episodes" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "ix_churn_episodes_org_client" ON "churn_episodes" ("organization_id", "client_id")`);
    await q.query(`CREATE INDEX "ix_churn_episodes_org_left" ON "churn_episodes" ("organization_id", "left_on")`);
    await q.query(`CREATE INDEX "ix_churn_episodes_org_status_detected" ON "churn_episodes" ("organization_id", "status", "detected_at")`);
    await q.query(`CREATE UNIQUE INDEX "ux_churn_episodes_open_client" ON "churn_episodes" ("client_id") WHERE status IN ('at_risk','lapsed')`);
    // consent_changes is an append-only log read per client (index (client_id, changed_at) per
    // partition): no surrogate key, which would cost a sequence call and an index entry per row.
    await q.query(`CREATE TABLE "consent_changes" ("organization_id" uuid NOT NULL, "client_id" bigint NOT NULL, "channel" text NOT NULL, "status" text NOT NULL, "changed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "source" text NOT NULL, CONSTRAINT "ck_consent_changes_status" CHECK (status IN ('granted','revoked','unknown')), CONSTRAINT "ck_consent_changes_channel" CHECK (channel IN ('sms','email','viber','voice'))) PARTITION BY LIST ("organization_id")`);
    // visits and payment_events are partitioned by organization: each business's history is its
    // own table (created by the trigger below), so its first bulk load can drop and rebuild its
    // indexes without touching anyone else's, and a business can be removed by dropping a table.
    // External ids compare byte-wise (COLLATE "C"): they are opaque, and it halves index cost.
    await q.query(`CREATE TABLE "payment_events" ("organization_id" uuid NOT NULL, "external_id" text COLLATE "C" NOT NULL, "client_id" bigint NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "status" text NOT NULL, "amount" numeric(12,2) NOT NULL, "currency" character(3) NOT NULL, "failure_code" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_payment_events_failure_code" CHECK ((status = 'failed') = (failure_code IS NOT NULL)), CONSTRAINT "ck_payment_events_status" CHECK (status IN ('succeeded','failed'))) PARTITION BY LIST ("organization_id")`);
    await q.query(`CREATE TABLE "services" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "external_id" text COLLATE "C" NOT NULL, "name" text NOT NULL, "category" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_services" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "ux_services_org_external" ON "services" ("organization_id", "external_id")`);
    await q.query(`CREATE TABLE "staff_members" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "organization_id" uuid NOT NULL, "external_id" text COLLATE "C" NOT NULL, "name" text NOT NULL, "role" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_staff_members" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "ux_staff_members_org_external" ON "staff_members" ("organization_id", "external_id")`);
    await q.query(`CREATE TABLE "visits" ("organization_id" uuid NOT NULL, "external_id" text COLLATE "C" NOT NULL, "client_id" bigint NOT NULL, "staff_member_id" bigint, "service_id" bigint, "visited_at" TIMESTAMP WITH TIME ZONE NOT NULL, "amount" numeric(12,2) NOT NULL, "currency" character(3) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()) PARTITION BY LIST ("organization_id")`);
    await q.query(`ALTER TABLE "api_keys" ADD CONSTRAINT "fk_api_keys_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "churn_reasons" ADD CONSTRAINT "fk_churn_reasons_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "churn_episodes" ADD CONSTRAINT "fk_churn_episodes_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "churn_episodes" ADD CONSTRAINT "fk_churn_episodes_client" FOREIGN KEY ("organization_id", "client_id") REFERENCES "clients"("organization_id","id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "churn_episodes" ADD CONSTRAINT "fk_churn_episodes_reason" FOREIGN KEY ("reason_id") REFERENCES "churn_reasons"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "services" ADD CONSTRAINT "fk_services_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(`ALTER TABLE "staff_members" ADD CONSTRAINT "fk_staff_members_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await q.query(PARTITION_FUNCTIONS);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER organizations_partitions_created ON organizations`);
    await q.query(`DROP TRIGGER organizations_partitions_deleted ON organizations`);
    await q.query(`DROP FUNCTION comeback_organization_created(), comeback_organization_deleted(), comeback_create_org_partitions(uuid), comeback_drop_org_partition_indexes(text, uuid), comeback_org_partition(text, uuid)`);
    await q.query(`DROP TABLE "visits"`);
    await q.query(`DROP TABLE "payment_events"`);
    await q.query(`DROP TABLE "consent_changes"`);
    await q.query(`DROP TABLE "churn_episodes"`);
    await q.query(`DROP TABLE "churn_reasons"`);
    await q.query(`DROP TABLE "clients"`);
    await q.query(`DROP SEQUENCE "clients_id_seq"`);
    await q.query(`DROP TABLE "services"`);
    await q.query(`DROP TABLE "staff_members"`);
    await q.query(`DROP TABLE "api_keys"`);
    await q.query(`DROP TABLE "organizations"`);
  }
}
