import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, JoinColumn, ManyToOne, UpdateDateColumn } from 'typeorm';
import { Organization } from './organization.entity';
import type { ConsentStatus } from './channel';

/**
 * A client of the business. Current consent per channel lives here (audiences filter on it);
 * every change of it is also appended to `consent_changes` with its time and source.
 */
@Entity({ name: 'clients' })
@Index('ux_clients_org_external', ['organizationId', 'externalId'], { unique: true })
@Index('ix_clients_org_phone', ['organizationId', 'phone'], { where: 'phone IS NOT NULL' })
@Index('ix_clients_org_email', ['organizationId', 'email'], { where: 'email IS NOT NULL' })
@Index('ix_clients_org_viber', ['organizationId', 'viberId'], { where: 'viber_id IS NOT NULL' })
@Check('ck_clients_consent', `consent_sms IN ('granted','revoked','unknown') AND consent_email IN ('granted','revoked','unknown') AND consent_viber IN ('granted','revoked','unknown') AND consent_voice IN ('granted','revoked','unknown')`)
export class Client {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_clients' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_clients_organization' })
  organization?: Organization;

  /** The id the business's own system gives the client; imports are idempotent on it. */
  @Column({ name: 'external_id', type: 'text', collation: 'C' })
  externalId: string;

  @Column({ type: 'text' })
  name: string;

  /** E.164 (`+995599123456`), normalised on the way in; never stored half-right. */
  @Column({ type: 'text', nullable: true })
  phone: string | null;

  @Column({ type: 'text', nullable: true })
  email: string | null;

  @Column({ name: 'viber_id', type: 'text', nullable: true })
  viberId: string | null;

  /** BCP 47; null means the organization's default locale. */
  @Column({ type: 'text', nullable: true })
  locale: string | null;

  /** IANA zone; null means the organization's timezone. */
  @Column({ type: 'text', nullable: true })
  timezone: string | null;

  @Column({ name: 'consent_sms', type: 'text', default: 'unknown' })
  consentSms: ConsentStatus;

  @Column({ name: 'consent_email', type: 'text', default: 'unknown' })
  consentEmail: ConsentStatus;

  @Column({ name: 'consent_viber', type: 'text', default: 'unknown' })
  consentViber: ConsentStatus;

  @Column({ name: 'consent_voice', type: 'text', default: 'unknown' })
  consentVoice: ConsentStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
