import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * One visit or purchase: the raw material of every rhythm and report. Tens of millions of rows,
 * partitioned by organization (one table per business, made by a trigger when the organization
 * is created; see the foundation migration). Each partition has a unique index on external_id
 * (idempotent upserts) and one on (client_id, visited_at) (a client's history in order).
 * No foreign keys: rows are written only by the ingestion code, which resolves every reference
 * within the organization; per-row FK triggers would cost more than the whole insert.
 * TypeORM does not manage this table (synchronize: false): partitions are beyond its schema diff.
 */
@Entity({ name: 'visits', synchronize: false })
export class Visit {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @PrimaryColumn({ name: 'external_id', type: 'text', collation: 'C' })
  externalId: string;

  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;

  @Column({ name: 'staff_member_id', type: 'bigint', nullable: true })
  staffMemberId: string | null;

  @Column({ name: 'service_id', type: 'bigint', nullable: true })
  serviceId: string | null;

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
