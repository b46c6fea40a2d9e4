import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from './organization.entity';
import { StaffAccount } from './staff-account.entity';

export const AUDIT_KINDS = ['export'] as const;
/**
 * What the audit log records itself: `export` (data that left the system: CSV downloads, the
 * reports API). Consent changes have their own append-only history (consent_changes), which the
 * console's audit page reads beside this table rather than copying it.
 */
export type AuditKind = (typeof AUDIT_KINDS)[number];

/**
 * Who took what out of Comeback, and when: one row per export, written before its first byte
 * leaves. Append-only; kept with the organization (dropped with it).
 */
@Entity({ name: 'audit_log' })
@Index('ix_audit_log_org_time', ['organizationId', 'occurredAt', 'id'])
@Check('ck_audit_log_kind', `kind IN ('export')`)
export class AuditLogEntry {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_audit_log' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_audit_log_organization' })
  organization?: Organization;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  @Column({ type: 'text' })
  kind: AuditKind;

  /** What was done, e.g. `lost-clients.csv`, `report.gone.csv`, `api.report.gone`. */
  @Column({ type: 'text' })
  action: string;

  /** The console account that did it (null for an API key, or once the account is deleted). */
  @Column({ name: 'account_id', type: 'uuid', nullable: true })
  accountId: string | null;

  @ManyToOne(() => StaffAccount, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'fk_audit_log_account' })
  account?: StaffAccount;

  /** Who, as a person reads it, kept when the account is gone: the account's e-mail, or `api-key:<id>`. */
  @Column({ type: 'text' })
  actor: string;

  /** The request's client address (after the trusted proxies). */
  @Column({ type: 'text', nullable: true })
  ip: string | null;

  /** What exactly: filters, period, selected ids' count. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;
}
