import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Client } from './client.entity';
import { Organization } from './organization.entity';

export const PAYMENT_STATUSES = ['succeeded', 'failed'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** A charge attempt. Failed ones before a lapse mark involuntary churn. */
@Entity({ name: 'payment_events' })
@Index('ux_payment_events_org_external', ['organizationId', 'externalId'], { unique: true })
@Index('ix_payment_events_org_client_time', ['organizationId', 'clientId', 'occurredAt'])
@Check('ck_payment_events_status', `status IN ('succeeded','failed')`)
@Check('ck_payment_events_failure_code', `(status = 'failed') = (failure_code IS NOT NULL)`)
export class PaymentEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_payment_events' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_payment_events_organization' })
  organization?: Organization;

  @Column({ name: 'external_id', type: 'text' })
  externalId: string;

  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;

  @ManyToOne(() => Client, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'fk_payment_events_client' })
  client?: Client;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'text' })
  status: PaymentStatus;

  @Column({ type: 'numeric', precision: 12, scale: 2 })
  amount: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  /** The processor's code, e.g. `card_expired`, `insufficient_funds`; set only when failed. */
  @Column({ name: 'failure_code', type: 'text', nullable: true })
  failureCode: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
