import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ConsentStatus } from './channel';

/**
 * A client of the business. Current consent per channel lives here (audiences filter on it);
 * every change of it is also appended to `consent_changes` with its time and source.
 *
 * Partitioned by organization, one table per business (see the foundation migration, which
 * owns this table's shape: TypeORM does not synchronize partitioned tables). Ids come from the
 * sequence `clients_id_seq`; the primary key is (organization_id, id), so references carry the
 * organization and cannot cross businesses. Each partition has a unique index on external_id
 * and partial indexes on phone, e-mail and Viber id (matching replies to clients).
 */
@Entity({ name: 'clients', synchronize: false })
@Check('ck_clients_consent', `consent_sms IN ('granted','revoked','unknown') AND consent_email IN ('granted','revoked','unknown') AND consent_viber IN ('granted','revoked','unknown') AND consent_voice IN ('granted','revoked','unknown')`)
export class Client {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid', primaryKeyConstraintName: 'pk_clients' })
  organizationId: string;

  @PrimaryColumn({ type: 'bigint', default: () => "nextval('clients_id_seq')", primaryKeyConstraintName: 'pk_clients' })
  id: string;


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
