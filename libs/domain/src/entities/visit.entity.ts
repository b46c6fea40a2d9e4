import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Service } from './service.entity';
import { StaffMember } from './staff-member.entity';
import { Client } from './client.entity';
import { Organization } from './organization.entity';

/**
 * One visit or purchase: the raw material of every rhythm and report. Tens of millions of rows,
 * so it carries only what the sweep and reports read, and three indexes:
 * - (org, external_id) unique: idempotent upserts;
 * - (org, client_id, visited_at): a client's history in order (sweep, client card);
 * - (org, visited_at): reports over a period.
 */
@Entity({ name: 'visits' })
@Index('ux_visits_org_external', ['organizationId', 'externalId'], { unique: true })
@Index('ix_visits_org_client_time', ['organizationId', 'clientId', 'visitedAt'])
@Index('ix_visits_org_time', ['organizationId', 'visitedAt'])
export class Visit {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_visits' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_visits_organization' })
  organization?: Organization;

  @Column({ name: 'external_id', type: 'text' })
  externalId: string;

  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;

  @ManyToOne(() => Client, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id', foreignKeyConstraintName: 'fk_visits_client' })
  client?: Client;

  @Column({ name: 'staff_member_id', type: 'bigint', nullable: true })
  staffMemberId: string | null;

  @ManyToOne(() => StaffMember, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'staff_member_id', foreignKeyConstraintName: 'fk_visits_staff_member' })
  staffMember?: StaffMember;

  @Column({ name: 'service_id', type: 'bigint', nullable: true })
  serviceId: string | null;

  @ManyToOne(() => Service, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'service_id', foreignKeyConstraintName: 'fk_visits_service' })
  service?: Service;

  @Column({ name: 'visited_at', type: 'timestamptz' })
  visitedAt: Date;

  /** Amount paid for the visit, in `currency`; numeric keeps cents exact. */
  @Column({ type: 'numeric', precision: 12, scale: 2 })
  amount: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
