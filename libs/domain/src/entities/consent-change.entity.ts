import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Client } from './client.entity';
import { Organization } from './organization.entity';
import type { Channel, ConsentStatus } from './channel';

/** Append-only history of consent: who said what about which channel, when, and through what. */
@Entity({ name: 'consent_changes' })
@Index('ix_consent_changes_client', ['organizationId', 'clientId', 'changedAt'])
@Check('ck_consent_changes_channel', `channel IN ('sms','email','viber','voice')`)
@Check('ck_consent_changes_status', `status IN ('granted','revoked','unknown')`)
export class ConsentChange {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_consent_changes' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_consent_changes_organization' })
  organization?: Organization;

  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;

  @ManyToOne(() => Client, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'fk_consent_changes_client' })
  client?: Client;

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
