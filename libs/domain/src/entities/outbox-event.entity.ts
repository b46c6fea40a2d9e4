import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The transactional outbox: an event is inserted in the same transaction as the change it
 * describes, so it exists exactly when the change does. The relay takes rows out (deletes them)
 * in the same transaction as it hands them to each subscribed consumer's durable queue, so the
 * table only ever holds what is not yet delivered, and stays small.
 */
@Entity({ name: 'outbox_events' })
export class OutboxEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_outbox_events' })
  id: string;

  /** No foreign key: events are history and stay readable after their rows change. */
  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** One row per event a consumer has handled: what makes consumers idempotent. */
@Entity({ name: 'event_receipts' })
export class EventReceipt {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_event_receipts' })
  consumer: string;

  @PrimaryColumn({ name: 'event_id', type: 'bigint', primaryKeyConstraintName: 'pk_event_receipts' })
  eventId: string;

  @CreateDateColumn({ name: 'handled_at', type: 'timestamptz' })
  handledAt: Date;
}
