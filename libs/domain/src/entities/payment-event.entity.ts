import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** cancelled: the client cancelled their plan or membership (a voluntary leaving signal). */
export const PAYMENT_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * A charge attempt. Failed ones before a lapse mark involuntary churn. Partitioned by
 * organization like visits (same indexes, same reasons, no foreign keys, not managed by TypeORM).
 */
@Entity({ name: 'payment_events', synchronize: false })
@Check('ck_payment_events_status', `status IN ('succeeded','failed','cancelled')`)
@Check('ck_payment_events_failure_code', `(status = 'failed') = (failure_code IS NOT NULL)`)
export class PaymentEvent {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @PrimaryColumn({ name: 'external_id', type: 'text', collation: 'C' })
  externalId: string;

  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;

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
