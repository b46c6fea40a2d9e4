import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console's audit page reads an organization's consent changes newest first
 * (`WHERE organization_id = $1 … ORDER BY changed_at DESC LIMIT 101`), and consent_changes had only
 * (client_id, changed_at) per partition: every page sorted the organization's whole history (a
 * million rows after a first import). Each organization's partition now also has an index on
 * (changed_at): with the partition holding one organization, that is (organization_id, changed_at).
 *
 * Made where every partition index is made, in comeback_create_org_partitions (new organizations
 * get it, a bulk load drops and rebuilds it with the others), and built here for the organizations
 * there are. Inside the migration's transaction like the others, not CONCURRENTLY (which cannot
 * run in a transaction or a function): the build takes a SHARE lock on each partition, so writes
 * of consent changes (imports, unsubscribes, STOP replies) wait for it; reads do not.
 */
const partitionFunctions = (consentTimeIndex: boolean) => `
CREATE OR REPLACE FUNCTION comeback_create_org_partitions(org uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  h text := comeback_org_partition('consent_changes', org);
  c text := comeback_org_partition('clients', org);
  v text := comeback_org_partition('visits', org);
  p text := comeback_org_partition('payment_events', org);
BEGIN
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF clients FOR VALUES IN (%L)', c, org);
  EXECUTE format('ALTER TABLE %I ALTER COLUMN organization_id SET DEFAULT %L', c, org);
  EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (external_id)', c || '_external', c);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (phone) WHERE phone IS NOT NULL', c || '_phone', c);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (email) WHERE email IS NOT NULL', c || '_email', c);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (viber_id) WHERE viber_id IS NOT NULL', c || '_viber', c);
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF consent_changes FOR VALUES IN (%L)', h, org);
  EXECUTE format('ALTER TABLE %I ALTER COLUMN organization_id SET DEFAULT %L', h, org);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (client_id, changed_at)', h || '_client_time', h);${
    consentTimeIndex ? `\n  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (changed_at)', h || '_time', h);` : ''
  }
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF visits FOR VALUES IN (%L)', v, org);
  EXECUTE format('ALTER TABLE %I ALTER COLUMN organization_id SET DEFAULT %L', v, org);
  EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (external_id)', v || '_external', v);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (client_id, visited_at) INCLUDE (amount)', v || '_client_time', v);
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF payment_events FOR VALUES IN (%L)', p, org);
  EXECUTE format('ALTER TABLE %I ALTER COLUMN organization_id SET DEFAULT %L', p, org);
  EXECUTE format('CREATE UNIQUE INDEX IF NOT EXISTS %I ON %I (external_id)', p || '_external', p);
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %I (client_id, occurred_at)', p || '_client_time', p);
END $$;

CREATE OR REPLACE FUNCTION comeback_drop_org_partition_indexes(kind text, org uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text := comeback_org_partition(kind, org);
BEGIN
  -- The primary key of clients stays: it is part of the parent's, and cheap (ids only grow).
  EXECUTE format('DROP INDEX IF EXISTS ${consentTimeIndex ? '%I, ' : ''}%I, %I, %I, %I, %I', ${consentTimeIndex ? "t || '_time', " : ''}t || '_external', t || '_client_time', t || '_phone', t || '_email', t || '_viber');
END $$;
`;

export class ConsentHistoryTimeIndex1765100000000 implements MigrationInterface {
  name = 'ConsentHistoryTimeIndex1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(partitionFunctions(true));
    // The existing organizations' partitions get the index (the function adds only what is missing).
    await q.query(`DO $$
DECLARE org uuid;
BEGIN
  FOR org IN SELECT id FROM organizations LOOP
    PERFORM comeback_create_org_partitions(org);
  END LOOP;
END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DO $$
DECLARE org uuid;
BEGIN
  FOR org IN SELECT id FROM organizations LOOP
    EXECUTE format('DROP INDEX IF EXISTS %I', comeback_org_partition('consent_changes', org) || '_time');
  END LOOP;
END $$`);
    await q.query(partitionFunctions(false));
  }
}
