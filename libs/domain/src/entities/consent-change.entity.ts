import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Channel, ConsentStatus } from './channel';

/**
 * Append-only history of consent: who said what about which channel, when, and through what.
 * No foreign keys (a first import writes millions of rows; each FK check locks its parent row):
 * rows are written by the ingestion code for its own organization's clients, and deleting an
 * organization deletes them (trigger in the foundation migration).
 */
@Entity({ name: 'consent_changes' })
@Index('ix_consent_changes_client', ['organizationId', 'clientId', 'changedAt'])
@Check('ck_consent_changes_channel', `channel IN ('sms','email','viber','voice')`)
@Check('ck_consent_changes_status', `status IN ('granted','revoked','unknown')`)
export class ConsentChange {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_consent_changes' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;


  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;


  @Column({ type: 'text' })
  channel: Channel;

  @Column({ type: 'text' })
  status: ConsentStatus;

  @Column({ name: 'changed_at', type: 'timestamptz', default: () => 'now()' })
  changedAt: Date;

  /** Where the change came from: `import`, `api`, `sms-stop`, `staff:<id>` ... */
  @Column({ type: 'text' })
  source: string;
}
