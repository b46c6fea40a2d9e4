import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Client } from './client.entity';

/**
 * The client card's timeline: what happened to the client in Comeback (detected at risk, lapsed,
 * returned; later: messages and replies). Written by event consumers, one row per event.
 */
@Entity({ name: 'client_activities' })
@Index('ix_client_activities_org_client_time', ['organizationId', 'clientId', 'occurredAt'])
@Index('ux_client_activities_event', ['eventId'], { unique: true, where: 'event_id IS NOT NULL' })
export class ClientActivity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_client_activities' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;

  @ManyToOne(() => Client, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'organization_id', referencedColumnName: 'organizationId', foreignKeyConstraintName: 'fk_client_activities_client' },
    { name: 'client_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_client_activities_client' },
  ])
  client?: Client;

  /** e.g. `client.at-risk`, `client.churned`, `client.returned`. */
  @Column({ type: 'text' })
  kind: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ name: 'event_id', type: 'bigint', nullable: true })
  eventId: string | null;

  /** A short summary for the timeline (episode id, status, the numbers behind it). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;
}
