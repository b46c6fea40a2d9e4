import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import type { Channel, ConsentStatus } from './channel';

/**
 * Append-only history of consent: who said what about which channel, when, and through what.
 * Partitioned by organization like clients (index (client_id, changed_at) per partition; no
 * surrogate key; not synchronized by TypeORM). No foreign keys (a first import writes
 * millions of rows; each FK check locks its parent row): the ingestion code writes rows for its
 * own organization's clients, and deleting an organization drops its partition.
 */
@Entity({ name: 'consent_changes', synchronize: false })
@Check('ck_consent_changes_channel', `channel IN ('sms','email','viber','voice')`)
@Check('ck_consent_changes_status', `status IN ('granted','revoked','unknown')`)
export class ConsentChange {
  // TypeORM wants a primary key; the table has none (an append-only log, see the migration).
  // These columns identify a change well enough for reads through TypeORM.
  @PrimaryColumn({ name: 'organization_id', type: 'uuid' })
  organizationId: string;


  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;


  @Column({ type: 'text' })
  channel: Channel;

  @Column({ type: 'text' })
  status: ConsentStatus;

  @PrimaryColumn({ name: 'changed_at', type: 'timestamptz', default: () => 'now()' })
  changedAt: Date;

  /** Where the change came from: `import`, `api`, `sms-stop`, `staff:<id>` ... */
  @Column({ type: 'text' })
  source: string;
}
